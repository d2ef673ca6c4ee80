// Error and warning cases, differential: the same inputs and flags go to wasm-ld 22 (YoWASP) and
// to weld; the messages, their order and the exit status must agree, and where the link
// succeeds with warnings the outputs must be byte-identical.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLink } from '../lib/link.js';
import { compileToFiles, makeArchive, wasmLd, type LinkOutcome } from './support/toolchain.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;
const obj: Record<string, string> = {};

const SOURCES: Record<string, string> = {
  'def.c': 'int foo(int a) { return a; }\nint dat = 3;\nint twice(int x) { return x * 2; }\n',
  'dup.c': 'int twice(int x) { return x + x; }\n',
  'usefn.c': 'int foo(int a, int b);\nextern int dat(void);\nint call(void) { return foo(1, 2) + dat(); }\n',
  'usedata.c': 'extern int foo;\nint *get(void) { return &foo; }\n',
  'sig2.c': 'int foo(int a, int b);\nint use2(void) { return foo(1, 2); }\n',
  'sig3.c': 'float foo(float);\nint use3(void) { return (int)foo(1.0f); }\n',
  'imp1.c': '__attribute__((import_module("m1"))) void imp(void);\nvoid a(void) { imp(); }\n',
  'imp2.c': '__attribute__((import_module("m2"))) void imp(void);\nvoid b(void) { imp(); }\n',
  'undef.c': 'extern int missing_fn(int);\nextern int missing_data;\nint u(void) { return missing_fn(missing_data) + missing_fn(2); }\nint v(void) { return missing_fn(3); }\n',
  'many.c': Array.from({ length: 6 }, (_, i) => `extern int m${i}(void);`).join('\n') + '\nint all(void) { return ' + Array.from({ length: 6 }, (_, i) => `m${i}()`).join(' + ') + '; }\n',
  'ctor.c': '__attribute__((constructor)) static void c(void) {}\nint keep(void) { return 1; }\n',
  'wrapuse.c': 'int bar(int);\nint mainish(void) { return bar(4); }\n',
  'wrapdef.c': 'int bar(int x) { return x + 1; }\n',
  'wrapper.c': 'int __real_bar(int);\nint __wrap_bar(int x) { return __real_bar(x) * 10; }\n',
  'wrapdata.c': 'int dat = 1;\nint setdat(void) { dat = 5; return dat; }\n',
  'wrapsig.c': 'int bar(int x, int y) { return x + y; }\n',
  'fptr.c': 'int a(int x) { return x + 1; }\nint b(int x) { return x * 2; }\nint (*tab[])(int) = {a, b};\n__attribute__((export_name("call"))) int call(int i, int x) { return tab[i & 1](x); }\n',
};



async function both(args: string[]): Promise<{ lld: LinkOutcome; weld: LinkOutcome }> {
  return linkBoth([...args, '-o', 'out.wasm'], dir);
}

async function same(args: string[]): Promise<LinkOutcome> {
  const { lld, weld } = await both(args);
  expectSameLink(weld, lld);
  return lld;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-err-'));
  const names = Object.keys(SOURCES);
  const paths = await compileToFiles(SOURCES, ['-O2'], { sources: names });
  // The same function-pointer code built for the MVP (no table symbols: the legacy table path).
  const [mvp] = await compileToFiles({ 'fptr.c': SOURCES['fptr.c'] }, ['-O2', '-mcpu=mvp'], { sources: ['fptr.c'] });
  // Short relative names, as users type them (and as they appear in messages).
  names.forEach((n, i) => {
    const o = n.replace(/\.c$/, '.o');
    writeFileSync(join(dir, o), readFileSync(paths[i]));
    obj[n.replace(/\.c$/, '')] = o;
  });
  writeFileSync(join(dir, 'mvp.o'), readFileSync(mvp));
  writeFileSync(join(dir, 'allowed.txt'), 'missing_fn\n');
  // As lld's args::getLines reads it: lines trimmed, '#' comments and blank lines skipped.
  writeFileSync(join(dir, 'allowed2.txt'), '# symbols the host provides\n  missing_fn\t\r\n\n   \nmissing_data \n#missing_other\n');
  writeFileSync(join(dir, 'garbage.o'), 'this is not wasm');
}, 180_000);

const NE = ['--no-entry'];

