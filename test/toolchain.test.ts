// Tests of the test harness itself (test/support/): the yowasp toolchain wrappers, the WASI
// runner and the module differ. These do not involve weld.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPT_CONFIGS,
  buildProgram,
  customImportPrograms,
  expectedStderr,
  expectedStdout,
  loadProgram,
  loadPrograms,
  plainPrograms,
} from './support/programs.js';
import {
  compile,
  compileToFiles,
  linkCommand,
  parseSections,
  runWasi,
  sectionDiff,
  sysroot,
  wasmLd,
  wasmValidate,
} from './support/toolchain.js';

const SLOW = 600_000;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weld-toolchain-test-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

const HELLO = `#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  const char *who = getenv("WHO");
  char line[64] = "";
  if (!fgets(line, sizeof line, stdin)) line[0] = 0;
  printf("hello %s, %d args, first=%s, stdin=%s", who ? who : "nobody", argc - 1, argc > 1 ? argv[1] : "-", line);
  fprintf(stderr, "bye\\n");
  return argc + 40;
}
`;

describe('sysroot', () => {
  it('extracts the wasm32-wasip1 sysroot from the yowasp resources', async () => {
    const root = await sysroot();
    for (const f of [
      'lib/wasm32-wasip1/crt1-command.o',
      'lib/wasm32-wasip1/libc.a',
      'lib/wasm32-wasip1/libc++.a',
      'lib/wasm32-wasip1/libc++abi.a',
      'lib/wasm32-unknown-wasip1/libclang_rt.builtins.a',
    ]) {
      expect(fs.statSync(path.join(root, f)).size, f).toBeGreaterThan(0);
    }
    expect(fs.readFileSync(path.join(root, 'lib/wasm32-wasip1/libc.a')).subarray(0, 8).toString()).toBe('!<arch>\n');
    expect(await sysroot()).toBe(root);
  }, SLOW);
});

describe('compile', () => {
  it('compiles C to wasm objects and caches them', async () => {
    const files = { 'hello.c': HELLO };
    const objs = await compile(files, ['-O2']);
    expect(Object.keys(objs)).toEqual(['hello.o']);
    expect(Array.from(objs['hello.o']!.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]);
    const t = performance.now();
    const again = await compile(files, ['-O2']);
    expect(performance.now() - t).toBeLessThan(1000); // served from the cache
    expect(again['hello.o']).toEqual(objs['hello.o']);
    const paths = await compileToFiles(files, ['-O2']);
    expect(paths).toHaveLength(1);
    expect(new Uint8Array(fs.readFileSync(paths[0]!))).toEqual(objs['hello.o']);
  }, SLOW);

  it('reports compile errors', async () => {
    await expect(compile({ 'bad.c': 'int main(void) { return undeclared; }\n' }, ['-O0'])).rejects.toThrow(/undeclared/);
  }, SLOW);
});

describe('linkCommand', () => {
  it('returns the wasm-ld argv clang would run, with sysroot paths on disk', async () => {
    const root = await sysroot();
    const objs = await compileToFiles({ 'hello.c': HELLO }, ['-O2']);
    const argv = await linkCommand('clang', objs, ['-O2', '-o', path.join(outDir, 'hello.wasm')]);
    expect(argv.slice(0, 2)).toEqual(['-m', 'wasm32']);
    expect(argv).toContain(`-L${root}/lib/wasm32-wasip1`);
    expect(argv).toContain(`${root}/lib/wasm32-wasip1/crt1-command.o`);
    expect(argv).toContain(objs[0]);
    expect(argv).toContain('-lc');
    expect(argv).toContain(`${root}/lib/wasm32-unknown-wasip1/libclang_rt.builtins.a`);
    expect(argv.slice(-2)).toEqual(['-o', path.join(outDir, 'hello.wasm')]);
    expect(argv.some((a) => a.includes('/usr/'))).toBe(false);
    const cxx = await linkCommand('clang++', objs, ['-Wl,--export=main', '-o', 'x.wasm']);
    expect(cxx).toContain('-lc++');
    expect(cxx).toContain('-lc++abi');
    expect(cxx).toContain('--export=main');
  }, SLOW);
});

