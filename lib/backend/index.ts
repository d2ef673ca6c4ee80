// Chooses the WritePlan executor. The native (C++) executor arrives with the addon; until it
// loads, every link runs on the TypeScript executor, which is the reference.

import type { WritePlan } from '../plan/types.js';
import { executeTs } from './ts.js';

export type BackendName = 'native' | 'ts';

export interface Backend {
  name: BackendName;
  execute(plan: WritePlan): Uint8Array;
  /** Why this backend was chosen (for --verbose). */
  reason: string;
}

const tsBackend: Backend = { name: 'ts', execute: executeTs, reason: 'TypeScript executor' };

export function selectBackend(): Backend {
  return tsBackend;
}
