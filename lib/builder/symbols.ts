// Symbol-table constants and shared shapes of the module builder.

import * as W from '../input/wasm.js';

// Symbol kinds.
export const K_FUNC = 1;
export const K_DATA = 2;
export const K_GLOBAL = 3;
export const K_TABLE = 4;

// Symbol states.
export const S_FREE = 0;
export const S_LIVE = 1;
/** Freed while relocations still refer to it: the id is not reused yet. */
export const S_PENDING = 2;

// Symbol flags.
export const F_DEFINED = 1;
export const F_IMPORTED = 2;
export const F_LINKER = 4;
export const F_LOCAL = 8;
/** importFunction was given a module or a name. */
export const F_EXPLICIT_IMPORT = 16;

/** Linker-defined symbols at fixed ids. */
export const SYM_STACK_POINTER = 0;
export const SYM_TABLE = 1;
export const SYM_HEAP_BASE = 2;
export const SYM_DATA_END = 3;
export const FIRST_USER = 4;

export function isTableIndexReloc(t: number): boolean {
  return t === W.R_TABLE_INDEX_SLEB || t === W.R_TABLE_INDEX_I32 || t === W.R_TABLE_INDEX_SLEB64 || t === W.R_TABLE_INDEX_I64;
}

export function isBssName(name: string): boolean {
  return name === '.bss' || name.startsWith('.bss.');
}

/** An atom's relocations, sorted by offset. `target` is a symbol id (a type id for TYPE_INDEX). */
export interface AtomRelocs {
  type: Uint8Array;
  offset: Uint32Array;
  target: Uint32Array;
  addend: Float64Array;
}

/** An output data segment: atoms of one section name, in id order. */
export interface OutSegment {
  name: string;
  bss: boolean;
  /** False for a .bss segment when the memory is not imported (the runtime zeroes memory). */
  emitted: boolean;
  align: number;
  addr: number;
  size: number;
  atoms: number[];
}