describe('wasmLd + runWasi', () => {
  let hello: Uint8Array;

  beforeAll(async () => {
    const objs = await compileToFiles({ 'hello.c': HELLO }, ['-O2']);
    const argv = await linkCommand('clang', objs, ['-O2', '-o', path.join(outDir, 'hello.wasm')]);
    const r = await wasmLd(argv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    hello = r.bytes!;
  }, SLOW);

  it('links a C program that runs with args, env, stdin and exit code', async () => {
    expect(wasmValidate(hello)).toBe(true);
    const r = await runWasi(hello, ['one', 'two'], { env: { WHO: 'weld' }, stdin: 'piped\n' });
    expect(r).toEqual({ stdout: 'hello weld, 2 args, first=one, stdin=piped\n', stderr: 'bye\n', code: 43 });
    const bare = await runWasi(hello);
    expect(bare.stdout).toBe('hello nobody, 0 args, first=-, stdin=');
    expect(bare.code).toBe(41);
  }, SLOW);

  it('writes the -o basename into the name section', async () => {
    const objs = await compileToFiles({ 'hello.c': HELLO }, ['-O2']);
    const argv = await linkCommand('clang', objs, ['-O2', '-o', path.join(outDir, 'other-name.wasm')]);
    const r = await wasmLd(argv);
    expect(r.code).toBe(0);
    const diff = sectionDiff(hello, r.bytes!);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.join('\n')).toMatch(/custom "name"/);
    expect(diff.join('\n')).toMatch(/module name "hello.wasm" vs "other-name.wasm"/);
  }, SLOW);

  it('captures link errors', async () => {
    const objs = await compileToFiles(
      { 'undef.c': 'int missing_function(int);\nint main(void) { return missing_function(1); }\n' },
      ['-O2'],
    );
    const argv = await linkCommand('clang', objs, ['-o', path.join(outDir, 'undef.wasm')]);
    const r = await wasmLd(argv);
    expect(r.code).toBe(1);
    expect(r.bytes).toBeUndefined();
    expect(r.stderr).toMatch(/undefined symbol: missing_function/);
  }, SLOW);

  it('maps relative paths through cwd', async () => {
    const objs = await compileToFiles({ 'hello.c': HELLO }, ['-O2']);
    const dir = path.join(outDir, 'rel');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(objs[0]!, path.join(dir, 'hello.o'));
    const argv = await linkCommand('clang', ['hello.o'], ['-o', 'hello.wasm']);
    const r = await wasmLd(argv, { cwd: dir });
    expect(r.stderr).toBe('');
    expect(sectionDiff(r.bytes!, hello)).toEqual([]);
  }, SLOW);

  it('reports traps and enforces the timeout', async () => {
    const objs = await compileToFiles(
      {
        'trap.c': `#include <stdio.h>
#include <stdlib.h>
volatile int spin = 1;
int main(int argc, char **argv) {
  printf("before\\n");
  fflush(stdout);
  if (argc > 1) while (spin) {}
  __builtin_trap();
}
`,
      },
      ['-O2'],
    );
    const r = await wasmLd(await linkCommand('clang', objs, ['-o', path.join(outDir, 'trap.wasm')]));
    const trapped = await runWasi(r.bytes!);
    expect(trapped.code).toBe(-1);
    expect(trapped.stdout).toBe('before\n');
    expect(trapped.trap).toMatch(/unreachable/);
    const t = performance.now();
    await expect(runWasi(r.bytes!, ['spin'], { timeoutMs: 1500 })).rejects.toThrow(/did not finish within 1500 ms/);
    expect(performance.now() - t).toBeLessThan(10_000);
  }, SLOW);
});

describe('sectionDiff', () => {
  let mod: Uint8Array;
  beforeAll(async () => {
    const objs = await compileToFiles({ 'hello.c': HELLO }, ['-O2']);
    mod = (await wasmLd(await linkCommand('clang', objs, ['-O2', '-o', path.join(outDir, 'hello.wasm')]))).bytes!;
  }, SLOW);

  it('is empty for identical modules', () => {
    expect(sectionDiff(mod, mod)).toEqual([]);
    expect(sectionDiff(mod, new Uint8Array(mod))).toEqual([]);
  });

  it('locates a change inside a function body', () => {
    const code = parseSections(mod).find((s) => s.label === 'code')!;
    const copy = new Uint8Array(mod);
    const at = code.end - 2; // inside the last function body
    copy[at] = copy[at]! ^ 0xff;
    const diff = sectionDiff(mod, copy);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff[0]).toMatch(/^section code: payload size \d+ vs \d+, first difference at payload offset/);
    expect(diff.join('\n')).toMatch(/1 of \d+ function bodies differ/);
    expect(diff.join('\n')).toContain(`file offset 0x${at.toString(16)} vs 0x${at.toString(16)}`);
  });

  it('reports changed custom sections and section lists', () => {
    const secs = parseSections(mod);
    const name = secs.find((s) => s.label === 'custom "name"')!;
    const copy = new Uint8Array(mod);
    // Rename a function: "_start" → "_Start".
    const at = name.start + Buffer.from(name.bytes).indexOf('_start') + 1;
    copy[at] = copy[at]! ^ 0x20;
    expect(sectionDiff(mod, copy).join('\n')).toMatch(
      /section custom "name".*\n {2}function names differ: count (\d+) vs \1; first differing entry #\d+: \d+="_start" vs \d+="_Start"/,
    );
    // Drop the last section (target_features).
    const last = secs[secs.length - 1]!;
    const truncated = mod.subarray(0, last.start);
    const diff = sectionDiff(mod, truncated).join('\n');
    expect(diff).toMatch(/section lists differ/);
    expect(diff).toMatch(/only in first module/);
    expect(sectionDiff(mod, new Uint8Array([1, 2, 3]))).toEqual(['second module is malformed: not a wasm module (bad magic)']);
  });
});

describe('program corpus', () => {
  it('has at least 32 well-formed programs', () => {
    const all = loadPrograms();
    expect(all.length).toBeGreaterThanOrEqual(32);
    expect(customImportPrograms().map((p) => p.name)).toContain('import_module');
    expect(plainPrograms().length + customImportPrograms().length).toBe(all.length);
    expect(all.some((p) => p.language === 'c++')).toBe(true);
    expect(() => loadPrograms('no_such_program')).toThrow(/unknown program/);
    expect(loadPrograms('/^cpp_/').every((p) => p.name.startsWith('cpp_'))).toBe(true);
  });

  // Two representative programs end to end (the differential suite runs all of them).
  for (const name of ['stdio_printf', 'cpp_virtual', 'static_archive', 'import_module']) {
    it(`${name} builds, links with wasm-ld and runs as its manifest says`, async () => {
      const p = loadProgram(name);
      const b = await buildProgram(p, OPT_CONFIGS[0]!, outDir);
      const r = await wasmLd(b.argv);
      expect(r.stderr).toBe('');
      const run = await runWasi(r.bytes!, p.args ?? [], { stdin: p.stdin, env: p.env, imports: p.imports });
      expect(run.trap).toBeUndefined();
      expect(run.stdout).toBe(expectedStdout(p));
      const err = expectedStderr(p);
      if (err !== undefined) expect(run.stderr).toBe(err);
      expect(run.code).toBe(p.exitCode);
    }, SLOW);
  }
});
