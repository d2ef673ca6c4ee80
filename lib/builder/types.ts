// Public types of the module builder (see docs/builder.md).

/** A WebAssembly value type. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

/** A function signature. */
export interface FuncSig {
  params: readonly ValType[];
  results: readonly ValType[];
}

/** The relocation types the builder accepts (tool-conventions names). */
export const BUILDER_RELOC_TYPES = [
  'R_WASM_FUNCTION_INDEX_LEB',
  'R_WASM_FUNCTION_INDEX_I32',
  'R_WASM_TABLE_INDEX_SLEB',
  'R_WASM_TABLE_INDEX_I32',
  'R_WASM_TABLE_INDEX_SLEB64',
  'R_WASM_TABLE_INDEX_I64',
  'R_WASM_MEMORY_ADDR_LEB',
  'R_WASM_MEMORY_ADDR_SLEB',
  'R_WASM_MEMORY_ADDR_I32',
  'R_WASM_MEMORY_ADDR_LEB64',
  'R_WASM_MEMORY_ADDR_SLEB64',
  'R_WASM_MEMORY_ADDR_I64',
  'R_WASM_TYPE_INDEX_LEB',
  'R_WASM_GLOBAL_INDEX_LEB',
  'R_WASM_GLOBAL_INDEX_I32',
  'R_WASM_TABLE_NUMBER_LEB',
] as const;

export type RelocType = (typeof BUILDER_RELOC_TYPES)[number];

/**
 * A relocation inside a function body or a data atom. `offset` is relative to the bytes passed
 * to defineFunction/defineData (a function body without its size prefix). LEB/SLEB sites must be
 * padded to 5 bytes (10 for the 64-bit types). `symbol` is a symbol id (for
 * R_WASM_TYPE_INDEX_LEB: a type id from `typeIndex()`).
 */
export interface Reloc {
  type: RelocType;
  offset: number;
  symbol: number;
  /** Memory-address relocations only. */
  addend?: number;
}

export interface ModuleBuilderOptions {
  /** Module name of imports (the seed's host_name). Default "env". */
  hostModule?: string;
  /** Bytes of stack, a multiple of 16. Default 65536 (one page). */
  stackSize?: number;
  /** Given: data from there, then the stack. Absent: the stack first, then data. */
  globalBase?: number;
  /** Initial memory in bytes (a multiple of 65536). Default: what the module needs. */
  initialMemory?: number;
  /** Maximum memory in bytes (a multiple of 65536). Default: no maximum. */
  maxMemory?: number;
  /** Import the memory as `<hostModule>.memory`. */
  importMemory?: boolean;
  /** Export the memory as "memory". Default: true unless the memory is imported. */
  exportMemory?: boolean;
  /** Import the function table as `<hostModule>.__indirect_function_table`. */
  importTable?: boolean;
  /** Export the function table as "__indirect_function_table". */
  exportTable?: boolean;
  /** 64-bit memory (memory64): i64 addresses and stack pointer. */
  memory64?: boolean;
}

export interface DataOptions {
  /** Alignment in bytes, a power of two. Default 1. */
  align?: number;
  /**
   * The output segment the atom goes to (".data" by default for declareData, ".rodata" for
   * addLocalData). A ".bss" atom must be all zeros; its segment is only written when the
   * memory is imported.
   */
  section?: string;
}

export interface ImportOptions {
  /** Default: the builder's hostModule. */
  module?: string;
  /** Default: the symbol's name. */
  name?: string;
}

export interface GlobalOptions {
  type: 'i32' | 'i64' | 'f32' | 'f64';
  mutable?: boolean;
  /** Initial value (default 0); i64 accepts a bigint. */
  init?: number | bigint;
}

export type SymbolKind = 'function' | 'data' | 'global' | 'table';

/** Where a symbol landed in the last successful flush(). */
export interface SymbolInfo {
  id: number;
  name: string;
  kind: SymbolKind;
  defined: boolean;
  imported: boolean;
  /** Owner of a local data symbol. */
  owner?: number;
  functionIndex?: number;
  /** Slot in the indirect function table (functions whose address is taken). */
  tableIndex?: number;
  /** Address of a data symbol. */
  address?: number;
  size?: number;
  globalIndex?: number;
}

/** The memory layout of the last successful flush(). */
export interface MemoryLayout {
  /** Initial value of __stack_pointer (the top of the stack). */
  stackPointer: number;
  stackLow: number;
  stackHigh: number;
  dataStart: number;
  dataEnd: number;
  /** First byte after data and stack, 16-byte aligned. */
  heapBase: number;
  initialPages: number;
  maxPages?: number;
}

/** A bad call or an unlinkable state. The builder stays usable after one. */
export class BuilderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuilderError';
  }
}
