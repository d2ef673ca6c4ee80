#!/usr/bin/env node
// Module builder benchmark: first flush vs incremental flush after changing one function in a
// module of 10,000 functions (target: the incremental flush costs at most 5% of the first).
//
//   node bench/builder.mjs [--functions=10000] [--rounds=50] [--json]
//
// lib/ is compiled with tsc into bench/.cache/dist (git-ignored) when it is newer than the
// compiled copy, so the bench always measures the current sources.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'bench', '.cache', 'dist');

function newestMtime(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuilt() {
  const entry = path.join(outDir, 'index.js');
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newestMtime(path.join(root, 'lib'))) return entry;
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'], { stdio: 'pipe' });
  } catch (e) {
    // tsc emits even with type errors elsewhere in lib/; only a missing output is fatal.
    if (!fs.existsSync(entry)) throw e;
  }
  fs.utimesSync(entry, new Date(), new Date());
  return entry;
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    return m ? [m[1], m[2] ?? true] : [a, true];
  }),
);
const NFUNCS = Number(args.functions ?? 10000);
const ROUNDS = Number(args.rounds ?? 50);
const JSON_OUT = !!args.json;

// The compiled copy lives in bench/.cache/dist, so the native loader would look for the addon
// there: resolve it from the package root instead (WELD_BACKEND=native|ts|auto picks the
// executor, as for links).
if (!process.env.WELD_NATIVE_ADDON) {
  try {
    const require = createRequire(import.meta.url);
    process.env.WELD_NATIVE_ADDON = require('node-gyp-build').resolve(root);
  } catch {
    // No native build: the TypeScript executor runs.
  }
}
const weld = await import(pathToFileURL(ensureBuilt()).href);
const { ModuleBuilder, CodeWriter, DataWriter } = weld;

// A deterministic PRNG so every run builds the same module.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Body of function i: some arithmetic, two calls, a data address, sometimes a function pointer. */
function body(b, ids, data, i, variant, extra = 0) {
  const c = new CodeWriter([[2, 'i32']]);
  c.localGet(0).i32Const(i + variant).op(0x6a).localSet(1);
  for (let k = 0; k < 4 + (i % 5) + extra; k++) c.localGet(1).i32Const(k * 31 + variant).op(0x6c).localSet(1);
  c.localGet(1).call(ids[(i * 7 + 1) % ids.length]).op(0x1a);
  c.localGet(1).call(ids[(i + 13) % ids.length]).op(0x1a);
  c.addressOf(data[i % data.length], (i % 4) * 4).op(0x28, 2, 0).localGet(1).op(0x6a).localSet(1);
  if (i % 10 === 0) c.functionPointer(ids[(i + 3) % ids.length]).op(0x1a);
  c.localGet(1);
  return c.end();
}

