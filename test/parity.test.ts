// Randomized parity of the two WritePlan executors: for thousands of random plans (random chunks,
// every relocation type 0..26, every mode, edge values for LEB/SLEB/I32/I64, tombstones, piece
// tables, empty and zero-length pieces) and as many mutated, mostly malformed plans, executeTs
// and the native executor must give identical bytes, or both throw the same error (class and
// message). Deterministic: the seed is fixed unless WELD_PARITY_SEED says otherwise.
//
// Environment:
//   WELD_PARITY_SEED=n        base seed (default 0x5eed)
//   WELD_PARITY_ITERATIONS=n  random plans per family (default 3000); the ASan run uses more
//   WELD_EXPECT_NATIVE=1      the native backend must load (CI); otherwise its absence skips

import { describe, expect, it } from 'vitest';
import { executeTs } from '../lib/backend/ts.js';
import { loadNative } from '../lib/backend/native.js';
import * as P from '../lib/plan/types.js';
import { Rng } from './support/rng.js';

const native = loadNative();
const expectNative = process.env.WELD_EXPECT_NATIVE === '1';
const SEED = Number(process.env.WELD_PARITY_SEED ?? 0x5eed) >>> 0;
const ITERATIONS = Number(process.env.WELD_PARITY_ITERATIONS ?? 3000);

const EDGE: readonly number[] = [
  0, -0, 1, -1, -2, 2, 63, 64, -64, -65, 127, 128, -128, 255, 256, 0x3fff, 0x4000, 0x1fffff, 0x200000, 0xfffffff,
  0x10000000, 0x7fffffff, 0x80000000, -0x80000000, -0x80000001, 0xffffffff, 2 ** 32, 2 ** 32 + 1, -(2 ** 32),
  -(2 ** 32) - 1, 2 ** 35, 2 ** 52, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), -(2 ** 53) + 1, 2 ** 62, 2 ** 63 - 1024,
  2 ** 63, -(2 ** 63), 2 ** 63 + 2048, -(2 ** 63) - 2048, 2 ** 64, -(2 ** 64), 2 ** 64 + 4096, 2 ** 70 + 2 ** 18,
  -(2 ** 70) - 2 ** 18, 1e21, -1e300, 1.7976931348623157e308, 0.5, -0.5, 1.5, -1.5, 4294967295.5, -4294967296.5,
  -1e-20, 5e-324, 1e-300,
];
const NON_FINITE: readonly number[] = [NaN, Infinity, -Infinity];

function value(r: Rng, nonFinite = 0.01): number {
  if (r.chance(nonFinite)) return r.pick(NON_FINITE);
  switch (r.int(5)) {
    case 0:
    case 1:
      return r.pick(EDGE);
    case 2:
      return r.int(2000) - 1000;
    case 3:
      return r.u32() * (r.chance(0.5) ? 1 : -1);
    default: {
      // a random 53-bit integer, either sign
      const v = (r.u32() % 2 ** 21) * 2 ** 32 + r.u32();
      return r.chance(0.5) ? v : -v;
    }
  }
}

function bytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.u32() & 0xff;
  return b;
}

// ---- random valid plans ---------------------------------------------------------------------

interface FileLists {
  type: number[];
  offset: number[];
  index: number[];
  addend: number[];
  nsym: number;
  mode: Uint8Array;
  value: Float64Array;
  typeMap: Int32Array;
  pieces: P.PlanPieces[];
}

function genFile(r: Rng): FileLists {
  const nsym = r.int(7);
  const npieces = r.int(4);
  const pieces: P.PlanPieces[] = [];
  for (let i = 0; i < npieces; i++) {
    const n = r.chance(0.1) ? 0 : 1 + r.int(5);
    const inputStart = new Uint32Array(n);
    const outputStart = new Float64Array(r.chance(0.05) ? Math.max(0, n - 1) : n);
    let at = r.chance(0.7) ? 0 : r.int(8);
    for (let j = 0; j < n; j++) {
      inputStart[j] = at;
      at += r.int(12);
    }
    for (let j = 0; j < outputStart.length; j++) outputStart[j] = r.chance(0.8) ? r.int(5000) : value(r);
    pieces.push({ inputStart, outputStart });
  }
  const mode = new Uint8Array(nsym * P.SLOTS);
  const val = new Float64Array(nsym * P.SLOTS);
  for (let k = 0; k < mode.length; k++) {
    const m = r.pick([P.MODE_VALUE, P.MODE_VALUE, P.MODE_VALUE, P.MODE_ZERO, P.MODE_DEAD, P.MODE_PIECES]);
    if (m === P.MODE_PIECES && npieces === 0) {
      mode[k] = P.MODE_VALUE;
      val[k] = value(r);
      continue;
    }
    mode[k] = m;
    val[k] = m === P.MODE_PIECES ? r.int(npieces) : value(r);
  }
  const typeMap = new Int32Array(r.int(6));
  for (let i = 0; i < typeMap.length; i++) typeMap[i] = r.chance(0.5) ? r.int(100) : value(r, 0) | 0;
  return { type: [], offset: [], index: [], addend: [], nsym, mode, value: val, typeMap, pieces };
}

