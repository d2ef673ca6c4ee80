// The kernels behind the native boundary besides the plan executor, each with a TypeScript
// reference:
//   mergeStrings: string-section merging (LLVM StringTableBuilder, RAW, tail-merged);
//   decodeRelocs: the fast path of relocation-section decoding; it must never accept what the
//     reference rejects nor decode differently, and must take every canonical well-formed section.
// The reference is checked against a naive model of its definition; the native twin against the
// reference on thousands of random inputs (identical results or identical errors). Whole links
// check the same on every merge (WELD_PARITY=1, vitest.config.ts), and the corpus links compare
// the outcome with wasm-ld's bytes. Deterministic: WELD_PARITY_SEED / WELD_PARITY_ITERATIONS as
// in parity.test.ts (the ASan run sets more iterations).

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mergeStringsTs, type MergedStrings } from '../lib/backend/merge.js';
import { decodeRelocsReference, decodeRelocsTs } from '../lib/input/object.js';
import * as W from '../lib/input/wasm.js';
import { Rng } from './support/rng.js';
import { loadNative } from '../lib/backend/native.js';

const native = loadNative();
const expectNative = process.env.WELD_EXPECT_NATIVE === '1';
const SEED = Number(process.env.WELD_PARITY_SEED ?? 0x5eed) >>> 0;
const ITERATIONS = Number(process.env.WELD_PARITY_ITERATIONS ?? 3000);

const enc = (s: string) => new TextEncoder().encode(s);

/** One buffer holding `chunks` back to back (with junk between), and their ranges. */
function layout(chunks: Uint8Array[], junk = 0): { buffers: Uint8Array[]; ranges: Uint32Array } {
  let size = 0;
  for (const c of chunks) size += c.length + junk;
  const buf = new Uint8Array(size).fill(0x41);
  const ranges = new Uint32Array(chunks.length * 3);
  let at = 0;
  chunks.forEach((c, i) => {
    at += junk;
    buf.set(c, at);
    ranges.set([0, at, c.length], i * 3);
    at += c.length;
  });
  return { buffers: [buf], ranges };
}

/**
 * The definition, naively: unique strings sorted by reversed bytes (larger first, a string before
 * its suffixes), each placed at the aligned end of the table unless it is a suffix of the string
 * placed last and its offset is aligned.
 */
function model(chunks: string[][], alignLog2: number): { body: string; offsets: number[][] } {
  const uniq = [...new Set(chunks.flat())];
  const rev = (s: string) => [...s].reverse().join('');
  uniq.sort((a, b) => (rev(a) < rev(b) ? 1 : rev(a) > rev(b) ? -1 : 0));
  const align = 2 ** alignLog2;
  const off = new Map<string, number>();
  let body = '';
  let prev = '';
  for (const s of uniq) {
    if (prev && prev.endsWith(s) && (body.length - s.length) % align === 0) {
      off.set(s, body.length - s.length);
      continue;
    }
    while (body.length % align) body += '\0';
    off.set(s, body.length);
    body += s;
    prev = s;
  }
  return { body, offsets: chunks.map((c) => c.map((s) => off.get(s)!)) };
}

function randomStrings(r: Rng): string[][] {
  const alphabet = r.chance(0.5) ? 'ab' : 'abcxyz\n%';
  const pool: string[] = [];
  for (let i = 0, n = 1 + r.int(12); i < n; i++) {
    let s = '';
    for (let k = 0, len = r.int(8); k < len; k++) s += alphabet[r.int(alphabet.length)];
    pool.push(s + '\0');
  }
  // Suffixes of pool strings, so tail merging has work.
  for (let i = 0, n = r.int(6); i < n; i++) {
    const s = pool[r.int(pool.length)]!;
    pool.push(s.slice(r.int(s.length)));
  }
  const chunks: string[][] = [];
  for (let c = 0, n = r.int(6); c < n; c++) {
    const pieces: string[] = [];
    for (let i = 0, m = r.int(5); i < m; i++) pieces.push(pool[r.int(pool.length)]!);
    chunks.push(pieces);
  }
  return chunks;
}

function merged(r: MergedStrings | number): MergedStrings {
  if (typeof r === 'number') throw new Error(`mergeStrings returned ${r}`);
  return r;
}

