// The native (C++ Node-API) WritePlan executor: it loads, its sync and async entry points give
// executeTs's bytes on a realistic plan, many executeAsync calls run at once, errors are the
// same PlanError, and the loader degrades to a reason instead of throwing.
//
// With WELD_EXPECT_NATIVE=1 (CI) a missing addon is a failure; without it, the tests that need
// the addon are skipped with the loader's reason in their title.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { executeTs, PlanError } from '../lib/backend/ts.js';
import { loadNative, NATIVE_ABI } from '../lib/backend/native.js';
import * as P from '../lib/plan/types.js';
import { writeAtomic } from '../lib/output/index.js';

const native = loadNative();
const expectNative = process.env.WELD_EXPECT_NATIVE === '1';
const unavailable = native.ok ? '' : ` (native backend not available: ${native.reason})`;

/** A deterministic xorshift32. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return n > 0 ? s % n : 0;
  };
}

/**
 * A linker-shaped plan: a synthesized buffer and `nfiles` input files, chunks laid out one after
 * the other (function bodies, data segments), relocations sorted inside each chunk, every type.
 */
function realisticPlan(seed: number, nchunks: number, nfiles = 8): P.WritePlan {
  const rand = rng(seed);
  const buffers: Uint8Array[] = [new Uint8Array(4096)];
  for (let i = 0; i < buffers[0]!.length; i++) buffers[0]![i] = rand(256);
  const files: P.PlanFile[] = [];
  const relocs: { type: number[]; offset: number[]; index: number[]; addend: number[] }[] = [];
  for (let f = 0; f < nfiles; f++) {
    const data = new Uint8Array(2048 + rand(8192));
    for (let i = 0; i < data.length; i++) data[i] = rand(256);
    buffers.push(data);
    const nsym = 1 + rand(64);
    const symValue = new Float64Array(nsym * P.SLOTS);
    const symMode = new Uint8Array(nsym * P.SLOTS);
    for (let k = 0; k < symValue.length; k++) {
      const m = rand(10);
      symMode[k] = m < 7 ? P.MODE_VALUE : m === 7 ? P.MODE_ZERO : m === 8 ? P.MODE_DEAD : P.MODE_PIECES;
      symValue[k] = symMode[k] === P.MODE_PIECES ? 0 : rand(2) ? rand(1 << 20) : -rand(1 << 20);
    }
    files.push({
      relocType: new Uint8Array(0),
      relocOffset: new Uint32Array(0),
      relocIndex: new Uint32Array(0),
      relocAddend: new Float64Array(0),
      symValue,
      symMode,
      typeMap: Int32Array.from({ length: 16 }, () => rand(1000)),
      pieces: [{ inputStart: Uint32Array.of(0, 5, 17, 30), outputStart: Float64Array.of(0, 100, 7, 3000) }],
    });
    relocs.push({ type: [], offset: [], index: [], addend: [] });
  }
  const rows: number[] = [];
  const tomb: number[] = [];
  const va: number[] = [];
  let dst = 0;
  for (let c = 0; c < nchunks; c++) {
    const bi = rand(buffers.length);
    const buf = buffers[bi]!;
    const len = rand(Math.min(buf.length, 400));
    const src = rand(buf.length - len + 1);
    const fi = bi === 0 ? P.NO_FILE : bi - 1;
    const inputOffset = rand(1 << 16);
    let rs = 0;
    let re = 0;
    if (fi !== P.NO_FILE) {
      const R = relocs[fi]!;
      rs = R.type.length;
      let at = 0;
      for (;;) {
        const type = rand(27);
        const width = P.ENCODING_WIDTH[P.RELOC_ENCODING[type]!]!;
        at += rand(12);
        if (at + width > len) break;
        R.type.push(type);
        R.offset.push(inputOffset + at);
        R.index.push(type === 6 ? rand(16) : rand(files[fi]!.symMode.length / P.SLOTS));
        R.addend.push(rand(4) === 0 ? rand(30) : 0);
        at += width;
      }
      re = R.type.length;
    }
    rows.push(bi, src, len, dst, fi, rs, re, inputOffset);
    tomb.push([0, 0, -1, -2][rand(4)]!);
    va.push(dst + 1024);
    dst += len + rand(3);
  }
  files.forEach((f, i) => {
    const R = relocs[i]!;
    f.relocType = Uint8Array.from(R.type);
    f.relocOffset = Uint32Array.from(R.offset);
    f.relocIndex = Uint32Array.from(R.index);
    f.relocAddend = Float64Array.from(R.addend);
  });
  return {
    version: P.PLAN_VERSION,
    size: dst + 7,
    buffers,
    chunks: Uint32Array.from(rows),
    chunkTombstone: Float64Array.from(tomb),
    chunkVA: Float64Array.from(va),
    files,
    tableBase: 1,
  };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

describe('native executor', () => {
  it('the loader never throws and explains itself', () => {
    expect(typeof native.ok).toBe('boolean');
    if (!native.ok) expect(native.reason).toMatch(/\S/);
  });

  it.runIf(expectNative)('the native backend loads (WELD_EXPECT_NATIVE=1)', () => {
    expect(native.ok ? 'loaded' : native.reason).toBe('loaded');
  });

  it.skipIf(!native.ok)(`sync and async give executeTs's bytes on a realistic plan${unavailable}`, async () => {
    if (!native.ok) return;
    const plan = realisticPlan(1, 5000);
    const ts = executeTs(plan);
    const sync = native.execute(plan);
    expect(sync).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(sync)).toBe(false);
    expect(sync.length).toBe(plan.size);
    expect(same(sync, ts)).toBe(true);
    const asyncResult = await native.executeAsync(plan);
    expect(same(asyncResult, ts)).toBe(true);
    // Output bytes no chunk covers are zero, as in new Uint8Array(size).
    expect(Array.from(sync.subarray(plan.size - 7))).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it.skipIf(!native.ok)(`an empty plan gives an empty Uint8Array${unavailable}`, async () => {
    if (!native.ok) return;
    const plan: P.WritePlan = {
      version: 1,
      size: 0,
      buffers: [],
      chunks: new Uint32Array(0),
      chunkTombstone: new Float64Array(0),
      chunkVA: new Float64Array(0),
      files: [],
      tableBase: 0,
    };
    expect(native.execute(plan).length).toBe(0);
    expect((await native.executeAsync(plan)).length).toBe(0);
    expect(native.execute({ ...plan, size: 5 })).toEqual(new Uint8Array(5));
  });

  it.skipIf(!native.ok)(`Promise.all of many executeAsync calls${unavailable}`, async () => {
    if (!native.ok) return;
    const plans = Array.from({ length: 48 }, (_, i) => realisticPlan(100 + i, 300 + 40 * i));
    const expected = plans.map((p) => executeTs(p));
    const results = await Promise.all(plans.map((p) => native.executeAsync(p)));
    results.forEach((r, i) => expect(same(r, expected[i]!), `plan ${i}`).toBe(true));
    // The same plan many times at once: inputs are shared read-only.
    const one = plans[47]!;
    const again = await Promise.all(Array.from({ length: 32 }, () => native.executeAsync(one)));
    for (const r of again) expect(same(r, expected[47]!)).toBe(true);
  });

  it.skipIf(!native.ok)(`executeAsync holds the plan's arrays: the caller may drop or rewrite the plan${unavailable}`, async () => {
    if (!native.ok) return;
    const plan = realisticPlan(7, 4000);
    const expected = executeTs(plan);
    const pending = native.executeAsync(plan);
    // Take everything away from the plan object; the worker still has its own references.
    const p = plan as unknown as Record<string, unknown>;
    p.buffers = [];
    p.files = [];
    p.chunks = new Uint32Array(0);
    p.chunkTombstone = p.chunkVA = null;
    const garbage: unknown[] = [];
    for (let i = 0; i < 2000; i++) garbage.push(new Float64Array(256));
    expect(same(await pending, expected)).toBe(true);
  });

  it.skipIf(!native.ok)(`plan errors are PlanErrors, thrown by execute and rejected by executeAsync${unavailable}`, async () => {
    if (!native.ok) return;
    const plan = realisticPlan(3, 50);
    plan.chunks[P.C_DST] = 0xffffff00;
    let tsError: unknown;
    try {
      executeTs(plan);
    } catch (e) {
      tsError = e;
    }
    expect(tsError).toBeInstanceOf(PlanError);
    expect(() => native.execute(plan)).toThrow(PlanError);
    expect(() => native.execute(plan)).toThrow((tsError as Error).message);
    const rejected = native.executeAsync(plan);
    await expect(rejected).rejects.toBeInstanceOf(PlanError);
    await expect(rejected).rejects.toThrow((tsError as Error).message);
  });

  it.skipIf(!native.ok)(`fields of the wrong type are PlanErrors (the native side checks the contract's types)${unavailable}`, async () => {
    if (!native.ok) return;
    const good = () => realisticPlan(5, 20);
    const cases: [string, (p: Record<string, unknown>) => void, RegExp][] = [
      ['plan', () => {}, /./],
      ['chunks', (p) => (p.chunks = Array.from(p.chunks as Uint32Array)), /chunks is not a Uint32Array/],
      ['chunkTombstone', (p) => (p.chunkTombstone = new Float32Array(100)), /chunkTombstone is not a Float64Array/],
      ['chunkVA', (p) => (p.chunkVA = undefined), /chunkVA is not a Float64Array/],
      ['buffers', (p) => (p.buffers = 'x'), /buffers is not an array/],
      ['a buffer', (p) => ((p.buffers as unknown[])[0] = new Uint16Array(4096)), /buffer 0 is not a Uint8Array/],
      ['files', (p) => (p.files = {}), /files is not an array/],
      ['a file', (p) => ((p.files as unknown[])[0] = null), /file 0 is not an object/],
      ['relocType', (p) => ((p.files as Record<string, unknown>[])[0]!.relocType = [1]), /file 0 is malformed: relocType is not a Uint8Array/],
      ['typeMap', (p) => ((p.files as Record<string, unknown>[])[0]!.typeMap = new Uint32Array(4)), /typeMap is not an Int32Array/],
      ['pieces', (p) => ((p.files as Record<string, unknown>[])[0]!.pieces = null), /pieces is not an array/],
      ['tableBase', (p) => (p.tableBase = '1'), /tableBase is not a number/],
    ];
    for (const [name, change, message] of cases) {
      const plan = good() as unknown as Record<string, unknown>;
      change(plan);
      if (name === 'plan') {
        expect(() => native.execute(null as unknown as P.WritePlan)).toThrow(PlanError);
        await expect(native.executeAsync(42 as unknown as P.WritePlan)).rejects.toBeInstanceOf(PlanError);
        continue;
      }
      expect(() => native.execute(plan as unknown as P.WritePlan), name).toThrow(message);
      expect(() => native.execute(plan as unknown as P.WritePlan), name).toThrow(PlanError);
      // executeAsync rejects, it does not throw
      const pending = native.executeAsync(plan as unknown as P.WritePlan);
      await expect(pending, name).rejects.toThrow(message);
    }
  });

  it.skipIf(!native.ok)(`a throwing getter propagates, and no JS runs after the plan is read${unavailable}`, async () => {
    if (!native.ok) return;
    const plan = realisticPlan(9, 100);
    const boom = Object.defineProperty({ ...plan }, 'files', {
      get() {
        throw new Error('getter says no');
      },
    });
    expect(() => native.execute(boom)).toThrow('getter says no');
    await expect(native.executeAsync(boom)).rejects.toThrow('getter says no');
    // A getter read late (tableBase) that swaps out the buffers the walk has already seen: the
    // executor works on what it read, and the result is what the TS executor gives for the
    // same values.
    const swapped = { ...plan, buffers: [...plan.buffers] };
    const expected = executeTs({ ...plan });
    Object.defineProperty(swapped, 'tableBase', {
      get() {
        swapped.buffers.length = 0;
        return plan.tableBase;
      },
    });
    expect(same(native.execute(swapped), expected)).toBe(true);
  });

  it.skipIf(!native.ok)(`loads in worker threads too${unavailable}`, async () => {
    if (!native.ok) return;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData.path);
      const p = workerData.plan;
      parentPort.postMessage(addon.execute(p));
    `;
    const plan = realisticPlan(11, 500);
    const expected = executeTs(plan);
    const outs = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Uint8Array>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { path: native.path, plan } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    for (const o of outs) expect(same(o, expected)).toBe(true);
  });

  // The prebuild ships in the npm tarball: it must not be stale (built from older sources).
  const prebuildDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'prebuilds', `${process.platform}-${process.arch}`);
  const otherLibc = fs.existsSync('/etc/alpine-release') ? '.glibc.' : '.musl.';
  const prebuilds = fs.existsSync(prebuildDir) ? fs.readdirSync(prebuildDir).filter((f) => f.endsWith('.node') && !f.includes(otherLibc)) : [];
  it.skipIf(prebuilds.length === 0)(`the prebuild for ${process.platform}-${process.arch} is current: it agrees with executeTs`, async () => {
    const require = createRequire(import.meta.url);
    for (const f of prebuilds) {
      const addon = require(path.join(prebuildDir, f)) as { abi: number; planVersion: number; execute(p: P.WritePlan): Uint8Array };
      expect(addon.abi, f).toBe(NATIVE_ABI);
      expect(addon.planVersion, f).toBe(P.PLAN_VERSION);
      for (let seed = 0; seed < 20; seed++) {
        const plan = realisticPlan(1000 + seed, 200 + 50 * seed);
        expect(same(addon.execute(plan), executeTs(plan)), `${f} seed ${seed}`).toBe(true);
      }
    }
  });

  it('a missing or broken addon is a reason, not an exception', async () => {
    const saved = process.env.WELD_NATIVE_ADDON;
    try {
      process.env.WELD_NATIVE_ADDON = '/nonexistent/weld.node';
      vi.resetModules();
      const fresh = (await import('../lib/backend/native.js')).loadNative();
      expect(fresh.ok).toBe(false);
      if (!fresh.ok) expect(fresh.reason).toMatch(/cannot load .*nonexistent/);
      process.env.WELD_NATIVE_ADDON = fileURLToPath(import.meta.url); // not a shared object at all
      vi.resetModules();
      const broken = (await import('../lib/backend/native.js')).loadNative();
      expect(broken.ok).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.WELD_NATIVE_ADDON;
      else process.env.WELD_NATIVE_ADDON = saved;
      vi.resetModules();
    }
  });
});

describe('exchangeFiles (how an output replaces the old one)', () => {
  const exchange = native.ok ? native.exchangeFiles : null;
  it.skipIf(!exchange || process.platform !== 'linux')(`swaps two files' names in one step; writeAtomic replaces files and links with it${unavailable}`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weld-xchg-'));
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, 'new');
    fs.writeFileSync(b, 'old');
    expect(exchange!(a, b)).toBe(0);
    expect(fs.readFileSync(b, 'utf8')).toBe('new');
    expect(fs.readFileSync(a, 'utf8')).toBe('old');
    // No old file: ENOENT (the caller renames).
    expect(exchange!(a, path.join(dir, 'none'))).toBe(os.constants.errno.ENOENT);
    fs.symlinkSync(b, path.join(dir, 'link'));
    fs.mkdirSync(path.join(dir, 'sub'));
    expect(() => (exchange as unknown as (x: unknown) => number)(1)).toThrow('exchangeFiles: two paths expected');
    // writeAtomic: over a file, over a symbolic link (replaced, as rename does), into nothing.
    writeAtomic(b, new TextEncoder().encode('newer'));
    expect(fs.readFileSync(b, 'utf8')).toBe('newer');
    writeAtomic(path.join(dir, 'link'), new TextEncoder().encode('via link'));
    expect(fs.lstatSync(path.join(dir, 'link')).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'link'), 'utf8')).toBe('via link');
    expect(fs.readFileSync(b, 'utf8')).toBe('newer');
    writeAtomic(path.join(dir, 'fresh'), new TextEncoder().encode('x'));
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b', 'fresh', 'link', 'sub']);
  });
});
