// -r (relocatable output) and --emit-relocs, differential against wasm-ld 22 (YoWASP): the
// linking section (symbol table, segment info, init functions, comdats), reloc.* sections at
// output offsets against output symbol indices, section symbols for custom sections (DWARF),
// archives, and wasm-ld's option errors. A relocatable output is then linked into a program and
// run: it behaves as the program linked from the original objects.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, makeArchive, parseSections, runWasi, sysroot, type LinkOutcome } from './support/toolchain.js';
import { expectSameLink, linkBoth } from './support/expect.js';
import { runLink } from '../lib/link.js';

let dir: string;
let libDir: string;

const SOURCES: Record<string, string> = {
  'main.c': `#include <stdio.h>
extern int api(int);
extern const char *greeting;
int main(void) { printf("%s %d\\n", greeting, api(4)); return 0; }
`,
  'lib.c': `static int sdata = 7;
int gdata = 5;
int *pd = &gdata;
const char *greeting = "hello";
static int helper(int x) { return x + sdata; }
int (*fp)(int) = helper;
__attribute__((weak)) int wk(void) { return 1; }
__attribute__((constructor)) void ctor(void) { gdata += 10; }
int api(int x) { return helper(x) + *pd + fp(x) + wk(); }
`,
  'tmpl.cc': `template <typename T> struct Box { T v; explicit Box(T x) : v(x) {} virtual T get() const { return v; } virtual ~Box() {} };
inline int shared_inline(int x) { return x * 3; }
extern "C" int use_a(int x) { Box<int> b{x}; return b.get() + shared_inline(x); }
`,
  'weak_a.c': '__attribute__((weak)) int f(void) { return 1; }\n',
  'weak_b.c': 'int f(void) { return 2; }\n',
  'weakref.c': 'extern int nowhere(void) __attribute__((weak));\nint weak_addr(void) { return nowhere ? 1 : 2; }\n',
  'tmpl2.cc': `template <typename T> struct Box { T v; explicit Box(T x) : v(x) {} virtual T get() const { return v; } virtual ~Box() {} };
inline int shared_inline(int x) { return x * 3; }
extern "C" int use_b(int x) { Box<int> b{x + 1}; return b.get() + shared_inline(x); }
`,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-reloc-'));
  const put = async (names: string[], args: string[], suffix = '') => {
    const paths = await compileToFiles(SOURCES, args, { sources: names });
    names.forEach((n, i) => writeFileSync(join(dir, n.replace(/\.(c|cc)$/, `${suffix}.o`)), readFileSync(paths[i])));
    return paths;
  };
  await put(['main.c', 'lib.c'], ['-O2']);
  await put(['main.c', 'lib.c'], ['-O0', '-g'], 'g');
  await put(['weak_a.c', 'weak_b.c', 'weakref.c'], ['-O1']);
  const cxx = await put(['tmpl.cc', 'tmpl2.cc'], ['-O1', '-fno-exceptions']);
  writeFileSync(join(dir, 'libtmpl.a'), readFileSync(await makeArchive('libtmpl.a', cxx)));
  libDir = join(await sysroot(), 'lib', 'wasm32-wasip1');
}, 180_000);

async function same(args: string[]): Promise<LinkOutcome> {
  const { lld, weld } = await linkBoth([...args, '-o', 'out.o'], dir);
  expectSameLink(weld, lld);
  return weld;
}

describe('-r matches wasm-ld 22', () => {
  const ok: [string, string[]][] = [
    ['C objects: symbols, segments, init functions, code and data relocations', ['-r', 'main.o', 'lib.o']],
    ['one object', ['-r', 'lib.o']],
    ['debug info: custom section relocations against section symbols', ['-r', 'maing.o', 'libg.o']],
    ['debug info, -O0 (strings not merged) and --strip-debug', ['-r', 'maing.o', 'libg.o', '-O0']],
    ['--strip-debug', ['-r', 'maing.o', 'libg.o', '--strip-debug']],
    ['C++: comdat functions and data stay separate', ['-r', 'tmpl.o', 'tmpl2.o']],
    ['archive members, whole archive', ['-r', '--whole-archive', 'libtmpl.a']],
    ['an archive member pulled by a reference', ['-r', 'main.o', 'lib.o', 'libtmpl.a', '--no-merge-data-segments']],
  ];
  for (const [what, args] of ok) {
    it(what, async () => {
      const weld = await same(args);
      expect(weld.code).toBe(0);
      expect(parseSections(weld.bytes!).map((s) => s.label)).toContain('custom "linking"');
    });
  }

  it('against libc.a: the members a program needs come along', async () => {
    const weld = await same(['-r', 'main.o', 'lib.o', `-L${libDir}`, '-lc']);
    expect(weld.code).toBe(0);
  });

  it("libc.a's members in archive order: a later reference's NO_STRIP does not change the first's flags", async () => {
    // __indirect_function_table is undefined in several members, with and without NO_STRIP.
    const weld = await same(['-r', '--whole-archive', join(libDir, 'libc.a')]);
    expect(weld.code).toBe(0);
  }, 120_000);

  it("errors: options -r cannot take (wasm-ld's messages)", async () => {
    const msgs = async (extra: string[]) => (await same(['-r', 'lib.o', ...extra])).messages;
    expect(await msgs(['--gc-sections'])).toContain('error: -r and --gc-sections may not be used together');
    expect(await msgs(['--entry=main'])).toContain('error: entry point specified for relocatable output file');
    expect(await msgs(['-u', 'api'])).toContain('error: -r -and --undefined may not be used together');
    expect(await msgs(['--shared-memory'])).toContain('error: -r and --shared-memory may not be used together');
    expect(await msgs(['--global-base=8'])).toContain('error: -r and --global-base may not by used together');
    expect(await msgs(['--export-table'])).toContain('error: --relocatable is incompatible with --export-table');
    expect(await msgs(['--growable-table'])).toContain('error: --relocatable is incompatible with --growable-table');
  });
});

