// Archive flavours: GNU and BSD member-name tables, long member names, thin archives, and no
// symbol index at all. weld reads members' own symbol tables, so every flavour links the same,
// byte for byte as wasm-ld.

import { mkdtempSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLink } from '../lib/link.js';
import { LinkError, Linker } from '../lib/index.js';
import { expectSameLink, linkBoth } from './support/expect.js';
import { compileToFiles, runTool, sectionDiff, treeGet, wasmLd, type Tree } from './support/toolchain.js';

let dir: string;
const MEMBERS = ['first_member_with_a_long_name.o', 'b.o', 'c.o'];

/** Copies compiled objects into `into`, and returns them as a tree for the `ar` tool. */
function placeObjects(objs: string[], into: string): Tree {
  const tree: Tree = {};
  for (const p of objs) {
    const name = p.split('/').pop()!;
    writeFileSync(join(into, name), readFileSync(p));
    tree[name] = new Uint8Array(readFileSync(p));
  }
  return tree;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-ar-'));
  const objs = await compileToFiles(
    {
      'main.c': 'int from_b(void);\nint weak_c(void) __attribute__((weak));\n__attribute__((export_name("run"))) int run(void) { return from_b() + (weak_c ? 100 : 0); }\n',
      'first_member_with_a_long_name.c': 'int from_a(void) { return 40; }\n',
      'b.c': 'int from_a(void);\nint from_b(void) { return from_a() + 2; }\n',
      'c.c': 'int weak_c(void) { return 1; }\n',
      'b2.c': 'int from_a(void);\nint from_b(void) { return from_a() + 5; }\n',
    },
    ['-O2'],
  );
  const tree = placeObjects(objs, dir);
  for (const [name, flags] of [
    ['libgnu.a', ['rcs']],
    ['libnoindex.a', ['rcS']],
    ['libbsd.a', ['--format=bsd', 'rcs']],
    ['libthin.a', ['rcsT']],
  ] as const) {
    const r = await runTool('ar', [...flags, name, ...MEMBERS], tree);
    if (r.code !== 0) throw new Error(r.stderr);
    writeFileSync(join(dir, name), treeGet(r.files, name)!);
  }
}, 180_000);

describe('archives', () => {
  for (const lib of ['libgnu.a', 'libnoindex.a', 'libbsd.a'])
    it(`${lib}: lazy members, long names, weak references that do not extract`, async () => {
      const args = ['--no-entry', 'main.o', lib, '-o', 'out.wasm'];
      const ref = await wasmLd(args, { cwd: dir });
      expect(ref.stderr).toBe('');
      const w = runLink({ argv: args, cwd: dir });
      expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
      const { instance } = await WebAssembly.instantiate(w.bytes);
      // from_b (b.o) pulls from_a (the long-named member); weak_c (c.o) stays out.
      expect((instance.exports.run as () => number)()).toBe(42);
    });

  it('a thin archive reads its members from their files and links like the full archive', async () => {
    const ref = await wasmLd(['--no-entry', 'main.o', 'libgnu.a', '-o', 'out.wasm'], { cwd: dir });
    // (The YoWASP wasm-ld sees only the files named on its command line, so it cannot read a
    // thin archive's members; weld's output is compared with wasm-ld's for the full archive.)
    const w = runLink({ argv: ['--no-entry', 'main.o', 'libthin.a', '-o', 'out.wasm'], cwd: dir });
    expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
  });

  it('a Linker re-reads a thin archive member that changed while the archive did not', async () => {
    const L = new Linker({ threads: 0 });
    const args = ['--no-entry', 'main.o', 'libthin.a', '-o', 'thin-out.wasm'];
    const run = async (bytes: Uint8Array) => ((await WebAssembly.instantiate(bytes)).instance.exports.run as () => number)();
    const original = readFileSync(join(dir, 'b.o'));
    try {
      expect(await run(L.linkSync(args, { cwd: dir }).bytes)).toBe(42);
      writeFileSync(join(dir, 'b.o'), readFileSync(join(dir, 'b2.o')));
      const later = new Date(Date.now() + 5000);
      utimesSync(join(dir, 'b.o'), later, later);
      expect(await run(L.linkSync(args, { cwd: dir }).bytes)).toBe(45);
      expect(L.linkSync(args, { cwd: dir }).bytes).toEqual(runLink({ argv: args, cwd: dir }).bytes);
    } finally {
      writeFileSync(join(dir, 'b.o'), original);
      await L.close();
    }
    // A member that is gone is named in the error.
    const M = new Linker({ threads: 0 });
    M.linkSync(args, { cwd: dir });
    renameSync(join(dir, 'c.o'), join(dir, 'c.o.away'));
    try {
      expect(() => M.linkSync(args, { cwd: dir })).toThrow(/libthin\.a: could not get the buffer for a child of the archive: c\.o: No such file or directory/);
    } finally {
      renameSync(join(dir, 'c.o.away'), join(dir, 'c.o'));
      await M.close();
    }
  });

  it('--whole-archive loads every member (and the weak reference binds)', async () => {
    const args = ['--no-entry', 'main.o', '--whole-archive', 'libbsd.a', '--no-whole-archive', '-o', 'out.wasm'];
    const ref = await wasmLd(args, { cwd: dir });
    const w = runLink({ argv: args, cwd: dir });
    expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
    const { instance } = await WebAssembly.instantiate(w.bytes);
    expect((instance.exports.run as () => number)()).toBe(142);
  });
});