function genPlan(r: Rng): P.WritePlan {
  const buffers: Uint8Array[] = [];
  const nbuf = 1 + r.int(4);
  for (let i = 0; i < nbuf; i++) buffers.push(bytes(r, r.chance(0.1) ? 0 : r.int(160)));
  const files: FileLists[] = [];
  const nfiles = r.int(4);
  for (let i = 0; i < nfiles; i++) files.push(genFile(r));

  const nchunks = r.chance(0.05) ? 0 : 1 + r.int(10);
  const rows: number[] = [];
  const tomb: number[] = [];
  const va: number[] = [];
  let cursor = r.int(8);
  let end = 0;
  for (let c = 0; c < nchunks; c++) {
    const bi = r.int(nbuf);
    const buf = buffers[bi]!;
    const len = r.chance(0.1) ? 0 : r.int(buf.length + 1);
    const src = r.int(buf.length - len + 1);
    let dst = cursor;
    if (r.chance(0.1)) dst = r.int(cursor + 1); // overlapping chunks: later ones win, in order
    cursor = Math.max(cursor, dst + len + (r.chance(0.3) ? r.int(8) : 0));
    end = Math.max(end, dst + len);
    const fi = nfiles > 0 && r.chance(0.8) ? r.int(nfiles) : P.NO_FILE;
    const inputOffset = r.chance(0.5) ? 0 : r.int(100000);
    let rs = 0;
    let re = 0;
    if (fi !== P.NO_FILE) {
      const f = files[fi]!;
      rs = f.type.length;
      const nrel = r.int(8);
      for (let i = 0; i < nrel; i++) {
        const type = r.int(P.RELOC_SLOT.length);
        const width = P.ENCODING_WIDTH[P.RELOC_ENCODING[type]!]!;
        if (width > len) continue;
        const slot = P.RELOC_SLOT[type]!;
        let index: number;
        if (slot === -1) {
          if (f.typeMap.length === 0) continue;
          index = r.int(f.typeMap.length);
        } else {
          if (f.nsym === 0) continue;
          index = r.int(f.nsym);
        }
        let addend = r.chance(0.3) ? 0 : value(r);
        const k = index * P.SLOTS + Math.max(slot, 0);
        if (slot >= 0 && f.mode[k] === P.MODE_PIECES && r.chance(0.9)) {
          // a plausible offset into the merged strings (and sometimes one before the first piece)
          const pin = f.pieces[f.value[k]!]!.inputStart;
          addend = pin.length ? pin[r.int(pin.length)]! + r.int(6) - (r.chance(0.05) ? 10 : 0) : r.int(4);
        }
        f.type.push(type);
        f.offset.push(inputOffset + r.int(len - width + 1));
        f.index.push(index);
        f.addend.push(addend);
      }
      re = f.type.length;
      if (r.chance(0.05)) rs = re = r.int(f.type.length + 1); // an empty range anywhere
    }
    rows.push(bi, src, len, dst, fi, rs, re, inputOffset);
    tomb.push(r.pick([0, 0, 0, -1, -2, value(r)]));
    va.push(r.chance(0.7) ? r.int(1 << 20) : value(r));
  }
  return {
    version: P.PLAN_VERSION,
    size: end + (r.chance(0.5) ? 0 : r.int(16)),
    buffers,
    chunks: Uint32Array.from(rows),
    chunkTombstone: Float64Array.from(tomb),
    chunkVA: Float64Array.from(va),
    files: files.map((f) => ({
      relocType: Uint8Array.from(f.type),
      relocOffset: Uint32Array.from(f.offset),
      relocIndex: Uint32Array.from(f.index),
      relocAddend: Float64Array.from(f.addend),
      symValue: f.value,
      symMode: f.mode,
      typeMap: f.typeMap,
      pieces: f.pieces,
    })),
    tableBase: r.pick([0, 1, 0x100, value(r, 0)]),
  };
}

