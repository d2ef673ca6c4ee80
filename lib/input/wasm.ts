// Constants of the wasm binary format and the tool-conventions linking format.

export const SEC_CUSTOM = 0;
export const SEC_TYPE = 1;
export const SEC_IMPORT = 2;
export const SEC_FUNCTION = 3;
export const SEC_TABLE = 4;
export const SEC_MEMORY = 5;
export const SEC_GLOBAL = 6;
export const SEC_EXPORT = 7;
export const SEC_START = 8;
export const SEC_ELEM = 9;
export const SEC_CODE = 10;
export const SEC_DATA = 11;
export const SEC_DATACOUNT = 12;
export const SEC_TAG = 13;

export const SECTION_NAMES = [
  'CUSTOM', 'TYPE', 'IMPORT', 'FUNCTION', 'TABLE', 'MEMORY', 'GLOBAL', 'EXPORT', 'START', 'ELEM', 'CODE', 'DATA',
  'DATACOUNT', 'TAG',
];

export const EXTERNAL_FUNCTION = 0;
export const EXTERNAL_TABLE = 1;
export const EXTERNAL_MEMORY = 2;
export const EXTERNAL_GLOBAL = 3;
export const EXTERNAL_TAG = 4;

export const TYPE_I32 = 0x7f;
export const TYPE_I64 = 0x7e;
export const TYPE_F32 = 0x7d;
export const TYPE_F64 = 0x7c;
export const TYPE_V128 = 0x7b;
export const TYPE_FUNCREF = 0x70;
export const TYPE_EXTERNREF = 0x6f;
export const TYPE_EXNREF = 0x69;

export const LIMITS_HAS_MAX = 0x1;
export const LIMITS_IS_SHARED = 0x2;
export const LIMITS_IS_64 = 0x4;
export const LIMITS_HAS_PAGE_SIZE = 0x8;

export const SYMTAB_FUNCTION = 0;
export const SYMTAB_DATA = 1;
export const SYMTAB_GLOBAL = 2;
export const SYMTAB_SECTION = 3;
export const SYMTAB_TAG = 4;
export const SYMTAB_TABLE = 5;
export const SYMTAB_KIND_NAMES = ['function', 'data', 'global', 'section', 'tag', 'table'];

export const SYM_BINDING_WEAK = 0x1;
export const SYM_BINDING_LOCAL = 0x2;
export const SYM_BINDING_MASK = 0x3;
export const SYM_VISIBILITY_HIDDEN = 0x4;
export const SYM_VISIBILITY_MASK = 0xc;
export const SYM_UNDEFINED = 0x10;
export const SYM_EXPORTED = 0x20;
export const SYM_EXPLICIT_NAME = 0x40;
export const SYM_NO_STRIP = 0x80;
export const SYM_TLS = 0x100;
export const SYM_ABSOLUTE = 0x200;

export const SEG_FLAG_STRINGS = 0x1;
export const SEG_FLAG_TLS = 0x2;
export const SEG_FLAG_RETAIN = 0x4;

/** Data segment header flag: passive (copied in by memory.init, not at instantiation). */
export const SEGMENT_IS_PASSIVE = 0x1;

/** The linking section's metadata version (WasmMetadataVersion). */
export const LINKING_VERSION = 2;
export const LINK_SEGMENT_INFO = 5;
export const LINK_INIT_FUNCS = 6;
export const LINK_COMDAT_INFO = 7;
export const LINK_SYMBOL_TABLE = 8;

export const COMDAT_DATA = 0;
export const COMDAT_FUNCTION = 1;
export const COMDAT_SECTION = 5;

