// The module builder: weld's incremental linking API (see docs/builder.md).

export { ModuleBuilder } from './builder.js';
export { CodeWriter, DataWriter } from './code.js';
export type { ObjectOptions } from './object.js';
export {
  BUILDER_RELOC_TYPES,
  BuilderError,
  type DataOptions,
  type FuncSig,
  type GlobalOptions,
  type ImportOptions,
  type MemoryLayout,
  type ModuleBuilderOptions,
  type Reloc,
  type RelocType,
  type SymbolInfo,
  type SymbolKind,
  type ValType,
} from './types.js';
