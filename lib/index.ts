// weld's public API.

import { runLink, type LinkResult } from './link.js';
import { selectBackend } from './backend/index.js';

export { LinkError, type Diagnostic, type Severity } from './diag.js';
export type { LinkResult } from './link.js';

export interface LinkOptions {
  /** Directory relative paths in argv are resolved against (default: process.cwd()). */
  cwd?: string;
}

export interface LinkOutput {
  bytes: Uint8Array;
  warnings: string[];
}

function toOutput(r: LinkResult): LinkOutput {
  return { bytes: r.bytes, warnings: r.warnings };
}

/**
 * Links like wasm-ld: `argv` uses wasm-ld's argument syntax (without the program name). With
 * `-o` the output is also written (atomically). Failures throw a LinkError carrying every
 * diagnostic as data.
 */
export function linkSync(argv: readonly string[], opts: LinkOptions = {}): LinkOutput {
  return toOutput(runLink({ argv, cwd: opts.cwd ?? process.cwd(), requireOutput: false }));
}

/** The asynchronous form of linkSync. */
export async function link(argv: readonly string[], opts: LinkOptions = {}): Promise<LinkOutput> {
  return linkSync(argv, opts);
}

/** The WritePlan executor in use: 'native' (C++ addon) or 'ts'. */
export const backend: 'native' | 'ts' = selectBackend().name;