describe('mergeStrings: the TypeScript reference', () => {
  it('deduplicates, tail-merges and aligns as LLVM StringTableBuilder (RAW)', () => {
    const { buffers, ranges } = layout([enc('hello\0world\0'), enc('lo\0world\0xyz\0'), enc('')], 3);
    const r = merged(mergeStringsTs(buffers, ranges, 0));
    // Sorted by reversed bytes, larger first: xyz (\0zyx), hello (\0olleh), world (\0dlrow);
    // lo is hello's suffix.
    expect(new TextDecoder().decode(r.body)).toBe('xyz\0hello\0world\0');
    expect([...r.counts]).toEqual([2, 3, 0]);
    expect([...r.starts]).toEqual([0, 6, 0, 3, 9]);
    expect([...r.offsets]).toEqual([4, 10, 7, 10, 0]);
    // Aligned to 4: "lo" at 7 is not aligned, so it gets its own slot.
    const a = merged(mergeStringsTs(buffers, ranges, 2));
    expect(new TextDecoder().decode(a.body)).toBe('xyz\0hello\0\0\0lo\0\0world\0');
    expect([...a.offsets]).toEqual([4, 16, 12, 16, 0]);
  });

  it('matches a naive model of the definition on random string sets', () => {
    const r = new Rng(SEED ^ 0x11);
    for (let it = 0; it < ITERATIONS; it++) {
      const chunks = randomStrings(r);
      const alignLog2 = r.int(4);
      const { buffers, ranges } = layout(chunks.map((c) => enc(c.join(''))), r.int(3));
      const got = merged(mergeStringsTs(buffers, ranges, alignLog2));
      const want = model(chunks, alignLog2);
      expect(new TextDecoder().decode(got.body)).toBe(want.body);
      let p = 0;
      chunks.forEach((c, ci) => {
        expect(got.counts[ci]).toBe(c.length);
        expect([...got.offsets.subarray(p, p + c.length)]).toEqual(want.offsets[ci]);
        p += c.length;
      });
    }
  });

  it('sorts input built to nest its partitions deeply without running out of stack', () => {
    // Per level j, 254 strings c + 0xff*j with c = 1..254 in ascending order: a first-element
    // pivot leaves all but one string in the "greater" partition, 254 times per level, 60 levels
    // deep (a recursive sort exceeded the JS stack here).
    const parts: number[] = [];
    for (let j = 0; j < 60; j++)
      for (let c = 1; c < 255; c++) {
        parts.push(c);
        for (let k = 0; k < j; k++) parts.push(0xff);
        parts.push(0);
      }
    const buf = new Uint8Array(parts);
    const r = merged(mergeStringsTs([buf], new Uint32Array([0, 0, buf.length]), 0));
    expect(r.counts[0]).toBe(60 * 254);
    // Nothing is a suffix of anything else here: every string keeps its bytes.
    expect(r.body.length).toBe(buf.length);
    if (native.ok) expect(native.mergeStrings([buf], new Uint32Array([0, 0, buf.length]), 0)).toEqual(r);
  });

  it('reports the first chunk whose last string is unterminated, and ranges outside their buffer', () => {
    const { buffers, ranges } = layout([enc('ok\0'), enc('ok\0bad'), enc('worse')]);
    expect(mergeStringsTs(buffers, ranges, 0)).toBe(1);
    // A table beyond 2 GiB (here: two strings aligned to 2^31) is -1, before anything is allocated.
    expect(mergeStringsTs([enc('a\0b\0')], new Uint32Array([0, 0, 4]), 31)).toBe(-1);
    // The NUL after a chunk's end does not terminate its string.
    expect(mergeStringsTs([enc('ab\0')], new Uint32Array([0, 0, 2]), 0)).toBe(0);
    expect(() => mergeStringsTs([enc('ab\0')], new Uint32Array([0, 1, 3]), 0)).toThrow(new RangeError('mergeStrings: range 0 is outside its buffer'));
    expect(() => mergeStringsTs([enc('ab\0')], new Uint32Array([1, 0, 1]), 0)).toThrow(new RangeError('mergeStrings: range 0 is outside its buffer'));
  });
});

