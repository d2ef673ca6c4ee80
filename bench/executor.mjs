#!/usr/bin/env node
// Benchmark of the WritePlan executors: executeTs against the native addon (sync and async) on a
// large synthetic, linker-shaped plan. Needs the TypeScript build (npm run build) and the addon
// (npm run build:native, or a prebuild).
//
//   node bench/executor.mjs [--chunks=100000] [--relocs=1000000] [--size=20000000]
//                           [--files=400] [--runs=9] [--mix=wasm32|wasm64|i32] [--seed=1]
//
// --mix picks the relocation types: wasm32 (LEB/SLEB indices and addresses, I32 data and debug
// info: what a wasm32 link mostly has), wasm64 (memory addresses as LEB64/SLEB64/I64), i32
// (only 4-byte fields). Prints the median time of --runs runs of each, and the ratios.

import { performance } from 'node:perf_hooks';
import { executeTs } from '../dist/backend/ts.js';
import { loadNative } from '../dist/backend/native.js';
import * as P from '../dist/plan/types.js';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`bad argument ${a}`);
    return [m[1], m[2]];
  }),
);
const NCHUNKS = Number(args.chunks ?? 100_000);
const NRELOCS = Number(args.relocs ?? 1_000_000);
const SIZE = Number(args.size ?? 20_000_000);
const NFILES = Number(args.files ?? 400);
const RUNS = Number(args.runs ?? 9);
const MIX = args.mix ?? 'wasm32';
const SEED = Number(args.seed ?? 1);

/** [type, weight] */
const MIXES = {
  wasm32: [
    [0, 30], // FUNCTION_INDEX_LEB (calls)
    [3, 10], // MEMORY_ADDR_LEB
    [4, 12], // MEMORY_ADDR_SLEB (i32.const addresses)
    [7, 10], // GLOBAL_INDEX_LEB
    [6, 4], // TYPE_INDEX_LEB
    [1, 3], // TABLE_INDEX_SLEB
    [5, 10], // MEMORY_ADDR_I32 (data)
    [2, 2], // TABLE_INDEX_I32
    [8, 8], // FUNCTION_OFFSET_I32 (debug info)
    [9, 8], // SECTION_OFFSET_I32 (debug info)
    [13, 1], // GLOBAL_INDEX_I32
    [20, 1], // TABLE_NUMBER_LEB
    [11, 1], // MEMORY_ADDR_REL_SLEB
  ],
  wasm64: [
    [0, 30],
    [14, 10], // MEMORY_ADDR_LEB64
    [15, 12], // MEMORY_ADDR_SLEB64
    [7, 10],
    [6, 4],
    [18, 3], // TABLE_INDEX_SLEB64
    [16, 10], // MEMORY_ADDR_I64
    [19, 2], // TABLE_INDEX_I64
    [8, 8],
    [9, 8],
    [22, 2], // FUNCTION_OFFSET_I64
  ],
  i32: [
    [5, 40],
    [2, 10],
    [8, 25],
    [9, 25],
  ],
};

function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

