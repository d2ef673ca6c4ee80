// weld's public API.

import { runLink, runLinkAsync } from './link.js';
import { backendName } from './backend/index.js';
import { overlayFs, toOutput, type LinkCallOptions, type LinkOutput } from './linker.js';

export { LinkError, type Diagnostic, type Severity } from './diag.js';
export { Linker, type LinkerOptions, type LinkCallOptions, type LinkOutput } from './linker.js';

export type LinkOptions = LinkCallOptions;

/**
 * Links like wasm-ld: `argv` uses wasm-ld's argument syntax (without the program name). With
 * `-o` the output is also written (atomically). Failures throw a LinkError carrying every
 * diagnostic as data.
 */
export function linkSync(argv: readonly string[], opts: LinkOptions = {}): LinkOutput {
  const cwd = opts.cwd ?? process.cwd();
  return toOutput(runLink({ argv, cwd, fs: overlayFs(cwd, opts.files), requireOutput: false }));
}

/** The asynchronous form of linkSync: with the native backend the plan executes off this thread. */
export async function link(argv: readonly string[], opts: LinkOptions = {}): Promise<LinkOutput> {
  const cwd = opts.cwd ?? process.cwd();
  return toOutput(await runLinkAsync({ argv, cwd, fs: overlayFs(cwd, opts.files), requireOutput: false }));
}

/** The WritePlan executor links use: 'native' (C++ addon) or 'ts'. */
export const backend: 'native' | 'ts' = backendName();
export { ModuleBuilder, BuilderError, BUILDER_RELOC_TYPES, CodeWriter, DataWriter } from './builder/index.js';
export type { DataOptions, FuncSig, GlobalOptions, ImportOptions, MemoryLayout, ModuleBuilderOptions, ObjectOptions, Reloc, RelocType, SymbolInfo, SymbolKind, ValType } from './builder/index.js';