describe('errors and warnings match wasm-ld 22', () => {
  it('undefined symbols, each reference reported', async () => {
    const r = await same([...NE, 'undef.o', '--export=u', '--export=v']);
    expect(r.code).toBe(1);
  });
  it('undefined symbols as warnings, then output identical', async () => {
    const r = await same([...NE, 'undef.o', '--export=u', '--warn-unresolved-symbols']);
    expect(r.code).toBe(0);
  });
  it('--unresolved-symbols=ignore-all and --allow-undefined', async () => {
    expect((await same([...NE, 'undef.o', '--export=u', '--unresolved-symbols=ignore-all'])).code).toBe(0);
    expect((await same([...NE, 'undef.o', '--export=u', '--allow-undefined'])).code).toBe(0);
  });
  it('--allow-undefined-file imports the listed symbols only', async () => {
    expect((await same([...NE, 'undef.o', '--export=u', '--allow-undefined-file=allowed.txt'])).code).toBe(1);
    expect((await same([...NE, 'undef.o', '--export=u', '--allow-undefined-file=allowed2.txt'])).code).toBe(0);
    // An empty name is a file that cannot be opened (as native wasm-ld 22 says it: the YoWASP
    // build's WASI file system opens the directory instead); an empty argument is nothing at all.
    expect(() => runLink({ argv: [...NE, 'undef.o', '--export=u', '--allow-undefined', '--allow-undefined-file=', '-o', 'out.wasm'], cwd: dir })).toThrow(
      expect.objectContaining({ diagnostics: [{ severity: 'error', message: 'cannot open : No such file or directory', file: '' }] }),
    );
    expect((await same([...NE, '', 'undef.o', '--export=u', '--allow-undefined', ''])).code).toBe(0);
  });
  it('duplicate symbols name both files', async () => {
    expect((await same([...NE, 'def.o', 'dup.o', '--export=twice'])).code).toBe(1);
    expect((await same([...NE, 'def.o', 'dup.o', '--export=twice', '--allow-multiple-definition'])).code).toBe(0);
  });
  it('symbol type mismatches', async () => {
    expect((await same([...NE, 'def.o', 'usefn.o', '--export=call'])).code).toBe(1);
    expect((await same([...NE, 'def.o', 'usedata.o', '--export=get'])).code).toBe(1);
  });
  it('signature mismatch: a warning and a stub when defined, an error when not', async () => {
    expect((await same([...NE, 'def.o', 'sig2.o', '--export=use2'])).code).toBe(0);
    expect((await same([...NE, 'sig2.o', 'sig3.o', '--export=use2', '--export=use3'])).code).toBe(1);
    expect((await same([...NE, 'def.o', 'sig2.o', '--export=use2', '--fatal-warnings'])).code).toBe(1);
  });
  it('--wrap: calls reach __wrap_, __real_ reaches the original', async () => {
    const r = await same([...NE, 'wrapuse.o', 'wrapdef.o', 'wrapper.o', '--export=mainish', '--wrap=bar']);
    expect(r.code).toBe(0);
    const { instance } = await WebAssembly.instantiate(r.bytes!);
    expect((instance.exports.mainish as () => number)()).toBe(50);
    // A --wrap of a name nobody uses changes nothing.
    expect((await same([...NE, 'wrapuse.o', 'wrapdef.o', '--export=mainish', '--wrap=nobody'])).code).toBe(0);
  });
  it('--wrap of a data symbol: __wrap_dat is undefined (wasm-ld 22 crashes here; weld reports it)', () => {
    const argv = [...NE, 'wrapdata.o', '--export=setdat', '--wrap=dat', '-o', 'out.wasm'];
    expect(() => runLink({ argv, cwd: dir })).toThrow(expect.objectContaining({ diagnostics: [{ severity: 'error', message: 'wrapdata.o: undefined symbol: __wrap_dat', file: 'wrapdata.o', symbol: '__wrap_dat' }] }));
    // Allowed to stay undefined, it links (a function without a signature gets no stub).
    expect(runLink({ argv: [...argv, '--unresolved-symbols=ignore-all'], cwd: dir }).bytes.length).toBeGreaterThan(0);
  });
  it('--wrap of a function no input references (an archive member nobody extracts): nothing to wrap, in -r too (wasm-ld 22 crashes)', async () => {
    writeFileSync(join(dir, 'libbar.a'), readFileSync(await makeArchive('libbar.a', [join(dir, 'wrapdef.o')])));
    for (const args of [
      ['-r', 'wrapdata.o', 'libbar.a'],
      ['-r', '--emit-relocs', 'wrapdata.o', 'libbar.a'],
      [...NE, 'wrapdata.o', 'libbar.a', '--export=setdat', '--no-gc-sections', '--import-undefined'],
    ]) {
      const plain = runLink({ argv: [...args, '-o', 'nowrap.wasm'], cwd: dir }).bytes;
      const wrapped = runLink({ argv: [...args, '--wrap=bar', '-o', 'nowrap.wasm'], cwd: dir }).bytes;
      expect(Buffer.from(wrapped).equals(Buffer.from(plain)), args.join(' ')).toBe(true);
    }
  });
  it('--wrap without a __wrap_ definition: undefined, stubbed or imported with the original signature', async () => {
    const base = [...NE, 'wrapuse.o', 'wrapdef.o', '--export=mainish', '--wrap=bar'];
    expect((await same(base)).code).toBe(1);
    for (const flag of ['--warn-unresolved-symbols', '--unresolved-symbols=ignore-all', '--import-undefined', '--allow-undefined'])
      expect((await same([...base, flag])).code).toBe(0);
    // A signature mismatch on the wrapped name: wasm-ld's variant stub, which --wrap does not reach.
    expect((await same([...NE, 'wrapuse.o', 'wrapsig.o', '--export=mainish', '--wrap=bar', '--import-undefined'])).code).toBe(0);
  });
  it('import module mismatch', async () => {
    expect((await same([...NE, 'imp1.o', 'imp2.o', '--export=a', '--export=b'])).code).toBe(1);
  });
  it('entry and --export problems', async () => {
    expect((await same(['def.o'])).code).toBe(1);
    expect((await same([...NE, 'def.o', '--export=nothere'])).code).toBe(1);
    expect((await same([...NE, 'def.o', '--export-if-defined=nothere', '--export=foo'])).code).toBe(0);
  });
  it('--error-limit stops after N errors', async () => {
    expect((await same([...NE, 'many.o', '--export=all', '--error-limit=3'])).code).toBe(1);
    // Exactly as many errors as the limit: all shown, no "too many errors" line (lld counts the
    // first error beyond the limit); one more than the limit: the sixth becomes that line.
    expect((await same([...NE, 'many.o', '--export=all', '--error-limit=6'])).code).toBe(1);
    expect((await same([...NE, 'many.o', '--export=all', '--error-limit=5'])).code).toBe(1);
    expect((await same([...NE, 'many.o', '--export=all', '--error-limit=1'])).code).toBe(1);
  });
  it('LTO levels are checked although weld does no LTO; an empty --reproduce= cannot be opened', async () => {
    for (const flag of ['--lto-O', '--lto-O4', '--lto-Ofoo', '--lto-CGO5', '--lto-partitions=0'])
      expect((await same([...NE, 'def.o', '--export=foo', flag])).code).toBe(1);
    for (const flag of ['--lto-O1', '--lto-O3', '--lto-CGO0', '--lto-partitions=2'])
      expect((await same([...NE, 'def.o', '--export=foo', flag])).code).toBe(0);
    // (The YoWASP build's file system would open the directory: native wasm-ld 22's words.)
    expect(() => runLink({ argv: [...NE, 'def.o', '--export=foo', '--reproduce=', '-o', 'out.wasm'], cwd: dir })).toThrow(
      expect.objectContaining({ diagnostics: [{ severity: 'error', message: '--reproduce: cannot open ' }] }),
    );
  });
  it('memory layout errors', async () => {
    for (const flags of [
      ['--initial-memory=1000'],
      ['--initial-memory=65536', '-z', 'stack-size=131072'],
      ['--max-memory=65536', '--no-growable-memory'],
      ['-z', 'stack-size=100'],
      ['--global-base=100'],
      ['--initial-heap=1000'],
      ['--max-memory=1000'],
      ['--initial-memory=8589934592'],
      ['--page-size=7'],
      // -z values are read with C's radix prefixes, every digit checked (09 is no octal number).
      ['-z', 'stack-size=09'],
      ['-z', 'stack-size=0x'],
    ])
      expect((await same([...NE, 'def.o', ...flags])).code).toBe(1);
    for (const size of ['0o200000', '0200000', '0x20000', '0b100000000000000000', '131072'])
      expect((await same([...NE, 'def.o', '--export=foo', '-z', `stack-size=${size}`])).code).toBe(0);
  });
  it('command-line and file errors', async () => {
    expect((await same(['--bogus-flag', 'def.o'])).code).toBe(1);
    expect((await same(['def.o', '-lnothere'])).code).toBe(1);
    expect((await same([...NE, 'missing.o'])).code).toBe(1);
    expect((await same([...NE, 'garbage.o'])).code).toBe(1);
    expect((await same([...NE, 'def.o', '-z', 'unknown-z'])).code).toBe(0);
  });
  it('-Bsymbolic and --experimental-pic in a static link: a warning, and the same module', async () => {
    expect((await same([...NE, 'def.o', '--export=foo', '-Bsymbolic'])).messages).toEqual(['warning: -Bsymbolic is only meaningful when combined with -shared']);
    expect((await same([...NE, 'def.o', '--export=foo', '-Bsymbolic', '--fatal-warnings'])).code).toBe(1);
    expect((await same([...NE, 'def.o', '--export=foo', '--experimental-pic'])).code).toBe(0);
    expect((await same([...NE, 'def.o', '-Bsymbolic', '--import-table', '--export-table'])).code).toBe(1);
  });
  it('function tables: reference-types objects, MVP objects, table flags', async () => {
    for (const flags of [[], ['--import-table'], ['--export-table'], ['--growable-table', '--table-base=7'], ['--export-table', '--import-table']])
      await same([...NE, 'fptr.o', ...flags]);
    for (const flags of [[], ['--import-table'], ['--export-table']]) await same([...NE, 'mvp.o', ...flags]);
  });
  it('feature options', async () => {
    expect((await same([...NE, 'def.o', '--export=foo', '--extra-features=simd128,atomics'])).code).toBe(0);
    expect((await same([...NE, 'def.o', '--export=foo', '--features=bulk-memory,bulk-memory-opt,call-indirect-overlong,multivalue,mutable-globals,nontrapping-fptoint,reference-types,sign-ext'])).code).toBe(0);
    expect((await same([...NE, 'def.o', '--export=foo', '--no-check-features', '--features=sign-ext'])).code).toBe(0);
    // Empty values are dropped, as llvm::opt does: no feature with an empty name.
    for (const empty of ['--extra-features=', '--extra-features=simd128,', '--extra-features=,simd128,,atomics', '--no-check-features --features='])
      expect((await same([...NE, 'def.o', '--export=foo', ...empty.split(' ')])).code).toBe(0);
    // Used features outside --features: one error each, in the hash order of wasm-ld's StringMap.
    for (const allowed of ['mutable-globals', 'sign-ext,multivalue', 'simd128'])
      expect((await same([...NE, 'def.o', 'usefn.o', '--export=foo', '--allow-undefined', `--features=${allowed}`])).code).toBe(1);
  });
  it('memory import and export variants', async () => {
    for (const flags of [['--import-memory'], ['--import-memory=mod,mem', '--export-memory=m2'], ['--import-memory', '--max-memory=131072'], ['--no-growable-memory'], ['--initial-heap=131072'],
      // One name imports env.<name>; the first comma splits; an empty export name is a name.
      ['--import-memory=mem'], ['--import-memory=mod,'], ['--import-memory=a,b,c'], ['--import-memory='], ['--export-memory='], ['--import-memory', '--export-memory=']])
      expect((await same([...NE, 'def.o', '--export=twice', '--export=dat', ...flags])).code).toBe(0);
  });
  it('--trace, --trace-symbol, --print-gc-sections and --print-map print what wasm-ld prints', async () => {
    const args = [...NE, 'def.o', 'sig2.o', 'ctor.o', '--export=twice', '--export=use2', '--export=keep', '--trace', '--trace-symbol=foo', '-y', 'dat', '--print-gc-sections', '--print-map', '-o', 'out.wasm'];
    const r = await wasmLd(args, { cwd: dir });
    const w = runLink({ argv: args, cwd: dir, requireOutput: true });
    expect(r.code).toBe(0);
    expect(w.stdout.join('\n') + '\n').toBe(r.stdout);
  });
  it('--print-map still prints when the writer reports an error (the map comes before lld stops)', async () => {
    const args = [...NE, 'mvp.o', '--export=__stack_pointer', '--print-map', '-o', 'out.wasm'];
    const r = await wasmLd(args, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/__stack_pointer/);
    const lines: string[] = [];
    expect(() => runLink({ argv: args, cwd: dir, requireOutput: true, onStdout: (l) => lines.push(l) })).toThrow(/mutable global exported but 'mutable-globals' feature not present/);
    expect(lines.join('\n') + '\n').toBe(r.stdout);
  });
  it('constructors keep working with --no-gc-sections and --print-gc-sections', async () => {
    expect((await same([...NE, 'ctor.o', '--export=keep', '--no-gc-sections'])).code).toBe(0);
    expect((await same([...NE, 'ctor.o', 'def.o', '--export=keep', '--print-gc-sections'])).code).toBe(0);
  });
});
