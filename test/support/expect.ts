// Assertions shared by the differential tests. Kept apart from toolchain.ts, which the benchmark
// imports too (vitest's expect only works inside vitest).

import { expect } from 'vitest';
import { LinkError } from '../../lib/diag.js';
import { runLink } from '../../lib/link.js';
import { sectionDiff, wasmLdOutcome, type LinkOutcome } from './toolchain.js';

/** Links `argv` in `cwd` with wasm-ld 22 (YoWASP) and with weld's runLink. */
export async function linkBoth(argv: string[], cwd: string): Promise<{ lld: LinkOutcome; weld: LinkOutcome }> {
  const lld = await wasmLdOutcome(argv, cwd);
  let weld: LinkOutcome;
  try {
    const w = runLink({ argv, cwd, requireOutput: true });
    weld = { code: 0, messages: w.diagnostics.map((d) => `${d.severity}: ${d.message}`), bytes: w.bytes };
  } catch (e) {
    if (!(e instanceof LinkError)) throw e;
    weld = { code: 1, messages: e.diagnostics.map((d) => `${d.severity}: ${d.message}`) };
  }
  return { lld, weld };
}

/** weld's and wasm-ld's outcomes agree: the same diagnostics, exit status and, if any, module. */
export function expectSameLink(weld: LinkOutcome, lld: LinkOutcome): void {
  expect(weld.messages).toEqual(lld.messages);
  expect(weld.code).toBe(lld.code);
  if (lld.bytes) expect(sectionDiff(weld.bytes!, lld.bytes)).toEqual([]);
}
