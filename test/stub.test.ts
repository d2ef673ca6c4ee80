// Stub libraries (`#STUB` files), differential against wasm-ld 22 (YoWASP): a needed stub symbol
// is imported, its dependencies are exported and extracted from archives, import names match
// too, --trace-symbol and --why-extract report it, and missing dependencies give wasm-ld's errors.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, makeArchive, wasmExports, wasmImports, wasmLd, type LinkOutcome } from './support/toolchain.js';
import { runLink } from '../lib/link.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;

const SOURCES: Record<string, string> = {
  'main.c': `extern void foo(void);
__attribute__((import_name("ext_name"))) void ren(void);
extern void other(void);
int main(void) { foo(); ren(); return 0; }
int main_other(void) { other(); return 1; }
`,
  'bar.c': 'int bar(int x) { return x + 1; }\n',
  'baz.c': 'int baz(int x) { return x * 3; }\n',
  'qux.c': 'extern int undefined_thing(void);\nint qux(void) { return undefined_thing(); }\n',
};

const STUBS: Record<string, string> = {
  // foo is provided by the embedder, which calls bar; ext_name (ren's import name) calls baz.
  's1.stub': '#STUB\n# a comment\nfoo: bar\next_name: baz\n',
  // Spaces, a dependency nobody defines, and a blank line.
  's2.stub': '#STUB\n  foo :  bar ,  missing_dep  \n\n',
  // A symbol without dependencies, one nobody needs, and one with an undefined dependency.
  's3.stub': '#STUB\nnot_needed: bar\nfoo\nother: undefined_thing\n',
  // A dependency that pulls qux, whose own undefined reference then needs an import.
  's4.stub': '#STUB\nfoo: qux\n',
  // Names foo first, with no dependencies: a later library's foo line is then ignored.
  's5.stub': '#STUB\nnot_needed: bar\nfoo\n',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-stub-'));
  const names = Object.keys(SOURCES);
  const paths = await compileToFiles(SOURCES, ['-O2'], { sources: names });
  names.forEach((n, i) => writeFileSync(join(dir, n.replace(/\.c$/, '.o')), readFileSync(paths[i])));
  copyFileSync(await makeArchive('lib.a', paths.slice(1)), join(dir, 'lib.a'));
  for (const [n, text] of Object.entries(STUBS)) writeFileSync(join(dir, n), text);
}, 180_000);

async function same(args: string[]): Promise<LinkOutcome> {
  const { lld, weld } = await linkBoth([...args, '-o', 'out.wasm'], dir);
  expectSameLink(weld, lld);
  return weld;
}

const MAIN = ['main.o', 'lib.a', '--no-entry', '--export=main'];

describe('stub libraries match wasm-ld 22', () => {
  it('a needed stub symbol is imported and its dependency extracted and exported', async () => {
    const weld = await same(['s1.stub', ...MAIN]);
    expect(weld.code).toBe(0);
    expect(wasmImports(weld.bytes!)).toEqual(['env.foo', 'env.ext_name']);
    expect(wasmExports(weld.bytes!)).toEqual(expect.arrayContaining(['main', 'bar', 'baz']));
  });

  it('the stub library after the objects, and with --allow-undefined', async () => {
    expect((await same([...MAIN, 's1.stub'])).code).toBe(0);
    expect((await same(['main.o', 'lib.a', 's1.stub', '--no-entry', '--export=main', '--export=main_other', '--allow-undefined'])).code).toBe(0);
  });

  it('--trace-symbol and --why-extract print what wasm-ld prints', async () => {
    for (const extra of [['-y', 'foo', '-y', 'bar', '-y', 'not_needed'], ['-y', 'not_needed', '-y', 'foo', '-y', 'other']]) {
      const args = ['s5.stub', 's1.stub', ...MAIN, '--why-extract=-', ...extra, '-o', 'out.wasm'];
      const r = await wasmLd(args, { cwd: dir });
      const w = runLink({ argv: args, cwd: dir, requireOutput: true });
      expect(r.code).toBe(0);
      expect(w.stdout.join('\n') + '\n').toBe(r.stdout);
      expect(w.stdout).toContain('s5.stub: importing foo');
    }
    const args = ['s1.stub', ...MAIN, '--why-extract=-', '-y', 'bar', '-o', 'out.wasm'];
    const w = runLink({ argv: args, cwd: dir, requireOutput: true });
    expect(w.stdout.join('\n') + '\n').toBe((await wasmLd(args, { cwd: dir })).stdout);
    expect(w.stdout).toEqual(expect.arrayContaining(['s1.stub: exported bar due to import of foo', 's1.stub\tmain.o\tfoo']));
  });

  it('errors: a dependency nobody defines', async () => {
    const weld = await same(['s2.stub', ...MAIN]);
    expect(weld.messages).toContain('error: s2.stub: undefined symbol: missing_dep. Required by foo');
  });

  it('errors: a dependency that is itself undefined; an unneeded stub symbol is traced', async () => {
    const weld = await same(['s3.stub', 's1.stub', 'main.o', 'lib.a', '--no-entry', '--export=main', '--export=main_other', '-y', 'not_needed', '-y', 'other']);
    expect(weld.code).toBe(1);
    expect(weld.messages).toContain('error: s3.stub: undefined symbol: undefined_thing. Required by other');
  });

  it('an extracted dependency brings its own undefined references', async () => {
    const weld = await same(['s4.stub', ...MAIN, '--allow-undefined']);
    expect(weld.code).toBe(0);
    expect(wasmImports(weld.bytes!)).toEqual(expect.arrayContaining(['env.foo', 'env.undefined_thing']));
  });

  it('a stub library alone is an input (no "no input files")', async () => {
    const weld = await same(['s1.stub', '--no-entry']);
    expect(weld.code).toBe(0);
  });
});