describe('mergeStrings: native and TypeScript parity', () => {
  it.runIf(expectNative)('the native backend loads (WELD_EXPECT_NATIVE=1)', () => {
    expect(native.ok ? '' : native.reason).toBe('');
  });

  /** Both give the same table, or the same unterminated chunk, or the same error. */
  function same(buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number): void {
    if (!native.ok) throw new Error('native backend not loaded');
    const run = (f: () => MergedStrings | number) => {
      try {
        return f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    };
    const ts = run(() => mergeStringsTs(buffers, ranges, alignLog2));
    const nat = run(() => native.mergeStrings(buffers, ranges, alignLog2));
    if (typeof ts !== 'object' || typeof nat !== 'object') {
      expect(nat).toEqual(ts);
      return;
    }
    expect(nat.body).toEqual(ts.body);
    expect(nat.starts).toEqual(ts.starts);
    expect(nat.offsets).toEqual(ts.offsets);
    expect(nat.counts).toEqual(ts.counts);
  }

  it.skipIf(!native.ok)('random chunks over several buffers give identical tables', () => {
    const r = new Rng(SEED ^ 0x22);
    for (let it = 0; it < ITERATIONS; it++) {
      const nbuf = 1 + r.int(3);
      const buffers: Uint8Array[] = [];
      for (let b = 0; b < nbuf; b++) {
        const buf = new Uint8Array(r.int(200));
        // Short strings over a small alphabet: many duplicates and shared suffixes.
        for (let i = 0; i < buf.length; i++) buf[i] = r.chance(0.2) ? 0 : 0x61 + r.int(r.chance(0.5) ? 2 : 20);
        buffers.push(buf);
      }
      const n = r.int(12);
      const ranges = new Uint32Array(n * 3);
      for (let c = 0; c < n; c++) {
        const bi = r.int(nbuf);
        const len = buffers[bi].length;
        // Mostly ranges that end just after a NUL; some unterminated ones, some outside the buffer.
        const start = r.int(len + 1);
        let end = start;
        if (r.chance(0.9)) {
          const nul = buffers[bi].indexOf(0, start + r.int(20));
          end = nul < 0 ? len : nul + 1;
        } else end = Math.min(len, start + r.int(10));
        if (r.chance(0.01)) end = len + 1 + r.int(3);
        ranges.set([r.chance(0.005) ? nbuf : bi, start, end - start], c * 3);
      }
      same(buffers, ranges, r.chance(0.1) ? 31 : r.int(5));
    }
  });

  it.skipIf(!native.ok)('edge cases: nothing to merge, empty chunks, one long string, many identical strings', () => {
    same([], new Uint32Array(0), 0);
    same([new Uint8Array(0)], new Uint32Array([0, 0, 0, 0, 0, 0]), 0);
    const long = new Uint8Array(100_000).fill(0x62);
    long[long.length - 1] = 0;
    same([long], new Uint32Array([0, 0, long.length, 0, 50_000, 50_000]), 0);
    const many = enc('same\0'.repeat(20_000));
    same([many], new Uint32Array([0, 0, many.length]), 1);
    // Sorted input: the sort must not recurse once per string.
    const sorted = enc(Array.from({ length: 20_000 }, (_, i) => `${String(i).padStart(6, '0')}\0`).join(''));
    same([sorted], new Uint32Array([0, 0, sorted.length]), 0);
  });

  it.skipIf(!native.ok)('malformed arguments are refused with a message, never a crash', () => {
    if (!native.ok) return;
    const addon = createRequire(import.meta.url)(native.path) as { mergeStrings: (...a: unknown[]) => unknown };
    const m = addon.mergeStrings;
    expect(() => m()).toThrow(/mergeStrings\(buffers/);
    expect(() => m([1], new Uint32Array(3), 0)).toThrow('mergeStrings: buffer 0 is not a Uint8Array');
    expect(() => m([new Uint8Array(1)], new Uint32Array(2), 0)).toThrow(/ranges is not a Uint32Array/);
    expect(() => m([new Uint8Array(1)], new Int32Array(3), 0)).toThrow(/ranges is not a Uint32Array/);
    expect(() => m([new Uint8Array(1)], new Uint32Array(3), 1.5)).toThrow(/alignLog2/);
    // alignLog2 beyond 31 goes to the reference (native.mergeStrings is the loader's wrapper).
    expect(native.mergeStrings([enc('a\0')], new Uint32Array([0, 0, 2]), 40)).toEqual(mergeStringsTs([enc('a\0')], new Uint32Array([0, 0, 2]), 40));
  });
});

// ---- decodeRelocs ------------------------------------------------------------------------------

function uleb(out: number[], v: number, pad = 0): void {
  for (;;) {
    const b = v % 128;
    v = Math.floor(v / 128);
    if (v === 0 && pad <= 0) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
    pad--;
  }
}

function sleb(out: number[], v: bigint, pad = 0): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    if (done && pad <= 0) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
    if (done) pad--;
  }
}

