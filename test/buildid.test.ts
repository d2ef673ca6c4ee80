// --build-id, differential against wasm-ld 22 (YoWASP): every style gives the same module (uuid
// aside, which is random by definition), the tree hashes cross a 1 MiB boundary, and bad styles
// give wasm-ld's messages.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, parseSections, type LinkOutcome } from './support/toolchain.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;

const SOURCES: Record<string, string> = {
  'small.c': 'int twice(int x) { return x * 2; }\n',
  // 1.5 MB of initialized data: the module spans two of the hashes' 1 MiB pieces.
  'big.c': 'const unsigned char big[1500000] = {1, 2, 3};\nconst unsigned char *get(int i) { return big + i; }\n',
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-buildid-'));
  const names = Object.keys(SOURCES);
  const paths = await compileToFiles(SOURCES, ['-O2'], { sources: names });
  names.forEach((n, i) => writeFileSync(join(dir, n.replace(/\.c$/, '.o')), readFileSync(paths[i])));
}, 180_000);

async function both(args: string[]): Promise<{ lld: LinkOutcome; weld: LinkOutcome }> {
  return linkBoth(['--no-entry', ...args, '-o', 'out.wasm'], dir);
}

/** The build_id section's payload: varuint32 length, then the id. */
function buildId(module: Uint8Array): Uint8Array | undefined {
  const s = parseSections(module).find((x) => x.label === 'custom "build_id"');
  if (!s) return undefined;
  // The payload (after the name); the id's length fits in one LEB byte here.
  const body = s.payload;
  expect(body[0]).toBe(body.length - 1);
  return body.subarray(1);
}

describe('--build-id matches wasm-ld 22', () => {
  for (const style of ['--build-id', '--build-id=fast', '--build-id=sha1', '--build-id=tree', '--build-id=0x0123abCD', '--build-id=0x123', '--build-id=0x', '--build-id=none']) {
    it(`${style}: the same module`, async () => {
      const { lld, weld } = await both(['small.o', '--export=twice', style]);
      expectSameLink(weld, lld);
      expect(lld.code).toBe(0);
    });
  }

  it('ids of their documented sizes, last in the module; none writes no section', async () => {
    const ids = async (style: string) => {
      const { weld } = await both(['small.o', '--export=twice', style]);
      const secs = parseSections(weld.bytes!);
      if (style !== '--build-id=none') expect(secs[secs.length - 1]!.label).toBe('custom "build_id"');
      return buildId(weld.bytes!);
    };
    expect((await ids('--build-id=fast'))!.length).toBe(16);
    expect((await ids('--build-id=sha1'))!.length).toBe(20);
    expect([...(await ids('--build-id=0x0123abCD'))!]).toEqual([0x01, 0x23, 0xab, 0xcd]);
    expect([...(await ids('--build-id=0x123'))!]).toEqual([0x12, 0x03]);
    expect(await ids('--build-id=none')).toBeUndefined();
  });

  it('a module over 1 MiB (two pieces of the tree hash), fast and sha1; --strip-all keeps the id', async () => {
    for (const style of ['--build-id=fast', '--build-id=sha1', '--build-id=fast --strip-all']) {
      const { lld, weld } = await both(['big.o', '--export=get', ...style.split(' ')]);
      expect(lld.bytes!.length).toBeGreaterThan(1024 * 1024);
      expectSameLink(weld, lld);
    }
  });

  it('uuid: a random version-4 id; the rest of the module is what wasm-ld writes with a 16-byte id', async () => {
    // YoWASP's wasm-ld has no entropy source under WASI ("entropy source failure"): compare with
    // its fast id, the same size, instead.
    const weld = (await both(['small.o', '--export=twice', '--build-id=uuid'])).weld;
    const lld = (await both(['small.o', '--export=twice', '--build-id=fast'])).lld;
    expect(weld.bytes!.length).toBe(lld.bytes!.length);
    const a = buildId(weld.bytes!)!;
    expect(a.length).toBe(16);
    expect(a[6]! >> 4).toBe(4);
    expect(a[8]! & 0xc0).toBe(0x80);
    expect(weld.bytes!.subarray(0, -16)).toEqual(lld.bytes!.subarray(0, -16));
    const again = buildId((await both(['small.o', '--export=twice', '--build-id=uuid'])).weld.bytes!)!;
    expect(again).not.toEqual(a);
  });

  it('unknown styles and bad hex digits: wasm-ld messages', async () => {
    for (const style of ['--build-id=bogus', '--build-id=0x12g4', '--build-id=0xz']) {
      const { lld, weld } = await both(['small.o', '--export=twice', style]);
      expect(lld.code).toBe(1);
      expectSameLink(weld, lld);
    }
  });
});
