// Loads the native (C++ Node-API) WritePlan executor, built from native/ by cmake-js.
//
// loadNative() never throws: it returns { ok: true, ... } with the executor, or { ok: false,
// reason } saying why the addon is not there (then the TypeScript executor is the one to use).
// The result is cached; importing this module loads nothing.
//
// Where the addon comes from, first match wins:
//   1. $WELD_NATIVE_ADDON: the path of a .node file (the ASan build, a test binary);
//   2. node-gyp-build from the package root: $WELD_PREBUILD (a directory laid out like the
//      package root), build/Release/*.node (a local `npm run build:native`), build/Debug, then
//      prebuilds/<platform>-<arch>/ (weld.napi.glibc.node on Linux: Node-API, one binary for
//      every Node >= 20).
// If a local build does not load, a prebuild for this platform is tried next. (Whether to use
// the addon at all is lib/backend/index.ts's choice: WELD_BACKEND.)
//
// The native executor gives byte-identical output to executeTs and rejects the same plans: a
// plan error is thrown (or, for executeAsync, rejected) as the same PlanError, with ts.ts's
// message; the other errors ts.ts can raise on a plan (a RangeError from BigInt on a non-finite
// 64-bit value, a TypeError for a fractional pieces index) are raised with the same class and
// message. The native side is stricter on types only: a field that is not the typed array
// (or array, or number) that lib/plan/types.ts declares is a PlanError.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeRelocs } from '../input/object.js';
import { PLAN_VERSION, type WritePlan } from '../plan/types.js';
import { mergeStringsTs, type MergedStrings } from './merge.js';
import { PlanError } from './ts.js';

/** The interface version of the addon this loader speaks (native/addon.cc kAddonAbi). */
export const NATIVE_ABI = 2;

export interface NativeExecutor {
  ok: true;
  /** Executes a plan on the calling thread; throws PlanError like executeTs. */
  execute(plan: WritePlan): Uint8Array;
  /**
   * Executes a plan on the libuv thread pool; rejects with PlanError like executeTs throws.
   * Many may run at once. The plan's typed arrays are held until it settles; they must not be
   * detached (transferred) or resized meanwhile, and writes to them meanwhile race with the read.
   */
  executeAsync(plan: WritePlan): Promise<Uint8Array>;
  /** The fast path of relocation decoding (input/object.ts). */
  decodeRelocs: DecodeRelocs;
  /** mergeStringsTs in C++. */
  mergeStrings(buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number): MergedStrings | number;
  /** The .node file that was loaded. */
  path: string;
  /**
   * Swaps two files' names in one step; 0 or an errno (native/addon.cc). Absent from addons
   * built before it: callers fall back to rename.
   */
  exchangeFiles: ((a: string, b: string) => number) | null;
}

export interface NativeUnavailable {
  ok: false;
  /** Why the addon could not be used (for --verbose and test output). */
  reason: string;
}

export type NativeLoadResult = NativeExecutor | NativeUnavailable;

interface Addon {
  execute(plan: unknown): Uint8Array;
  executeAsync(plan: unknown): Promise<Uint8Array>;
  mergeStrings(buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number): MergedStrings | number;
  decodeRelocs: DecodeRelocs;
  exchangeFiles?: (a: string, b: string) => number;
  planVersion: number;
  abi: number;
}

const PREFIX = 'invalid write plan: ';

/** The addon's plan errors arrive as Error('invalid write plan: ...'); make them PlanErrors. */
function toPlanError(e: unknown): unknown {
  if (e instanceof Error && !(e instanceof PlanError) && e.constructor === Error && e.message.startsWith(PREFIX))
    return new PlanError(e.message.slice(PREFIX.length));
  return e;
}

/** The package root: this file is lib/backend/native.ts or dist/backend/native.js. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function describe(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.trim().split('\n')[0] ?? s;
}

/** A prebuild for this platform other than `failed`, if there is one. */
function prebuildFor(failed: string): string | undefined {
  const dir = path.join(packageRoot(), 'prebuilds', `${process.platform}-${process.arch}`);
  try {
    const libc = process.platform === 'linux' ? (fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc') : undefined;
    const other = libc === 'glibc' ? '.musl.' : '.glibc.';
    const file = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node') && !f.includes(other))
      .map((f) => path.join(dir, f))
      .find((f) => f !== failed);
    return file;
  } catch {
    return undefined;
  }
}

function load(): NativeLoadResult {
  try {
    const require = createRequire(import.meta.url);
    let file = process.env.WELD_NATIVE_ADDON;
    if (!file) {
      let nodeGypBuild: { resolve(dir: string): string };
      try {
        nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
      } catch (e) {
        return { ok: false, reason: `node-gyp-build is not installed (${describe(e)})` };
      }
      try {
        file = nodeGypBuild.resolve(packageRoot());
      } catch (e) {
        return { ok: false, reason: `no native build found (${describe(e)}); run npm run build:native` };
      }
    }
    file = path.resolve(file);
    let addon: Addon;
    try {
      addon = require(file) as Addon;
    } catch (e) {
      // A local build that does not load (built for another system, half-written) must not hide
      // a working prebuild: node-gyp-build looks in build/ first.
      const fallback = process.env.WELD_NATIVE_ADDON ? undefined : prebuildFor(file);
      if (!fallback) return { ok: false, reason: `cannot load ${file}: ${describe(e)}` };
      try {
        addon = require(fallback) as Addon;
        file = fallback;
      } catch (e2) {
        return { ok: false, reason: `cannot load ${file}: ${describe(e)}; nor ${fallback}: ${describe(e2)}` };
      }
    }
    if (typeof addon?.execute !== 'function' || typeof addon.executeAsync !== 'function' || typeof addon.mergeStrings !== 'function' || typeof addon.decodeRelocs !== 'function')
      return { ok: false, reason: `${file} is not weld's executor addon` };
    if (addon.abi !== NATIVE_ABI || addon.planVersion !== PLAN_VERSION)
      return {
        ok: false,
        reason: `${file} is stale (addon abi ${addon.abi}, plan version ${addon.planVersion}; expected ${NATIVE_ABI}, ${PLAN_VERSION}); run npm run build:native`,
      };
    const execute = (plan: WritePlan): Uint8Array => {
      try {
        return addon.execute(plan);
      } catch (e) {
        throw toPlanError(e);
      }
    };
    const executeAsync = (plan: WritePlan): Promise<Uint8Array> =>
      addon.executeAsync(plan).catch((e: unknown) => {
        throw toPlanError(e);
      });
    // The addon takes alignments up to 2^31 (all LLVM writes); beyond that the reference does.
    const mergeStrings = (buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number) =>
      alignLog2 <= 31 ? addon.mergeStrings(buffers, ranges, alignLog2) : mergeStringsTs(buffers, ranges, alignLog2);
    const exchangeFiles = typeof addon.exchangeFiles === 'function' ? addon.exchangeFiles : null;
    return { ok: true, execute, executeAsync, mergeStrings, decodeRelocs: addon.decodeRelocs, exchangeFiles, path: file };
  } catch (e) {
    return { ok: false, reason: `native backend failed to load: ${describe(e)}` };
  }
}

let cached: NativeLoadResult | undefined;

/** Loads the addon once (later calls return the same result). Never throws. */
export function loadNative(): NativeLoadResult {
  return (cached ??= load());
}
