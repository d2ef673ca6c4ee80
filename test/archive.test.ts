// Archive flavours: GNU and BSD member-name tables, long member names, thin archives, and no
// symbol index at all. weld reads members' own symbol tables, so every flavour links the same,
// byte for byte as wasm-ld.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLink } from '../lib/link.js';
import { compileToFiles, runTool, sectionDiff, treeGet, wasmLd, type Tree } from './support/toolchain.js';

let dir: string;
const MEMBERS = ['first_member_with_a_long_name.o', 'b.o', 'c.o'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-ar-'));
  const objs = await compileToFiles(
    {
      'main.c': 'int from_b(void);\nint weak_c(void) __attribute__((weak));\n__attribute__((export_name("run"))) int run(void) { return from_b() + (weak_c ? 100 : 0); }\n',
      'first_member_with_a_long_name.c': 'int from_a(void) { return 40; }\n',
      'b.c': 'int from_a(void);\nint from_b(void) { return from_a() + 2; }\n',
      'c.c': 'int weak_c(void) { return 1; }\n',
    },
    ['-O2'],
  );
  const tree: Tree = {};
  for (const p of objs) {
    const name = p.split('/').pop()!;
    writeFileSync(join(dir, name), readFileSync(p));
    tree[name] = new Uint8Array(readFileSync(p));
  }
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

  it('--whole-archive loads every member (and the weak reference binds)', async () => {
    const args = ['--no-entry', 'main.o', '--whole-archive', 'libbsd.a', '--no-whole-archive', '-o', 'out.wasm'];
    const ref = await wasmLd(args, { cwd: dir });
    const w = runLink({ argv: args, cwd: dir });
    expect(sectionDiff(w.bytes, ref.bytes!)).toEqual([]);
    const { instance } = await WebAssembly.instantiate(w.bytes);
    expect((instance.exports.run as () => number)()).toBe(142);
  });
});
