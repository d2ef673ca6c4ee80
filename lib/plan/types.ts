// The WritePlan: the one contract between the TypeScript layout and the executors (TS and C++).
// It describes every byte of the output; an executor copies chunks and patches relocations and
// knows nothing about symbols. Version it when the layout of any array changes.
//
// Executors must treat the plan as untrusted: every index and range is checked, and a bad plan
// is an error with a message, never an out-of-bounds access.

export const PLAN_VERSION = 1;

/** Columns of `chunks` (Uint32Array, CHUNK_STRIDE entries per chunk). */
export const C_BUF = 0; // index into `buffers`
export const C_SRC = 1; // offset of the chunk's bytes in that buffer
export const C_LEN = 2; // number of bytes to copy
export const C_DST = 3; // offset in the output
export const C_FILE = 4; // index into `files` for relocations, or NO_FILE
export const C_RELOC_START = 5; // first relocation (index into the file's relocation arrays)
export const C_RELOC_END = 6; // one past the last relocation
export const C_INPUT_OFFSET = 7; // the chunk's offset inside its input section: relocation offsets are relative to that section
export const CHUNK_STRIDE = 8;
export const NO_FILE = 0xffffffff;

/** Per-symbol value slots (4 per symbol, in `symValue`/`symMode`). */
export const SLOT_PRIMARY = 0; // function index, address, tag index, table number, section offset
export const SLOT_TABLE = 1; // indirect function table index
export const SLOT_FUNC_OFFSET = 2; // offset of the function's code in the CODE section
export const SLOT_GLOBAL = 3; // global index (global symbols) or GOT global index (data/function)
export const SLOTS = 4;

/** How a slot turns into a value. */
export const MODE_VALUE = 0; // symValue + addend
export const MODE_ZERO = 1; // 0 (undefined data, null function pointer): the addend is ignored
export const MODE_DEAD = 2; // a GC'd symbol: the chunk's tombstone if it has one, else the addend
export const MODE_PIECES = 3; // merged strings: symValue indexes `pieces`; the addend is mapped through it

export interface PlanPieces {
  /** Start of each string piece in the input chunk (ascending). */
  inputStart: Uint32Array;
  /** Where each piece went, as an offset in the output section. */
  outputStart: Float64Array;
}

export interface PlanFile {
  /** The object's relocations (shared with the parsed input; never modified). */
  relocType: Uint8Array;
  relocOffset: Uint32Array;
  relocIndex: Uint32Array;
  relocAddend: Float64Array;
  /** SLOTS values per object symbol. */
  symValue: Float64Array;
  symMode: Uint8Array;
  /** Output type index per input type index (R_WASM_TYPE_INDEX_LEB). */
  typeMap: Int32Array;
  pieces: PlanPieces[];
}

export interface WritePlan {
  version: number;
  /** Output size in bytes. */
  size: number;
  /** buffers[0] holds the synthesized bytes; the others are input files (zero copy). */
  buffers: Uint8Array[];
  chunks: Uint32Array;
  /** Per chunk: the tombstone value for dead-symbol relocations (0 = none: use the addend). */
  chunkTombstone: Float64Array;
  /** Per chunk: the address of its first byte, for pointer-relative (LOCREL) relocations. */
  chunkVA: Float64Array;
  files: PlanFile[];
  /** --table-base, subtracted by TABLE_INDEX_REL relocations. */
  tableBase: number;
}

/** The slot a relocation type reads, or -1 for TYPE_INDEX (typeMap) and -2 for invalid types. */
export const RELOC_SLOT: readonly number[] = [
  SLOT_PRIMARY, // 0 FUNCTION_INDEX_LEB
  SLOT_TABLE, // 1 TABLE_INDEX_SLEB
  SLOT_TABLE, // 2 TABLE_INDEX_I32
  SLOT_PRIMARY, // 3 MEMORY_ADDR_LEB
  SLOT_PRIMARY, // 4 MEMORY_ADDR_SLEB
  SLOT_PRIMARY, // 5 MEMORY_ADDR_I32
  -1, // 6 TYPE_INDEX_LEB
  SLOT_GLOBAL, // 7 GLOBAL_INDEX_LEB
  SLOT_FUNC_OFFSET, // 8 FUNCTION_OFFSET_I32
  SLOT_PRIMARY, // 9 SECTION_OFFSET_I32
  SLOT_PRIMARY, // 10 TAG_INDEX_LEB
  SLOT_PRIMARY, // 11 MEMORY_ADDR_REL_SLEB
  SLOT_TABLE, // 12 TABLE_INDEX_REL_SLEB
  SLOT_GLOBAL, // 13 GLOBAL_INDEX_I32
  SLOT_PRIMARY, // 14 MEMORY_ADDR_LEB64
  SLOT_PRIMARY, // 15 MEMORY_ADDR_SLEB64
  SLOT_PRIMARY, // 16 MEMORY_ADDR_I64
  SLOT_PRIMARY, // 17 MEMORY_ADDR_REL_SLEB64
  SLOT_TABLE, // 18 TABLE_INDEX_SLEB64
  SLOT_TABLE, // 19 TABLE_INDEX_I64
  SLOT_PRIMARY, // 20 TABLE_NUMBER_LEB
  SLOT_PRIMARY, // 21 MEMORY_ADDR_TLS_SLEB
  SLOT_FUNC_OFFSET, // 22 FUNCTION_OFFSET_I64
  SLOT_PRIMARY, // 23 MEMORY_ADDR_LOCREL_I32
  SLOT_TABLE, // 24 TABLE_INDEX_REL_SLEB64
  SLOT_PRIMARY, // 25 MEMORY_ADDR_TLS_SLEB64
  SLOT_PRIMARY, // 26 FUNCTION_INDEX_I32
];

/** Encodings: how a relocation's value is written. */
export const ENC_ULEB5 = 0;
export const ENC_ULEB10 = 1;
export const ENC_SLEB5 = 2;
export const ENC_SLEB10 = 3;
export const ENC_I32 = 4;
export const ENC_I64 = 5;

export const RELOC_ENCODING: readonly number[] = [
  ENC_ULEB5, // 0
  ENC_SLEB5, // 1
  ENC_I32, // 2
  ENC_ULEB5, // 3
  ENC_SLEB5, // 4
  ENC_I32, // 5
  ENC_ULEB5, // 6
  ENC_ULEB5, // 7
  ENC_I32, // 8
  ENC_I32, // 9
  ENC_ULEB5, // 10
  ENC_SLEB5, // 11
  ENC_SLEB5, // 12
  ENC_I32, // 13
  ENC_ULEB10, // 14
  ENC_SLEB10, // 15
  ENC_I64, // 16
  ENC_SLEB10, // 17
  ENC_SLEB10, // 18
  ENC_I64, // 19
  ENC_ULEB5, // 20
  ENC_SLEB5, // 21
  ENC_I64, // 22
  ENC_I32, // 23
  ENC_SLEB10, // 24
  ENC_SLEB10, // 25
  ENC_I32, // 26
];

export const ENCODING_WIDTH = [5, 10, 5, 10, 4, 8];

/** Relocation types whose value is relative to --table-base. */
export function isTableRel(type: number): boolean {
  return type === 12 || type === 24;
}

/** Pointer-relative relocations: the location's own address is subtracted. */
export function isLocRel(type: number): boolean {
  return type === 23;
}
