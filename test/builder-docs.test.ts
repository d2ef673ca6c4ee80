// The module builder example in README.md and docs/builder.md runs as written (with 'weld' mapped
// to this checkout) and prints what its comments say.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';
import { cacheRoot, repoRoot } from './support/toolchain.js';

/** The first ```js block after `heading` (or the first in the file). */
function example(file: string, heading?: string): string {
  let doc = readFileSync(join(repoRoot, file), 'utf8');
  if (heading) {
    const at = doc.indexOf(heading);
    expect(at, `${file} has a "${heading}" section`).toBeGreaterThanOrEqual(0);
    doc = doc.slice(at);
  }
  const block = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block, `${file} has a js example`).toBeDefined();
  return block!;
}

for (const [file, heading] of [['README.md', '### Module builder'], ['docs/builder.md', undefined]] as const) {
  it(`${file}: the module builder example runs and prints what it says`, async () => {
    const block = example(file, heading);
    expect(block).toContain("from 'weld'");
    const source = block.replace(/from 'weld'/g, `from ${JSON.stringify(join(repoRoot, 'lib', 'index.ts'))}`);
    // What the comments promise, in order.
    const promised = [...block.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].flatMap((m) => m[1]!.split(', '));
    expect(promised).toEqual(['world', '50', 'world', '344', 'true']);
    const dir = join(cacheRoot, 'builder-docs');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `example-${file.replace(/\W/g, '_')}-${process.pid}.mjs`);
    writeFileSync(out, source);
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    try {
      await import(/* @vite-ignore */ pathToFileURL(out).href);
    } finally {
      spy.mockRestore();
    }
    expect(logged).toEqual(promised);
  });
}
