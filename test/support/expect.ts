// Assertions shared by the differential tests. Kept apart from toolchain.ts, which the benchmark
// imports too (vitest's expect only works inside vitest).

import { expect } from 'vitest';
import { sectionDiff, type LinkOutcome } from './toolchain.js';

/** weld's and wasm-ld's outcomes agree: the same diagnostics, exit status and, if any, module. */
export function expectSameLink(weld: LinkOutcome, lld: LinkOutcome): void {
  expect(weld.messages).toEqual(lld.messages);
  expect(weld.code).toBe(lld.code);
  if (lld.bytes) expect(sectionDiff(weld.bytes!, lld.bytes)).toEqual([]);
}