describe('--emit-relocs matches wasm-ld 22', () => {
  it('a WASI program keeps its relocations', async () => {
    const args = [join(libDir, 'crt1-command.o'), 'main.o', 'lib.o', `-L${libDir}`, '-lc', '--emit-relocs'];
    const weld = await same(args);
    expect(weld.code).toBe(0);
    const labels = parseSections(weld.bytes!).map((s) => s.label);
    expect(labels).toEqual(expect.arrayContaining(['custom "linking"', 'custom "reloc.CODE"', 'custom "reloc.DATA"']));
    expect((await runWasi(weld.bytes!)).stdout).toBe('hello 38\n');
  });

  it('a weak undefined function whose address is taken: counted in reloc.CODE, not written, as lld does', async () => {
    const weld = await same(['weakref.o', '--emit-relocs', '--no-entry', '--export=weak_addr']);
    expect(weld.code).toBe(0);
    const relocs = new Uint8Array(WebAssembly.Module.customSections(new WebAssembly.Module(weld.bytes!), 'reloc.CODE')[0]);
    // Section index, then a count of 1 and no entry after it (wasm-ld 22's header).
    expect(relocs.length).toBe(2);
    expect(relocs[1]).toBe(1);
  });

  it('with debug info and with --no-gc-sections', async () => {
    expect((await same(['maing.o', 'libg.o', '--emit-relocs', '--no-entry', '--export=api'])).code).toBe(0);
    expect((await same(['main.o', 'lib.o', '--emit-relocs', '--no-entry', '--export=api', '--no-gc-sections', '--allow-undefined'])).code).toBe(0);
  });
});

describe('a relocatable output links and runs like its objects', () => {
  it('main.o + lib.o -> -r -> program: the same output as linking the objects', async () => {
    runLink({ argv: ['-r', 'main.o', 'lib.o', '-o', 'both.o'], cwd: dir, requireOutput: true });
    const link = (objs: string[]) =>
      runLink({ argv: [join(libDir, 'crt1-command.o'), ...objs, `-L${libDir}`, '-lc', '-o', 'prog.wasm'], cwd: dir, requireOutput: true }).bytes;
    const direct = await runWasi(link(['main.o', 'lib.o']));
    const viaR = await runWasi(link(['both.o']));
    // helper(4) = 11, + gdata (5 + 10 by the constructor) + fp(4) = 11 + wk() = 1: the constructor runs, the weak
    // definition, the function pointer and the relocated data all survive -r.
    expect(direct.stdout).toBe('hello 38\n');
    expect(viaR.stdout).toBe(direct.stdout);
    expect(viaR.code).toBe(0);
  });

  it('a function with only a name-section name (a -r output keeps a losing weak body): counted, not written, as lld', async () => {
    // wasm-ld's -r output holds both bodies of f; the weak one keeps only its name-section name.
    // lld's function-name count (numNamedFunctions) includes it, though it writes no entry.
    const { lld } = await linkBoth(['-r', 'weak_a.o', 'weak_b.o', '-o', 'ab.o'], dir);
    expect(lld.code).toBe(0);
    writeFileSync(join(dir, 'ab.o'), lld.bytes!);
    const weld = await same(['-r', 'ab.o']);
    expect(weld.code).toBe(0);
    await same(['ab.o', '--no-entry', '--export=f']);
  });

  it('C++ comdats from two -r outputs still deduplicate', async () => {
    runLink({ argv: ['-r', 'tmpl.o', '-o', 'ra.o'], cwd: dir, requireOutput: true });
    runLink({ argv: ['-r', 'tmpl2.o', '-o', 'rb.o'], cwd: dir, requireOutput: true });
    const weld = await same(['ra.o', 'rb.o', '--no-entry', '--export=use_a', '--export=use_b', '--allow-undefined']);
    expect(weld.code).toBe(0);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(weld.bytes!), {
      env: new Proxy({}, { get: () => () => 0 }),
    }).exports as Record<string, (x: number) => number>;
    expect(inst.use_a(2)).toBe(2 + 6);
    expect(inst.use_b(2)).toBe(3 + 6);
  });
});
