// docs/builder.md's example runs as written (with 'weld' mapped to this checkout) and prints
// what its comments say.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';
import { cacheRoot, repoRoot } from './support/toolchain.js';

it('docs/builder.md: the example runs and prints what it says', async () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'builder.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block).toBeDefined();
  const source = block!.replace(/from 'weld'/g, `from ${JSON.stringify(join(repoRoot, 'lib', 'index.ts'))}`);
  // What the comments promise, in order.
  const promised = [...block!.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].flatMap((m) => m[1]!.split(', '));
  expect(promised).toEqual(['world', '50', 'world', '344', 'true']);
  const dir = join(cacheRoot, 'builder-docs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `example-${process.pid}.mjs`);
  writeFileSync(file, source);
  const logged: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
  }
  expect(logged).toEqual(promised);
});