// An archive's members are offered to the symbol table as one block (only names that already
// have a symbol are looked at then), yet symbol order must be wasm-ld's: each lazy name sits
// where its offer was, and the symbols an extraction makes sit between that offer and the next.
// Exports (--export-all) and imports (--allow-undefined) are written in symbol order.
describe('symbol order across an archive', () => {
  let odir: string;
  beforeAll(async () => {
    odir = mkdtempSync(join(tmpdir(), 'weld-ar-order-'));
    const objs = await compileToFiles(
      {
        'main.c':
          'int m2_func(int);\nint weak_m5(void) __attribute__((weak));\n' +
          'int main_func(int x) { return m2_func(x) + (weak_m5 ? weak_m5() : 0); }\n',
        // Offered before m2, extracted while m2 is parsed (a lazy symbol from earlier in the block).
        'm1.c': 'int undef_m1(int);\nint m1_unused(void) { return 1; }\nint m1_func(int x) { return undef_m1(x) + 1; }\n',
        // Extracted by main's reference when its offer comes; refers to an earlier and a later member.
        'm2.c': 'int undef_m2a(int);\nint m3_func(int);\nint m1_func(int);\nint undef_m2b(int);\n' +
          'int m2_func(int x) { return undef_m2a(x) + m3_func(x) + m1_func(x) + undef_m2b(x); }\n',
        // Named by m2 before its offer: extracted when the block reaches it.
        'm3.c': 'int undef_m3(int);\nint m3_func(int x) { return undef_m3(x) * 2; }\nint m3_extra(void) { return 3; }\n',
        // Never referenced: stays lazy; m5 is only weakly referenced: stays lazy, then demoted.
        'm4.c': 'int m4_func(void) { return 4; }\nint m1_func(int);\n',
        'm5.c': 'int weak_m5(void) { return 5; }\n',
        // Offered after the extractions above made their symbols, pulled only by -u: its symbol
        // comes after theirs.
        'm6.c': 'int m6_func(void) { return 6; }\n',
        // Not in the archive: a weak function nobody defines (an undefined_weak stub).
        'wk.c': 'int nowhere(void) __attribute__((weak));\nint wk(void) { return nowhere ? nowhere() : 0; }\n',
      },
      ['-O2'],
    );
    const tree = placeObjects(objs, odir);
    const r = await runTool('ar', ['rcs', 'liborder.a', 'm1.o', 'm4.o', 'm2.o', 'm3.o', 'm5.o', 'm6.o'], tree);
    if (r.code !== 0) throw new Error(r.stderr);
    writeFileSync(join(odir, 'liborder.a'), treeGet(r.files, 'liborder.a')!);
  }, 180_000);

  for (const extra of [[], ['--no-gc-sections'], ['-u', 'm4_func', '--trace-symbol=m1_func', '--why-extract=-']])
    it(`exports and imports in wasm-ld's order ${extra.join(' ')}`, async () => {
      const args = ['--no-entry', '--export-all', '--allow-undefined', '-u', 'm6_func', ...extra, 'main.o', 'liborder.a', '-o', 'out.wasm'];
      const ref = await wasmLd(args, { cwd: odir });
      const w = runLink({ argv: args, cwd: odir });
      expect(w.stdout.length ? w.stdout.join('\n') + '\n' : '').toBe(ref.stdout);
      expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
      const mod = new WebAssembly.Module(w.bytes);
      const imports = WebAssembly.Module.imports(mod).map((i) => i.name);
      expect(imports).toEqual(expect.arrayContaining(['undef_m1', 'undef_m2a', 'undef_m2b', 'undef_m3']));
      const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
      expect(exports).toEqual(expect.arrayContaining(['main_func', 'm1_func', 'm2_func', 'm3_func', 'm6_func']));
      expect(exports).not.toContain('weak_m5');
    });

  // weak_m5 is referenced weakly (main.o), then offered lazily: the lazy symbol keeps the weak
  // reference's signature, and --wrap's __wrap_weak_m5 is imported (or reported) with it.
  for (const extra of [['--allow-undefined'], []])
    it(`--wrap of a weakly referenced lazy name ${extra.join(' ')}`, async () => {
      const { lld, weld } = await linkBoth(['--no-entry', '--export-all', ...extra, '--wrap', 'weak_m5', 'main.o', 'liborder.a', '-o', 'out.wasm'], odir);
      expectSameLink(weld, lld);
    });

  // lld walks --export/--export-if-defined names in its StringSet's hash order, not in command
  // line order: that order decides which members are extracted first, so the function order.
  it('a member name that is not ASCII reads as its UTF-8, as wasm-ld prints it (map, --why-extract, errors)', async () => {
    // A short name (in the member header itself, not the long-name table); "é" is two bytes.
    const tree = { 'é.o': new Uint8Array(readFileSync(join(dir, 'c.o'))) };
    const r = await runTool('ar', ['rcs', 'libutf.a', 'é.o'], tree);
    if (r.code !== 0) throw new Error(r.stderr);
    const ar = treeGet(r.files, 'libutf.a')!;
    expect(Buffer.from(ar).includes(Buffer.from('é.o/', 'utf8'))).toBe(true);
    writeFileSync(join(dir, 'libutf.a'), ar);
    const args = ['--no-entry', '--export=weak_c', 'libutf.a', '-o', 'utf.wasm', '--Map=utf.map', '--why-extract=-'];
    const ref = await wasmLd(args, { cwd: dir });
    expect(ref.code).toBe(0);
    const refMap = new TextDecoder().decode(treeGet(ref.files, 'utf.map'));
    const w = runLink({ argv: args, cwd: dir });
    expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
    expect(w.stdout.join('\n') + '\n').toBe(ref.stdout);
    expect(ref.stdout).toContain('libutf.a(é.o)');
    expect(refMap).toContain('libutf.a(é.o):(weak_c)');
    expect(readFileSync(join(dir, 'utf.map'), 'utf8')).toBe(refMap);
    // A damaged member is named the same way.
    const bad = Buffer.from(ar);
    bad[bad.indexOf(Buffer.from('\0asm')) + 4] = 2; // wasm version 2
    writeFileSync(join(dir, 'libutf.a'), bad);
    expect(() => runLink({ argv: ['--no-entry', '--export=weak_c', 'libutf.a', '-o', 'utf.wasm'], cwd: dir })).toThrow(/libutf\.a\(é\.o\)/);
  });

  it('several --export names extract members in wasm-ld\'s order', async () => {
    const args = ['--no-entry', '--export-if-defined=m1_unused', '--export-if-defined=weak_m5', '--export=m6_func', '--export=m4_func', 'liborder.a', '-o', 'out.wasm'];
    const { lld, weld } = await linkBoth(args, odir);
    expectSameLink(weld, lld);
    expect(lld.code).toBe(0);
  });

  // lld writes --why-extract right after resolution's extractions, before the weak undefined
  // stubs exist: a -y line about the stub comes after the table.
  it('--why-extract=- comes where wasm-ld prints it among -y lines', async () => {
    const args = ['--no-entry', '--export=wk', '--why-extract=-', '-y', 'nowhere', '-u', 'm4_func', 'wk.o', 'liborder.a', '-o', 'out.wasm'];
    const ref = await wasmLd(args, { cwd: odir });
    const w = runLink({ argv: args, cwd: odir });
    expect(ref.code).toBe(0);
    expect(ref.stdout).toContain('undefined_weak:nowhere');
    expect(w.stdout.join('\n') + '\n').toBe(ref.stdout);
    expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
  });

  it('--verbose offers the members one by one, with a line each, and links the same bytes', () => {
    const args = ['--no-entry', '--export-all', '--allow-undefined', '-u', 'm6_func', 'main.o', 'liborder.a', '-o', 'out.wasm'];
    const logs: string[] = [];
    const v = runLink({ argv: [...args, '--verbose'], cwd: odir, onLog: (l) => logs.push(l) });
    const plain = runLink({ argv: args, cwd: odir });
    expect(Buffer.compare(v.bytes, plain.bytes)).toBe(0);
    const members = logs.filter((l) => l.startsWith('Processing: liborder.a('));
    // Each member's turn, in archive order; extracted members appear again when parsed.
    expect(members.slice(0, 2)).toEqual(['Processing: liborder.a(m1.o)', 'Processing: liborder.a(m4.o)']);
    for (const m of ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']) expect(members).toContain(`Processing: liborder.a(${m}.o)`);
    expect(members.filter((l) => l === 'Processing: liborder.a(m2.o)')).toHaveLength(2);
  });

  it('a malformed member of a lazy archive is named, after the members before it had their turn, in every link', () => {
    const good = readFileSync(join(odir, 'm1.o'));
    const bad = new Uint8Array(readFileSync(join(odir, 'm6.o')));
    // Damage the symbol table: the linking section's first subsection gets an impossible size.
    const at = Buffer.from(bad).indexOf(Buffer.from('linking'));
    bad[at + 'linking'.length + 1] = 0x08;
    bad[at + 'linking'.length + 2] = 0xff;
    bad[at + 'linking'.length + 3] = 0x7f;
    const hdr = (name: string, size: number) =>
      new TextEncoder().encode(`${name}/`.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '644'.padEnd(8) + String(size).padEnd(10) + '`\n');
    const parts: Uint8Array[] = [new TextEncoder().encode('!<arch>\n')];
    for (const [name, data] of [['m1.o', good], ['bad.o', bad]] as const) {
      parts.push(hdr(name, data.length), data);
      if (data.length & 1) parts.push(new Uint8Array([0x0a]));
    }
    writeFileSync(join(odir, 'libbadlazy.a'), Buffer.concat(parts));
    const linker = new Linker({ threads: 0 });
    for (let i = 0; i < 2; i++) {
      let err: LinkError | undefined;
      try {
        linker.linkSync(['--no-entry', '-u', 'm1_func', 'libbadlazy.a'], { cwd: odir });
      } catch (x) {
        err = x as LinkError;
      }
      expect(err).toBeInstanceOf(LinkError);
      expect(err!.message).toContain('libbadlazy.a(bad.o)');
      expect(err!.diagnostics[0].member).toBe('bad.o');
    }
  });
});