interface RelocCase {
  bytes: Uint8Array;
  count: number;
  secSize: number;
  ntypes: number;
  symKind: Uint8Array;
  keep: boolean;
  k: number;
  /** Canonically encoded, nothing deliberately broken: if the reference accepts it, so must the fast path. */
  clean: boolean;
}

function randomRelocs(r: Rng): RelocCase {
  const nsyms = r.int(8);
  const symKind = new Uint8Array(nsyms).map(() => r.int(6));
  const ntypes = r.int(4);
  const count = r.int(10);
  const bytes: number[] = [];
  let clean = true;
  let offset = r.int(20);
  const secSize = 200 + r.int(60);
  const bad = r.chance(0.3); // most sections are clean
  for (let i = 0; i < count; i++) {
    let type = r.int(27);
    if (bad && r.chance(0.05)) type = 27 + r.int(300);
    const kind = type <= 26 ? W.relocSymbolKind(type) : -1;
    let index: number;
    if (kind < 0) index = r.int(ntypes + (bad ? 2 : 0));
    else {
      const fits = [...symKind.keys()].filter((j) => symKind[j] === kind || (kind === W.SYMTAB_GLOBAL && (symKind[j] === W.SYMTAB_DATA || symKind[j] === W.SYMTAB_FUNCTION)));
      index = fits.length && !(bad && r.chance(0.2)) ? fits[r.int(fits.length)]! : r.int(nsyms + 2);
    }
    if (bad && r.chance(0.05)) offset = Math.max(0, offset - 1 - r.int(5));
    else offset += r.int(12);
    if (bad && r.chance(0.03)) offset = secSize - r.int(12);
    const pad = bad && r.chance(0.1) ? 1 + r.int(6) : 0;
    uleb(bytes, type, pad && r.chance(0.3) ? pad : 0);
    uleb(bytes, offset, pad && r.chance(0.3) ? pad : 0);
    uleb(bytes, index, pad && r.chance(0.3) ? pad : 0);
    if (type <= 26 && W.relocHasAddend(type)) {
      const is64 = W.relocIs64(type);
      const edges = [0n, 1n, -1n, 63n, 64n, -64n, -65n, 0x7fffffffn, -0x80000000n, 0x80000000n, -0x80000001n, 2n ** 48n, -(2n ** 55n), 2n ** 55n - 1n, 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 62n];
      let v = r.chance(0.5) ? edges[r.int(edges.length)]! : BigInt(r.int(1 << 20) - (1 << 19));
      if (!bad) v = is64 ? BigInt.asIntN(54, v) : BigInt.asIntN(32, v);
      sleb(bytes, v, pad && r.chance(0.5) ? pad : 0);
    }
  }
  if (bad && r.chance(0.1)) bytes.push(r.int(256)); // bytes left over
  if (bad && r.chance(0.1)) bytes.length = r.int(bytes.length + 1); // truncated
  clean = !bad;
  // The entries sit inside a larger buffer, like a section inside a file.
  const lead = r.int(5);
  const buf = new Uint8Array(lead + bytes.length + r.int(5)).fill(0x80);
  buf.set(bytes, lead);
  return { bytes: buf.subarray(lead, lead + bytes.length), count, secSize, ntypes, symKind, keep: r.chance(0.8), k: r.int(4), clean };
}

/** The section as the reader sees it: a Buffer over the whole file, start and end; then the rest. */
function sectionArgs(c: RelocCase) {
  const file = Buffer.from(c.bytes.buffer, c.bytes.byteOffset - 2 < 0 ? c.bytes.byteOffset : c.bytes.byteOffset - 2);
  const start = c.bytes.byteOffset - file.byteOffset;
  return [file, start, start + c.bytes.length, c.count, c.secSize, c.ntypes, c.symKind, c.keep] as const;
}

