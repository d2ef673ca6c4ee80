// Chooses the WritePlan executor: the native (C++) addon when it loads, else the TypeScript
// executor (the reference). WELD_BACKEND=native|ts|auto (default auto) overrides the choice;
// `native` fails loudly when the addon cannot load.

import type { DecodeRelocs } from '../input/object.js';
import type { WritePlan } from '../plan/types.js';
import { mergeStringsTs, type MergedStrings } from './merge.js';
import { loadNative } from './native.js';
import { executeTs } from './ts.js';

export type { MergedStrings } from './merge.js';
/** The string merger's signature (lib/backend/merge.ts). */
export type MergeStrings = (buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number) => MergedStrings | number;

export type BackendName = 'native' | 'ts';

export interface Backend {
  name: BackendName;
  execute(plan: WritePlan): Uint8Array;
  /** Executes off the calling thread when the backend can (the native one can). */
  executeAsync(plan: WritePlan): Promise<Uint8Array>;
  /** Merges string sections for the layout (mergeStringsTs is the reference). */
  mergeStrings: MergeStrings;
  /** Decodes relocation sections when parsing objects, or null for the reference alone. */
  decodeRelocs: DecodeRelocs | null;
  /** Why this backend was chosen (for --verbose). */
  reason: string;
}

export class BackendError extends Error {}

export function tsBackend(reason = 'TypeScript executor'): Backend {
  return { name: 'ts', execute: executeTs, executeAsync: async (p) => executeTs(p), mergeStrings: mergeStringsTs, decodeRelocs: null, reason };
}

export function nativeBackend(): Backend | { error: string } {
  const n = loadNative();
  if (!n.ok) return { error: n.reason };
  return { name: 'native', execute: n.execute, executeAsync: n.executeAsync, mergeStrings: n.mergeStrings, decodeRelocs: n.decodeRelocs, reason: `native addon ${n.path}` };
}

let chosen: Backend | undefined;

/** The backend for links that do not name one; throws BackendError for WELD_BACKEND=native without the addon. */
export function selectBackend(): Backend {
  if (chosen) return chosen;
  const want = process.env.WELD_BACKEND || 'auto';
  if (want !== 'auto' && want !== 'native' && want !== 'ts') throw new BackendError(`WELD_BACKEND must be native, ts or auto (got '${want}')`);
  if (want === 'ts') return (chosen = tsBackend('WELD_BACKEND=ts'));
  const n = nativeBackend();
  if ('error' in n) {
    if (want === 'native') throw new BackendError(`WELD_BACKEND=native, but the native backend cannot load: ${n.error}`);
    return (chosen = tsBackend(`native backend unavailable (${n.error}); using the TypeScript executor`));
  }
  return (chosen = n);
}

/** The name of the backend links use now ('ts' when WELD_BACKEND=native cannot be honoured). */
export function backendName(): BackendName {
  try {
    return selectBackend().name;
  } catch {
    return 'ts';
  }
}