function buildModule() {
  const b = new ModuleBuilder();
  const sig = { params: ['i32'], results: ['i32'] };
  const ids = [];
  for (let i = 0; i < NFUNCS; i++) ids.push(b.declareFunction(`fn_${i}`, sig));
  const data = [];
  const ndata = Math.max(1, NFUNCS / 10);
  for (let i = 0; i < ndata; i++) data.push(b.declareData(`data_${i}`, { align: 4, section: i % 2 ? '.data' : '.rodata' }));
  for (let i = 0; i < ndata; i++) {
    const d = new DataWriter().u32(i).u32(i * 3).pointer(data[(i + 1) % ndata], 4).string(`string number ${i}`).finish();
    b.defineData(data[i], d.bytes, d.relocs);
  }
  for (let i = 0; i < NFUNCS; i++) {
    const { body: bytes, relocs } = body(b, ids, data, i, 0);
    b.defineFunction(ids[i], bytes, relocs);
  }
  for (let i = 0; i < NFUNCS; i += 100) b.exportSymbol(ids[i]);
  return { b, ids, data };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const now = () => performance.now();

// Warm up the JIT on a smaller module of the same shape.
{
  const { b, ids, data } = buildModule();
  b.flush();
  for (let r = 0; r < 20; r++) {
    const i = r * 37 % NFUNCS;
    const { body: bytes, relocs } = body(b, ids, data, i, r + 1, r % 2);
    b.defineFunction(ids[i], bytes, relocs);
    b.flush();
  }
}

// First flush: fresh builders.
const defineTimes = [];
const firstTimes = [];
const firstPhases = [];
let sample;
for (let r = 0; r < 7; r++) {
  const t0 = now();
  const m = buildModule();
  const t1 = now();
  const out = m.b.flush();
  const t2 = now();
  defineTimes.push(t1 - t0);
  firstTimes.push(t2 - t1);
  firstPhases.push(m.b.lastFlushTimings);
  sample = { ...m, size: out.length };
}
const first = median(firstTimes);

// Incremental flushes on the last builder: one function changed per round.
const { b, ids, data } = sample;
const rand = rng(42);
const sameSize = [];
const resized = [];
const kinds = new Set();
const changed = new Map();
for (let r = 0; r < ROUNDS; r++) {
  for (const grow of [0, 1]) {
    const i = Math.floor(rand() * NFUNCS);
    // Same size: only immediates change (variant keeps LEB widths); resized: one more multiply.
    const variant = grow ? 0 : 1 + (r % 50);
    const extra = grow ? 1 + (r % 3) : 0;
    const { body: bytes, relocs } = body(b, ids, data, i, variant, extra);
    b.defineFunction(ids[i], bytes, relocs);
    changed.set(i, [variant, extra]);
    const t0 = now();
    b.flush();
    const t1 = now();
    kinds.add(b.lastFlushKind);
    (grow ? resized : sameSize).push(t1 - t0);
  }
}

// A structural change (one function added) forces a full rebuild: for reference.
const fullTimes = [];
for (let r = 0; r < 5; r++) {
  const f = b.declareFunction(`extra_${r}`, { params: ['i32'], results: ['i32'] });
  const { body: bytes, relocs } = body(b, ids, data, r, 0);
  b.defineFunction(f, bytes, relocs);
  const t0 = now();
  b.flush();
  fullTimes.push(now() - t0);
  b.free(f);
  b.flush();
}

// Correctness: the incremental output equals a from-scratch flush of the same state.
const incremental = b.flush();
const check = buildModule();
for (const [i, [variant, extra]] of changed) {
  const { body: bytes, relocs } = body(check.b, check.ids, check.data, i, variant, extra);
  check.b.defineFunction(check.ids[i], bytes, relocs);
}
const scratch = check.b.flush();
const identical = scratch.length === incremental.length && scratch.every((v, i) => v === incremental[i]);

const result = {
  backend: weld.backend,
  functions: NFUNCS,
  dataAtoms: data.length,
  outputBytes: sample.size,
  defineMs: median(defineTimes),
  firstFlushMs: first,
  incrementalSameSizeMs: median(sameSize),
  incrementalResizedMs: median(resized),
  ratioSameSize: median(sameSize) / first,
  ratioResized: median(resized) / first,
  firstFlushPhasesMs: Object.fromEntries(['layout', 'plan', 'execute', 'total'].map((k) => [k, median(firstPhases.map((p) => p[k]))])),
  fullRebuildMs: median(fullTimes),
  flushKinds: [...kinds],
  identicalToScratch: identical,
};

if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
else {
  const ms = (v) => `${v.toFixed(3)} ms`;
  const pct = (v) => `${(v * 100).toFixed(2)}%`;
  console.log(`module builder: ${NFUNCS} functions, ${data.length} data atoms, ${(sample.size / 1024).toFixed(0)} KiB output, ${weld.backend} executor`);
  console.log(`  declare + define (not flush)      ${ms(result.defineMs)}`);
  const ph = result.firstFlushPhasesMs;
  console.log(`  first flush                       ${ms(first)}  (layout ${ms(ph.layout)}, plan ${ms(ph.plan)}, execute ${ms(ph.execute)})`);
  console.log(`  flush after 1 change, same size   ${ms(result.incrementalSameSizeMs)}  (${pct(result.ratioSameSize)} of first)`);
  console.log(`  flush after 1 change, resized     ${ms(result.incrementalResizedMs)}  (${pct(result.ratioResized)} of first)`);
  console.log(`  full rebuild (structural change)  ${ms(result.fullRebuildMs)}`);
  console.log(`  incremental output == from-scratch flush: ${identical ? 'yes' : 'NO'}`);
  const worst = Math.max(result.ratioSameSize, result.ratioResized);
  const vsRebuild = Math.max(result.incrementalSameSizeMs, result.incrementalResizedMs) / result.fullRebuildMs;
  console.log(`  target <= 5% of the first flush: ${worst <= 0.05 ? 'met' : 'NOT met'} (worst ${pct(worst)}; ${pct(vsRebuild)} of a warm full rebuild)`);
}
if (!identical) process.exitCode = 1;
