// --compress-relocations, differential against wasm-ld 22 (YoWASP): the same module and map, its
// error without --strip-debug/--strip-all, and 32-bit SLEB sites whose values pass 2^31 (lld
// compresses the 64-bit value, not the truncated one it writes uncompressed). The compressed
// module runs.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, type LinkOutcome } from './support/toolchain.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;

const SOURCES: Record<string, string> = {
  'prog.c': [
    'static int table[64];',
    'static const char *names[] = {"zero", "one", "two", "three"};',
    'int step(int i) { return table[i & 63] += i; }',
    'static int (*fns[])(int) = {step};',
    '__attribute__((export_name("run"))) int run(int n) {',
    '  int s = 0;',
    '  for (int i = 0; i < n; i++) s += fns[0](i) + names[i & 3][0];',
    '  return s;',
    '}',
    '',
  ].join('\n'),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-compress-'));
  const [o] = await compileToFiles(SOURCES, ['-O2'], { sources: ['prog.c'] });
  writeFileSync(join(dir, 'prog.o'), readFileSync(o));
}, 180_000);

async function both(args: string[]): Promise<{ lld: LinkOutcome; weld: LinkOutcome }> {
  return linkBoth(['--no-entry', 'prog.o', ...args, '-o', 'out.wasm'], dir);
}

describe('--compress-relocations matches wasm-ld 22', () => {
  it('the same module, smaller than the uncompressed one, and it runs', async () => {
    const { lld, weld } = await both(['--compress-relocations', '--strip-debug']);
    expectSameLink(weld, lld);
    const plain = (await both(['--strip-debug'])).weld;
    expect(weld.bytes!.length).toBeLessThan(plain.bytes!.length);
    const run = (bytes: Uint8Array) => (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.run as (n: number) => number)(100);
    expect(run(weld.bytes!)).toBe(run(plain.bytes!));
  });

  it('with --strip-all, and with --build-id (the id is computed over the compressed module)', async () => {
    for (const extra of [['--strip-all'], ['--strip-debug', '--build-id=sha1']]) {
      const { lld, weld } = await both(['--compress-relocations', ...extra]);
      expect(lld.code).toBe(0);
      expectSameLink(weld, lld);
    }
  });

  it('--Map gives the compressed functions\' offsets and sizes (as checked against the native wasm-ld 22)', async () => {
    const { weld } = await both(['--compress-relocations', '--strip-debug', '--Map=out.map']);
    const m = weld.bytes!;
    // The code section, and each function's size prefix in it.
    let at = 8;
    const uleb = () => {
      let v = 0;
      let shift = 0;
      let b: number;
      do {
        b = m[at++]!;
        v += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return v;
    };
    const starts: [number, number][] = [];
    for (;;) {
      const secStart = at;
      const id = m[at++]!;
      const size = uleb();
      const content = at;
      if (id !== 10) {
        at = content + size;
        continue;
      }
      const n = uleb();
      for (let i = 0; i < n; i++) {
        const fnStart = at;
        const body = uleb();
        at += body;
        // lld's map: the section's offset plus the function's offset in the section contents.
        starts.push([secStart + (fnStart - content), at - fnStart]);
      }
      break;
    }
    const map = readFileSync(join(dir, 'out.map'), 'utf8');
    const listed = [...map.matchAll(/^\s+-\s+([0-9a-f]+)\s+([0-9a-f]+)\s+prog\.o:\(/gm)].map((x) => [parseInt(x[1]!, 16), parseInt(x[2]!, 16)]);
    expect(listed.length).toBeGreaterThan(0);
    for (const f of listed) expect(starts).toContainEqual(f);
  });

  it('addresses past 2^31 in 32-bit SLEB sites', async () => {
    const { lld, weld } = await both(['--compress-relocations', '--strip-debug', '--global-base=2147483648', '--initial-memory=2147549184']);
    expect(lld.code).toBe(0);
    expectSameLink(weld, lld);
  });

  it('refused with debug information, with wasm-ld\'s message', async () => {
    const { lld, weld } = await both(['--compress-relocations']);
    expect(lld.code).toBe(1);
    expectSameLink(weld, lld);
  });
});