export const OP_END = 0x0b;
export const OP_I32_CONST = 0x41;
export const OP_I64_CONST = 0x42;
export const OP_F32_CONST = 0x43;
export const OP_F64_CONST = 0x44;
export const OP_GLOBAL_GET = 0x23;
export const OP_REF_NULL = 0xd0;
export const OP_BLOCK = 0x02;
export const OP_BR = 0x0c;
export const OP_BR_TABLE = 0x0e;
export const OP_CALL = 0x10;
export const OP_DROP = 0x1a;
export const OP_LOCAL_GET = 0x20;
export const OP_LOCAL_SET = 0x21;
export const OP_LOCAL_TEE = 0x22;
export const OP_GLOBAL_SET = 0x24;
export const OP_I32_ADD = 0x6a;
export const OP_I64_ADD = 0x7c;
export const OP_I32_STORE = 0x36;
export const OP_I64_STORE = 0x37;
export const BLOCK_NORESULT = 0x40;
export const OP_MISC_PREFIX = 0xfc;
export const OP_MEMORY_INIT = 8;
export const OP_DATA_DROP = 9;
export const OP_MEMORY_FILL = 11;
export const OP_ATOMICS_PREFIX = 0xfe;
export const OP_ATOMIC_NOTIFY = 0x00;
export const OP_I32_ATOMIC_WAIT = 0x01;
export const OP_I32_ATOMIC_STORE = 0x17;
export const OP_I32_RMW_CMPXCHG = 0x48;

// Relocation types (WasmRelocs.def).
export const R_FUNCTION_INDEX_LEB = 0;
export const R_TABLE_INDEX_SLEB = 1;
export const R_TABLE_INDEX_I32 = 2;
export const R_MEMORY_ADDR_LEB = 3;
export const R_MEMORY_ADDR_SLEB = 4;
export const R_MEMORY_ADDR_I32 = 5;
export const R_TYPE_INDEX_LEB = 6;
export const R_GLOBAL_INDEX_LEB = 7;
export const R_FUNCTION_OFFSET_I32 = 8;
export const R_SECTION_OFFSET_I32 = 9;
export const R_TAG_INDEX_LEB = 10;
export const R_MEMORY_ADDR_REL_SLEB = 11;
export const R_TABLE_INDEX_REL_SLEB = 12;
export const R_GLOBAL_INDEX_I32 = 13;
export const R_MEMORY_ADDR_LEB64 = 14;
export const R_MEMORY_ADDR_SLEB64 = 15;
export const R_MEMORY_ADDR_I64 = 16;
export const R_MEMORY_ADDR_REL_SLEB64 = 17;
export const R_TABLE_INDEX_SLEB64 = 18;
export const R_TABLE_INDEX_I64 = 19;
export const R_TABLE_NUMBER_LEB = 20;
export const R_MEMORY_ADDR_TLS_SLEB = 21;
export const R_FUNCTION_OFFSET_I64 = 22;
export const R_MEMORY_ADDR_LOCREL_I32 = 23;
export const R_TABLE_INDEX_REL_SLEB64 = 24;
export const R_MEMORY_ADDR_TLS_SLEB64 = 25;
export const R_FUNCTION_INDEX_I32 = 26;
export const R_MEMORY_ADDR_LOCREL_I64 = 27;

export const RELOC_NAMES = [
  'R_WASM_FUNCTION_INDEX_LEB', 'R_WASM_TABLE_INDEX_SLEB', 'R_WASM_TABLE_INDEX_I32', 'R_WASM_MEMORY_ADDR_LEB',
  'R_WASM_MEMORY_ADDR_SLEB', 'R_WASM_MEMORY_ADDR_I32', 'R_WASM_TYPE_INDEX_LEB', 'R_WASM_GLOBAL_INDEX_LEB',
  'R_WASM_FUNCTION_OFFSET_I32', 'R_WASM_SECTION_OFFSET_I32', 'R_WASM_TAG_INDEX_LEB', 'R_WASM_MEMORY_ADDR_REL_SLEB',
  'R_WASM_TABLE_INDEX_REL_SLEB', 'R_WASM_GLOBAL_INDEX_I32', 'R_WASM_MEMORY_ADDR_LEB64', 'R_WASM_MEMORY_ADDR_SLEB64',
  'R_WASM_MEMORY_ADDR_I64', 'R_WASM_MEMORY_ADDR_REL_SLEB64', 'R_WASM_TABLE_INDEX_SLEB64', 'R_WASM_TABLE_INDEX_I64',
  'R_WASM_TABLE_NUMBER_LEB', 'R_WASM_MEMORY_ADDR_TLS_SLEB', 'R_WASM_FUNCTION_OFFSET_I64',
  'R_WASM_MEMORY_ADDR_LOCREL_I32', 'R_WASM_TABLE_INDEX_REL_SLEB64', 'R_WASM_MEMORY_ADDR_TLS_SLEB64',
  'R_WASM_FUNCTION_INDEX_I32', 'R_WASM_MEMORY_ADDR_LOCREL_I64',
];