function buildPlan() {
  const rand = rng(SEED);
  const mix = MIXES[MIX];
  if (!mix) throw new Error(`unknown --mix=${MIX}`);
  const table = [];
  for (const [type, weight] of mix) for (let i = 0; i < weight; i++) table.push(type);

  const avgLen = Math.floor(SIZE / NCHUNKS);
  const perChunk = NRELOCS / NCHUNKS;
  const fileBytes = Math.ceil((SIZE / NFILES) * 1.25) + 2 * avgLen;
  const buffers = [new Uint8Array(64 * 1024)];
  for (let i = 0; i < buffers[0].length; i++) buffers[0][i] = rand(256);
  const NSYM = Number(args.syms ?? 600);
  const files = [];
  const rel = [];
  for (let f = 0; f < NFILES; f++) {
    const data = new Uint8Array(fileBytes);
    for (let i = 0; i < data.length; i += 4) data[i] = rand(256);
    buffers.push(data);
    const symValue = new Float64Array(NSYM * P.SLOTS);
    const symMode = new Uint8Array(NSYM * P.SLOTS);
    for (let k = 0; k < symValue.length; k++) {
      const m = rand(100);
      symMode[k] = m < 85 ? P.MODE_VALUE : m < 92 ? P.MODE_ZERO : m < 98 ? P.MODE_DEAD : P.MODE_PIECES;
      symValue[k] = symMode[k] === P.MODE_PIECES ? 0 : rand(1 << 24);
    }
    const inputStart = new Uint32Array(64);
    const outputStart = new Float64Array(64);
    for (let i = 0; i < 64; i++) {
      inputStart[i] = i * 16;
      outputStart[i] = rand(1 << 20);
    }
    files.push({ symValue, symMode, typeMap: Int32Array.from({ length: 64 }, () => rand(1000)), pieces: [{ inputStart, outputStart }] });
    rel.push({ n: 0, type: new Uint8Array(Math.ceil((NRELOCS / NFILES) * 1.6) + 64), offset: null, index: null, addend: null });
  }
  for (const r of rel) {
    r.offset = new Uint32Array(r.type.length);
    r.index = new Uint32Array(r.type.length);
    r.addend = new Float64Array(r.type.length);
  }
  const chunks = new Uint32Array(NCHUNKS * P.CHUNK_STRIDE);
  const tomb = new Float64Array(NCHUNKS);
  const va = new Float64Array(NCHUNKS);
  let dst = 0;
  let relocs = 0;
  // As a linker lays them out: the code section (each file's functions in a row), then the data
  // and debug sections (again file by file), with synthesized bytes (headers) in between.
  const perFile = NCHUNKS / NFILES / 2;
  const cursor = new Array(buffers.length).fill(0);
  for (let c = 0; c < NCHUNKS; c++) {
    const synth = rand(20) === 0;
    const fileInOrder = Math.floor(c / perFile) % NFILES;
    const bi = synth ? 0 : 1 + fileInOrder;
    const buf = buffers[bi];
    const len = Math.min(buf.length, Math.max(0, avgLen + rand(avgLen) - (avgLen >> 1)));
    // each input is read front to back, as its sections are
    if (cursor[bi] + len > buf.length) cursor[bi] = 0;
    const src = cursor[bi];
    cursor[bi] += len;
    const fi = synth ? P.NO_FILE : bi - 1;
    const inputOffset = rand(1 << 20);
    let rs = 0;
    let re = 0;
    if (!synth) {
      const R = rel[fi];
      rs = R.n;
      // about perChunk relocations, spread through the chunk
      const want = Math.round(perChunk * (0.5 + rand(1000) / 1000) * (20 / 19));
      const stride = want > 0 ? Math.max(1, Math.floor(len / want)) : len + 1;
      for (let at = rand(stride); R.n < R.type.length; at += stride) {
        const type = table[rand(table.length)];
        const width = P.ENCODING_WIDTH[P.RELOC_ENCODING[type]];
        if (at + width > len) break;
        R.type[R.n] = type;
        R.offset[R.n] = inputOffset + at;
        R.index[R.n] = type === 6 ? rand(64) : rand(NSYM);
        R.addend[R.n] = rand(8) === 0 ? rand(16) : 0;
        R.n++;
      }
      re = R.n;
      relocs += re - rs;
    }
    chunks.set([bi, src, len, dst, fi, rs, re, inputOffset], c * P.CHUNK_STRIDE);
    tomb[c] = rand(4) === 0 ? -1 : 0;
    va[c] = dst + 1024;
    dst += len;
  }
  return {
    relocs,
    plan: {
      version: P.PLAN_VERSION,
      size: dst,
      buffers,
      chunks,
      chunkTombstone: tomb,
      chunkVA: va,
      files: files.map((f, i) => ({
        ...f,
        relocType: rel[i].type.subarray(0, rel[i].n),
        relocOffset: rel[i].offset.subarray(0, rel[i].n),
        relocIndex: rel[i].index.subarray(0, rel[i].n),
        relocAddend: rel[i].addend.subarray(0, rel[i].n),
      })),
      tableBase: 1,
    },
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time(name, fn) {
  await fn(); // warm-up (JIT, page faults of the first output)
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const m = median(ms);
  console.log(`${name.padEnd(22)} median ${m.toFixed(2).padStart(8)} ms   (min ${Math.min(...ms).toFixed(2)}, max ${Math.max(...ms).toFixed(2)})`);
  return m;
}

const native = loadNative();
const t0 = performance.now();
const { plan, relocs } = buildPlan();
console.log(
  `plan: ${NCHUNKS} chunks, ${relocs} relocations (${MIX}), ${NFILES} files, output ${(plan.size / 1e6).toFixed(1)} MB ` +
    `(built in ${(performance.now() - t0).toFixed(0)} ms); node ${process.version}; ${RUNS} runs each`,
);
if (!native.ok) {
  console.log(`native backend not available: ${native.reason}`);
  await time('executeTs', () => executeTs(plan));
  process.exit(1);
}
console.log(`native: ${native.path}`);
const ts = executeTs(plan);
const nat = native.execute(plan);
if (Buffer.compare(Buffer.from(ts.buffer, ts.byteOffset, ts.length), Buffer.from(nat.buffer, nat.byteOffset, nat.length)) !== 0)
  throw new Error('native and TS outputs differ');

const tTs = await time('executeTs', () => executeTs(plan));
const tSync = await time('native execute', () => native.execute(plan));
const tAsync = await time('native executeAsync', () => native.executeAsync(plan));
const four = await time('4x executeAsync', () => Promise.all([0, 1, 2, 3].map(() => native.executeAsync(plan))));
console.log(`speed-up: sync ${(tTs / tSync).toFixed(2)}x, async ${(tTs / tAsync).toFixed(2)}x; 4 concurrent async: ${(four / 4).toFixed(2)} ms per plan`);