describe('decodeRelocs: native fast path and the TypeScript reference', () => {
  function outputs(c: RelocCase) {
    const n = c.k + c.count;
    return {
      type: new Uint8Array(n).fill(0xee),
      offset: new Uint32Array(n).fill(0xeeee),
      index: new Uint32Array(n).fill(0xeeee),
      addend: new Float64Array(n).fill(-7),
      called: new Uint8Array(c.symKind.length),
    };
  }

  it.skipIf(!native.ok)('never accepts what the reference rejects, decodes identically, and takes every canonical section', () => {
    if (!native.ok) return;
    const r = new Rng(SEED ^ 0x33);
    let fast = 0;
    let cleanCount = 0;
    for (let it = 0; it < ITERATIONS * 3; it++) {
      const c = randomRelocs(r);
      const args = sectionArgs(c);
      const a = outputs(c);
      const b = outputs(c);
      const got = native.decodeRelocs(...args, a.type, a.offset, a.index, a.addend, c.k, a.called);
      let want: number | string;
      try {
        want = decodeRelocsReference(...args, b.type, b.offset, b.index, b.addend, c.k, b.called);
      } catch (e) {
        want = (e as Error).message;
      }
      if (c.clean && typeof want === 'number') {
        cleanCount++;
        expect(got, 'the fast path declined a canonical section the reference accepts').toBe(want);
      }
      if (got < 0) continue;
      fast++;
      expect(got).toBe(want);
      expect(a).toEqual(b);
    }
    expect(cleanCount).toBeGreaterThan(ITERATIONS / 2);
    expect(fast).toBeGreaterThanOrEqual(cleanCount);
  });

  it('the TypeScript decoder (inline common entries) decodes and rejects exactly as the reference', () => {
    const r = new Rng(SEED ^ 0x5a);
    let accepted = 0;
    let rejected = 0;
    for (let it = 0; it < ITERATIONS * 3; it++) {
      const c = randomRelocs(r);
      const args = sectionArgs(c);
      const run = (d: typeof decodeRelocsReference) => {
        const out = outputs(c);
        try {
          return { next: d(...args, out.type, out.offset, out.index, out.addend, c.k, out.called), out };
        } catch (e) {
          return { error: (e as Error).message, offset: (e as { offset?: number }).offset };
        }
      };
      const want = run(decodeRelocsReference);
      const got = run(decodeRelocsTs);
      expect(got).toEqual(want);
      if ('error' in want) rejected++;
      else accepted++;
    }
    expect(accepted).toBeGreaterThan(ITERATIONS / 2);
    expect(rejected).toBeGreaterThan(ITERATIONS / 10);
  });

  it('the TypeScript decoder: every LEB length of offset, index and addend, near the end of the section', () => {
    // Entries with offsets, indexes and addends of 1 to 5 bytes (padded too), the last ones
    // within a few bytes of the end, where the inline path hands over to the reader.
    for (const type of [W.R_FUNCTION_INDEX_LEB, W.R_MEMORY_ADDR_SLEB, W.R_MEMORY_ADDR_I32, W.R_MEMORY_ADDR_SLEB64, W.R_TYPE_INDEX_LEB]) {
      for (const value of [0, 1, 63, 64, 127, 128, 8191, 8192, 16383, 16384, (1 << 21) - 1, 1 << 21, (1 << 28) - 1, 1 << 28, 2 ** 32 - 1]) {
        for (const pad of [0, 1, 3]) {
          const bytes: number[] = [];
          const kind = W.relocSymbolKind(type);
          const count = 4;
          for (let i = 0; i < count; i++) {
            uleb(bytes, type);
            uleb(bytes, value + i, pad);
            uleb(bytes, 0, i === 2 ? pad : 0);
            if (W.relocHasAddend(type)) sleb(bytes, BigInt(i % 2 ? -value : value), pad);
          }
          const buf = new Uint8Array(bytes);
          const symKind = new Uint8Array([kind < 0 ? 0 : kind]);
          const args = [buf, 0, buf.length, count, 2 ** 32, 1, symKind, true] as const;
          const run = (d: typeof decodeRelocsReference) => {
            const out = outputs({ k: 0, count, symKind } as RelocCase);
            try {
              return { next: d(...args, out.type, out.offset, out.index, out.addend, 0, out.called), out };
            } catch (e) {
              return { error: (e as Error).message };
            }
          };
          expect(run(decodeRelocsTs), `type ${type} value ${value} pad ${pad}`).toEqual(run(decodeRelocsReference));
        }
      }
    }
  });

  it.skipIf(!native.ok)('every relocation type: the same tables (width, addend, symbol kind) as lib/input/wasm.ts', () => {
    if (!native.ok) return;
    for (let type = 0; type <= 30; type++) {
      for (let kind = 0; kind < 6; kind++) {
        for (const offset of [0, 1, 90, 91, 92, 95, 96]) {
          const bytes: number[] = [];
          uleb(bytes, type);
          uleb(bytes, offset);
          uleb(bytes, 0);
          if (type <= 26 && W.relocHasAddend(type)) sleb(bytes, -5n);
          const buf = new Uint8Array(bytes);
          const args = [buf, 0, buf.length, 1, 100, 1, new Uint8Array([kind]), true] as const;
          const c = { k: 0, count: 1, symKind: new Uint8Array(1) } as RelocCase;
          const a = outputs(c);
          const b = outputs(c);
          const got = native.decodeRelocs(...args, a.type, a.offset, a.index, a.addend, 0, a.called);
          let want: number | string;
          try {
            want = decodeRelocsReference(...args, b.type, b.offset, b.index, b.addend, 0, b.called);
          } catch (e) {
            want = (e as Error).message;
          }
          expect(got, `type ${type} against kind ${kind} at ${offset}: ${String(want)}`).toBe(typeof want === 'number' ? want : -1);
          if (got >= 0) expect(a).toEqual(b);
        }
      }
    }
  });

  it('padded negative 64-bit addends decode exactly (the sum passes 2^53 before the sign applies)', () => {
    // R_WASM_MEMORY_ADDR_SLEB64 at 12 against data symbol 0, addend -278375 in 8 bytes.
    const bytes = new Uint8Array([0x0f, 0x0c, 0x00, 0x99, 0x81, 0xef, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    const args = [bytes, 0, bytes.length, 1, 100, 0, new Uint8Array([W.SYMTAB_DATA]), true] as const;
    const run = (d: typeof decodeRelocsReference) => {
      const addend = new Float64Array(1);
      expect(d(...args, new Uint8Array(1), new Uint32Array(1), new Uint32Array(1), addend, 0, new Uint8Array(1))).toBe(1);
      return addend[0];
    };
    expect(run(decodeRelocsReference)).toBe(-278375);
    if (native.ok) expect(run(native.decodeRelocs)).toBe(-278375);
  });

  it.skipIf(!native.ok)('malformed arguments are refused with a message, never a crash', () => {
    if (!native.ok) return;
    const d = native.decodeRelocs as unknown as (...a: unknown[]) => number;
    const ok = () => [new Uint8Array(4), 0, 4, 0, 10, 0, new Uint8Array(2), true, new Uint8Array(0), new Uint32Array(0), new Uint32Array(0), new Float64Array(0), 0, new Uint8Array(2)];
    expect(d(...ok())).toBe(-1); // 4 bytes left over
    const bad = (i: number, v: unknown) => {
      const a = ok();
      a[i] = v;
      return () => d(...a);
    };
    expect(() => d()).toThrow('decodeRelocs: 14 arguments expected');
    expect(bad(0, [1, 2])).toThrow('decodeRelocs: bytes is not a Uint8Array');
    expect(bad(2, 5)).toThrow('decodeRelocs: start..end is outside bytes');
    expect(bad(1, 5)).toThrow('decodeRelocs: start..end is outside bytes');
    expect(bad(1, -1)).toThrow('decodeRelocs: start is not a non-negative integer');
    expect(bad(3, 1.5)).toThrow('decodeRelocs: count is not a non-negative integer');
    expect(bad(9, new Int32Array(1))).toThrow('decodeRelocs: offset is not a Uint32Array');
    expect(bad(13, new Uint8Array(1))).toThrow('decodeRelocs: calledDirectly is shorter than symKind');
    // Outputs too short for the entries: the reference decides (the loader always sizes them).
    const one = [0, 0, 0];
    expect(d(new Uint8Array(one), 0, 3, 1, 10, 0, new Uint8Array(1), true, new Uint8Array(0), new Uint32Array(0), new Uint32Array(0), new Float64Array(0), 0, new Uint8Array(1))).toBe(-1);
  });
});