/** Bytes a relocation patches (LEB/SLEB are padded to their maximal width). */
export const RELOC_WIDTH = [5, 5, 4, 5, 5, 4, 5, 5, 4, 4, 5, 5, 5, 4, 10, 10, 8, 10, 10, 8, 5, 5, 8, 4, 10, 10, 4, 8];

/** Whether the relocation carries an addend (relocTypeHasAddend). */
export function relocHasAddend(type: number): boolean {
  switch (type) {
    case R_MEMORY_ADDR_LEB:
    case R_MEMORY_ADDR_SLEB:
    case R_MEMORY_ADDR_I32:
    case R_MEMORY_ADDR_LEB64:
    case R_MEMORY_ADDR_SLEB64:
    case R_MEMORY_ADDR_I64:
    case R_FUNCTION_OFFSET_I32:
    case R_FUNCTION_OFFSET_I64:
    case R_SECTION_OFFSET_I32:
    case R_MEMORY_ADDR_REL_SLEB:
    case R_MEMORY_ADDR_REL_SLEB64:
    case R_MEMORY_ADDR_TLS_SLEB:
    case R_MEMORY_ADDR_TLS_SLEB64:
    case R_MEMORY_ADDR_LOCREL_I32:
    case R_MEMORY_ADDR_LOCREL_I64:
      return true;
    default:
      return false;
  }
}

export function relocIs64(type: number): boolean {
  switch (type) {
    case R_MEMORY_ADDR_LEB64:
    case R_MEMORY_ADDR_SLEB64:
    case R_MEMORY_ADDR_REL_SLEB64:
    case R_MEMORY_ADDR_I64:
    case R_TABLE_INDEX_SLEB64:
    case R_TABLE_INDEX_I64:
    case R_FUNCTION_OFFSET_I64:
    case R_TABLE_INDEX_REL_SLEB64:
    case R_MEMORY_ADDR_TLS_SLEB64:
      return true;
    default:
      return false;
  }
}

/** The symbol kind a relocation must name (-1: a type index, not a symbol). */
export function relocSymbolKind(type: number): number {
  switch (type) {
    case R_FUNCTION_INDEX_LEB:
    case R_FUNCTION_INDEX_I32:
    case R_TABLE_INDEX_SLEB:
    case R_TABLE_INDEX_I32:
    case R_TABLE_INDEX_SLEB64:
    case R_TABLE_INDEX_I64:
    case R_TABLE_INDEX_REL_SLEB:
    case R_TABLE_INDEX_REL_SLEB64:
    case R_FUNCTION_OFFSET_I32:
    case R_FUNCTION_OFFSET_I64:
      return SYMTAB_FUNCTION;
    case R_MEMORY_ADDR_LEB:
    case R_MEMORY_ADDR_SLEB:
    case R_MEMORY_ADDR_I32:
    case R_MEMORY_ADDR_LEB64:
    case R_MEMORY_ADDR_SLEB64:
    case R_MEMORY_ADDR_I64:
    case R_MEMORY_ADDR_REL_SLEB:
    case R_MEMORY_ADDR_REL_SLEB64:
    case R_MEMORY_ADDR_TLS_SLEB:
    case R_MEMORY_ADDR_TLS_SLEB64:
    case R_MEMORY_ADDR_LOCREL_I32:
      return SYMTAB_DATA;
    case R_GLOBAL_INDEX_LEB:
    case R_GLOBAL_INDEX_I32:
      return SYMTAB_GLOBAL;
    case R_SECTION_OFFSET_I32:
      return SYMTAB_SECTION;
    case R_TAG_INDEX_LEB:
      return SYMTAB_TAG;
    case R_TABLE_NUMBER_LEB:
      return SYMTAB_TABLE;
    default:
      return -1;
  }
}

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
export const PAGE_SIZE = 65536;