// ---- mutations: mostly malformed plans --------------------------------------------------------

function shorter<T extends { length: number; subarray(a: number, b: number): T }>(r: Rng, a: T): T {
  return a.subarray(0, a.length ? r.int(a.length) : 0);
}

const U32_EDGE = [0, 1, 2, 3, 4, 5, 7, 8, 100, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function mutate(r: Rng, plan: P.WritePlan): string {
  const nchunks = Math.floor(plan.chunks.length / P.CHUNK_STRIDE);
  const f = plan.files.length ? plan.files[r.int(plan.files.length)]! : undefined;
  const what = r.int(f ? 16 : 8);
  switch (what) {
    case 0: {
      const i = r.int(plan.chunks.length);
      plan.chunks[i] = r.chance(0.5) ? r.pick(U32_EDGE) : plan.chunks[i]! + r.int(9) - 4;
      return `chunks[${i}]`;
    }
    case 1:
      plan.chunks = r.chance(0.5) ? plan.chunks.subarray(0, Math.max(0, plan.chunks.length - 1 - r.int(7))) : shorter(r, plan.chunks);
      return 'chunks length';
    case 2:
      if (r.chance(0.5)) plan.chunkTombstone = shorter(r, plan.chunkTombstone);
      else plan.chunkVA = shorter(r, plan.chunkVA);
      return 'side tables';
    case 3:
      (plan as { size: number }).size = r.pick([-1, 1.5, NaN, 2 ** 31, 2 ** 32, Infinity, plan.size - 1, 0, -0]);
      return 'size';
    case 4:
      (plan as { version: number }).version = r.pick([0, 2, 1.5, NaN, -1]);
      return 'version';
    case 5:
      plan.buffers = plan.buffers.slice(0, r.int(plan.buffers.length));
      return 'buffers';
    case 6:
      plan.files = plan.files.slice(0, r.int(plan.files.length + 1));
      return 'files';
    case 7: {
      if (nchunks === 0) return 'nothing';
      const c = r.int(nchunks);
      if (r.chance(0.5)) plan.chunkTombstone[c] = value(r, 0.2);
      else plan.chunkVA[c] = value(r, 0.2);
      (plan as { tableBase: number }).tableBase = value(r, 0.1);
      return 'values';
    }
    case 8: {
      const fi = f!;
      const which = r.int(4);
      if (which === 0) fi.relocType = shorter(r, fi.relocType);
      else if (which === 1) fi.relocOffset = shorter(r, fi.relocOffset);
      else if (which === 2) fi.relocIndex = shorter(r, fi.relocIndex);
      else fi.relocAddend = shorter(r, fi.relocAddend);
      return 'relocation arrays';
    }
    case 9:
      if (f!.relocType.length) f!.relocType[r.int(f!.relocType.length)] = r.pick([27, 28, 100, 255, r.int(27)]);
      return 'relocation type';
    case 10:
      if (f!.relocOffset.length) {
        const i = r.int(f!.relocOffset.length);
        f!.relocOffset[i] = r.chance(0.5) ? r.pick(U32_EDGE) : f!.relocOffset[i]! + r.int(21) - 10;
      }
      return 'relocation offset';
    case 11:
      if (f!.relocIndex.length) f!.relocIndex[r.int(f!.relocIndex.length)] = r.chance(0.5) ? r.pick(U32_EDGE) : r.int(10);
      return 'relocation index';
    case 12:
      if (r.chance(0.5)) f!.symMode = shorter(r, f!.symMode);
      else if (f!.symMode.length) f!.symMode[r.int(f!.symMode.length)] = r.pick([4, 5, 255, r.int(4)]);
      return 'symMode';
    case 13:
      if (r.chance(0.4)) f!.symValue = shorter(r, f!.symValue);
      else if (f!.symValue.length) f!.symValue[r.int(f!.symValue.length)] = r.pick([-1, 0.5, 1.5, 2, 3, 100, NaN, Infinity, value(r, 0.2)]);
      return 'symValue';
    case 14:
      if (r.chance(0.5)) f!.typeMap = shorter(r, f!.typeMap);
      else if (f!.relocAddend.length) f!.relocAddend[r.int(f!.relocAddend.length)] = value(r, 0.2);
      return 'typeMap/addend';
    default: {
      if (!f!.pieces.length) return 'nothing';
      const p = f!.pieces[r.int(f!.pieces.length)]!;
      if (r.chance(0.3)) p.inputStart = shorter(r, p.inputStart);
      else if (r.chance(0.5)) p.outputStart = shorter(r, p.outputStart);
      else if (p.inputStart.length) p.inputStart[r.int(p.inputStart.length)] = r.pick(U32_EDGE); // unsorted
      return 'pieces';
    }
  }
}

// ---- running both ---------------------------------------------------------------------------

type Outcome = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

function outcomeOf(run: () => Uint8Array): Outcome {
  try {
    return { ok: true, bytes: run() };
  } catch (e) {
    return { ok: false, error: describeError(e) };
  }
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `non-error ${String(e)}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The first difference between two outcomes, or undefined. */
function difference(ts: Outcome, nat: Outcome): string | undefined {
  if (ts.ok && nat.ok) {
    if (nat.bytes.length !== ts.bytes.length) return `length ${nat.bytes.length} != ${ts.bytes.length}`;
    if (!(nat.bytes instanceof Uint8Array)) return 'native result is not a Uint8Array';
    for (let i = 0; i < ts.bytes.length; i++)
      if (ts.bytes[i] !== nat.bytes[i]) {
        const window = (b: Uint8Array) => hex(b.subarray(Math.max(0, i - 12), i + 12));
        return `byte ${i} differs; bytes ${Math.max(0, i - 12)}.. native ${window(nat.bytes)} ts ${window(ts.bytes)}`;
      }
    return undefined;
  }
  if (!ts.ok && !nat.ok) return ts.error === nat.error ? undefined : `errors differ: ts "${ts.error}" native "${nat.error}"`;
  return ts.ok ? `native threw "${(nat as { error: string }).error}", ts did not` : `ts threw "${ts.error}", native did not`;
}

function describePlan(plan: P.WritePlan): string {
  return JSON.stringify(
    plan,
    (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : String(x))) : v),
  ).slice(0, 4000);
}

interface Tally {
  plans: number;
  succeeded: number;
  threw: Map<string, number>;
  typesWritten: Set<number>;
  modesWritten: Set<number>;
}

function tally(t: Tally, plan: P.WritePlan, ts: Outcome): void {
  t.plans++;
  if (!ts.ok) {
    const kind = ts.error.replace(/\d+/g, 'N');
    t.threw.set(kind, (t.threw.get(kind) ?? 0) + 1);
    return;
  }
  t.succeeded++;
  for (let c = 0; c * P.CHUNK_STRIDE < plan.chunks.length; c++) {
    const row = c * P.CHUNK_STRIDE;
    const fi = plan.chunks[row + P.C_FILE]!;
    if (fi === P.NO_FILE) continue;
    const f = plan.files[fi]!;
    for (let r = plan.chunks[row + P.C_RELOC_START]!; r < plan.chunks[row + P.C_RELOC_END]!; r++) {
      const type = f.relocType[r]!;
      t.typesWritten.add(type);
      const slot = P.RELOC_SLOT[type]!;
      if (slot >= 0) t.modesWritten.add(f.symMode[f.relocIndex[r]! * P.SLOTS + slot]!);
    }
  }
}

function newTally(): Tally {
  return { plans: 0, succeeded: 0, threw: new Map(), typesWritten: new Set(), modesWritten: new Set() };
}

// ---- the tests --------------------------------------------------------------------------------

describe('WritePlan executors: TypeScript and native parity', () => {
  it.runIf(expectNative)('the native backend loads (WELD_EXPECT_NATIVE=1)', () => {
    expect(native.ok ? 'loaded' : native.reason).toBe('loaded');
  });

  it.skipIf(!native.ok)('random valid plans give identical bytes (or identical errors)', () => {
    if (!native.ok) return;
    const r = new Rng(SEED);
    const t = newTally();
    for (let i = 0; i < ITERATIONS; i++) {
      const plan = genPlan(r);
      const ts = outcomeOf(() => executeTs(plan));
      const nat = outcomeOf(() => native.execute(plan));
      const diff = difference(ts, nat);
      if (diff) expect.fail(`plan ${i} (seed ${SEED}): ${diff}\n${describePlan(plan)}`);
      tally(t, plan, ts);
    }
    // The generator must actually cover what it claims to.
    expect(t.succeeded).toBeGreaterThan(ITERATIONS * 0.8);
    expect([...t.typesWritten].sort((a, b) => a - b)).toEqual(Array.from({ length: 27 }, (_, i) => i));
    expect([...t.modesWritten].sort()).toEqual([0, 1, 2, 3]);
  });

  it.skipIf(!native.ok)('mutated (mostly malformed) plans: both reject them with the same error, or agree', () => {
    if (!native.ok) return;
    const r = new Rng(SEED ^ 0x9e3779b9);
    const t = newTally();
    const mutations = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const plan = genPlan(r);
      const n = 1 + r.int(3);
      for (let j = 0; j < n; j++) {
        const m = mutate(r, plan);
        mutations.set(m, (mutations.get(m) ?? 0) + 1);
      }
      const ts = outcomeOf(() => executeTs(plan));
      const nat = outcomeOf(() => native.execute(plan));
      const diff = difference(ts, nat);
      if (diff) expect.fail(`mutated plan ${i} (seed ${SEED}): ${diff}\n${describePlan(plan)}`);
      tally(t, plan, ts);
    }
    const threw = [...t.threw.values()].reduce((a, b) => a + b, 0);
    expect(threw).toBeGreaterThan(ITERATIONS * 0.3);
    // Every kind of rejection of ts.ts is exercised.
    const kinds = [...t.threw.keys()].join('\n');
    for (const needle of [
      'version',
      'bad output size',
      'not a multiple of its stride',
      'side tables are too short',
      'buffer N out of range',
      'source range',
      'destination range',
      'file N out of range',
      'relocation range',
      'invalid type',
      'is outside the chunk',
      'type index N out of range',
      'symbol N out of range',
      'invalid mode',
      'pieces',
      'before the first piece',
      'RangeError',
    ])
      expect(kinds, needle).toContain(needle);
  });

  it.skipIf(!native.ok)('hand-written malformed plans are rejected by both with the same message', () => {
    if (!native.ok) return;
    const base = (): P.WritePlan => ({
      version: 1,
      size: 16,
      buffers: [Uint8Array.from({ length: 16 }, (_, i) => i)],
      chunks: Uint32Array.from([0, 0, 16, 0, 0, 0, 1, 0]),
      chunkTombstone: new Float64Array(1),
      chunkVA: new Float64Array(1),
      files: [
        {
          relocType: Uint8Array.of(0),
          relocOffset: Uint32Array.of(2),
          relocIndex: Uint32Array.of(0),
          relocAddend: Float64Array.of(0),
          symValue: Float64Array.of(7, 0, 0, 0),
          symMode: Uint8Array.of(0, 0, 0, 0),
          typeMap: Int32Array.of(3),
          pieces: [{ inputStart: Uint32Array.of(4, 8), outputStart: Float64Array.of(100, 200) }],
        },
      ],
      tableBase: 1,
    });
    const cases: [string, (p: P.WritePlan) => void, RegExp][] = [
      ['valid', () => {}, /^ok$/],
      ['version', (p) => ((p as { version: number }).version = 2), /version 2, expected 1/],
      ['negative size', (p) => ((p as { size: number }).size = -1), /bad output size -1/],
      ['fractional size', (p) => ((p as { size: number }).size = 1.5), /bad output size 1.5/],
      ['oversized output', (p) => ((p as { size: number }).size = 2 ** 31), /bad output size 2147483648/],
      ['stride', (p) => (p.chunks = p.chunks.subarray(0, 7)), /multiple of its stride/],
      ['short tombstones', (p) => (p.chunkTombstone = new Float64Array(0)), /side tables are too short/],
      ['short VAs', (p) => (p.chunkVA = new Float64Array(0)), /side tables are too short/],
      ['buffer index', (p) => (p.chunks[P.C_BUF] = 1), /chunk 0: buffer 1 out of range/],
      ['source range', (p) => (p.chunks[P.C_SRC] = 1), /source range 1\+16 outside buffer 0 \(16 bytes\)/],
      ['source overflow', (p) => (p.chunks[P.C_SRC] = 0xffffffff), /source range 4294967295\+16/],
      ['destination range', (p) => (p.chunks[P.C_DST] = 1), /destination range 1\+16 outside the output/],
      ['destination overflow', (p) => (p.chunks[P.C_DST] = 0xfffffff0), /destination range 4294967280\+16/],
      ['file index', (p) => (p.chunks[P.C_FILE] = 1), /chunk 0: file 1 out of range/],
      ['reversed relocation range', (p) => ((p.chunks[P.C_RELOC_START] = 1), (p.chunks[P.C_RELOC_END] = 0)), /relocation range 1..0/],
      ['relocation range too long', (p) => (p.chunks[P.C_RELOC_END] = 2), /relocation range 0..2 out of range/],
      ['short addends', (p) => (p.files[0]!.relocAddend = new Float64Array(0)), /relocation range 0..1 out of range/],
      ['invalid type', (p) => (p.files[0]!.relocType[0] = 27), /relocation 0 has invalid type 27/],
      ['before the chunk', (p) => (p.chunks[P.C_INPUT_OFFSET] = 3), /relocation 0 at 2 is outside the chunk/],
      ['straddling the end', (p) => (p.files[0]!.relocOffset[0] = 12), /relocation 0 at 12 is outside the chunk/],
      ['I64 straddling', (p) => ((p.files[0]!.relocType[0] = 16), (p.files[0]!.relocOffset[0] = 9)), /at 9 is outside the chunk/],
      ['type index', (p) => ((p.files[0]!.relocType[0] = 6), (p.files[0]!.relocIndex[0] = 1)), /type index 1 out of range/],
      ['symbol index', (p) => (p.files[0]!.relocIndex[0] = 1), /relocation 0 symbol 1 out of range/],
      ['bad mode', (p) => (p.files[0]!.symMode[0] = 4), /relocation 0 has invalid mode 4/],
      ['mode past the table', (p) => ((p.files[0]!.relocType[0] = 7), (p.files[0]!.symMode = Uint8Array.of(0))), /invalid mode undefined/],
      ['pieces index', (p) => ((p.files[0]!.symMode[0] = 3), (p.files[0]!.symValue[0] = 1)), /relocation 0 pieces 1 out of range/],
      ['pieces NaN', (p) => ((p.files[0]!.symMode[0] = 3), (p.files[0]!.symValue[0] = NaN)), /pieces NaN out of range/],
      ['pieces past symValue', (p) => ((p.files[0]!.symMode[0] = 3), (p.files[0]!.symValue = new Float64Array(0))), /pieces undefined out of range/],
      ['pieces fraction', (p) => ((p.files[0]!.symMode[0] = 3), (p.files[0]!.symValue[0] = 0.5)), /^TypeError: Cannot read properties of undefined \(reading 'inputStart'\)/],
      ['before the first piece', (p) => ((p.files[0]!.symMode[0] = 3), (p.files[0]!.symValue[0] = 0), (p.files[0]!.relocAddend[0] = 3.5)), /merged-string offset 3.5 before the first piece/],
      ['non-finite LEB64', (p) => ((p.files[0]!.relocType[0] = 14), (p.files[0]!.symValue[0] = Infinity)), /^RangeError: The number Infinity cannot be converted to a BigInt/],
      ['NaN LEB64 (short symValue)', (p) => ((p.files[0]!.relocType[0] = 15), (p.files[0]!.symValue = new Float64Array(0))), /^RangeError: The number NaN cannot/],
    ];
    for (const [name, change, expected] of cases) {
      const plan = base();
      change(plan);
      const ts = outcomeOf(() => executeTs(plan));
      const nat = outcomeOf(() => native.execute(plan));
      expect(difference(ts, nat), name).toBeUndefined();
      expect(ts.ok ? 'ok' : ts.error, name).toMatch(expected);
      if (!ts.ok && ts.error.startsWith('PlanError')) expect(ts.error, name).toContain('invalid write plan: ');
    }
  });

  it.skipIf(!native.ok)('executeAsync agrees with executeTs on random and mutated plans, all at once', async () => {
    if (!native.ok) return;
    const r = new Rng(SEED + 17);
    const plans: P.WritePlan[] = [];
    for (let i = 0; i < 400; i++) {
      const plan = genPlan(r);
      if (i % 2) mutate(r, plan);
      plans.push(plan);
    }
    const settled = await Promise.allSettled(plans.map((p) => native.executeAsync(p)));
    settled.forEach((s, i) => {
      const nat: Outcome = s.status === 'fulfilled' ? { ok: true, bytes: s.value } : { ok: false, error: describeError(s.reason) };
      const ts = outcomeOf(() => executeTs(plans[i]!));
      const diff = difference(ts, nat);
      if (diff) expect.fail(`async plan ${i}: ${diff}\n${describePlan(plans[i]!)}`);
    });
  });
});
