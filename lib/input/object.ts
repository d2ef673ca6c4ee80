// Parses a relocatable wasm object (tool-conventions Linking.md, metadata version 2) into an
// immutable ObjectData: everything a link needs, relocations in typed arrays. ObjectData holds
// no per-link state, so a Linker can keep it and reuse it across links.

import { Reader, startsWithText, utf8Slice, type ReadContext } from './reader.js';
import { grown } from '../util/typed.js';
import * as W from './wasm.js';

const latin1 = new TextDecoder('latin1');

export interface FuncType {
  /** The type's encoding (0x60, params, results) as a latin1 string: identity for deduplication. */
  key: string;
  params: number[];
  results: number[];
}

export interface Limits {
  flags: number;
  min: number;
  max: number;
}

export interface GlobalType {
  valType: number;
  mutable: boolean;
}

export interface TableType {
  elemType: number;
  limits: Limits;
}

/** A constant expression; MVP ones are re-encoded the way LLVM does, extended ones copied. */
export interface InitExpr {
  opcode: number;
  /** i32/i64 constant, global index, or the raw bits of f32/f64 (as 2 uint32 for f64). */
  value: number;
  valueHi: number;
  /** An i64 constant outside ±2^53 (`value` is then 0). */
  big?: bigint;
  extended: boolean;
  /** Absolute byte range of the whole expression (including `end`). */
  start: number;
  end: number;
}

export interface ObjImport {
  module: string;
  field: string;
  kind: number;
  typeIndex: number;
  global?: GlobalType;
  table?: TableType;
  memory?: Limits;
}

export interface ObjGlobal {
  type: GlobalType;
  init: InitExpr;
}

export interface CustomSection {
  name: string;
  /** Index of the section in the module. */
  index: number;
  /** Absolute offset of the contents after the name. */
  start: number;
  size: number;
  comdat: number;
  /** Reloc range in the object's reloc arrays. */
  relocStart: number;
  relocEnd: number;
}


export interface Comdat {
  name: string;
}

export interface InitFunc {
  priority: number;
  symbol: number;
}

export interface ProducerField {
  name: string;
  values: [string, string][];
}

export interface ObjectData {
  /** Display name as wasm-ld prints it: "foo.o" or "libfoo.a(foo.o)". */
  name: string;
  buf: Uint8Array;
  /** Offset of the object inside buf (non-zero for archive members). */
  base: number;
  types: FuncType[];
  imports: ObjImport[];
  numImportedFunctions: number;
  numImportedGlobals: number;
  numImportedTables: number;
  numImportedTags: number;
  funcImports: number[];
  globalImports: number[];
  tableImports: number[];
  tagImports: number[];
  /** Type index of each defined function. */
  funcTypes: Uint32Array;
  /** Absolute start of the CODE section contents (after id and size). */
  codeStart: number;
  /** Offset of each function (at its size LEB) in the CODE contents. */
  funcOffset: Uint32Array;
  /** Size of each function including its size LEB. */
  funcSize: Uint32Array;
  /** Length of each function's size LEB (FUNCTION_OFFSET relocations are relative to what follows). */
  funcCodeOffset: Uint8Array;
  funcComdat: Int32Array;
  /** Symbol name of the first symbol that defines each function ("" if none). */
  funcSymbolName: string[];
  funcDebugName: (string | undefined)[];
  funcExportName: (string | undefined)[];
  tables: TableType[];
  memories: Limits[];
  globals: ObjGlobal[];
  globalSymbolName: string[];
  tagTypes: number[];
  /**
   * Data segments, as columns (objects built with -fdata-sections have thousands: no object
   * each). segDataStart is the offset of a segment's bytes from the object's start (`base`; not
   * absolute: an archive member may lie beyond 4 GiB of its buffer), segSectionOffset their
   * offset inside the DATA section's contents (relocation offsets are relative to it).
   */
  segDataStart: Uint32Array;
  segSize: Uint32Array;
  segSectionOffset: Uint32Array;
  /** From the linking section's segment info: log2 alignment, flags and name. */
  segAlignment: Uint8Array;
  segLinkingFlags: Uint32Array;
  /**
   * Segment names, decoded when first asked for (segmentName): a fresh link needs few of the
   * thousands, as most are classified by segPrefix. segNameAt is relative to `base`.
   */
  segNameAt: Uint32Array;
  segNameLen: Uint32Array;
  segName: string[];
  /** SEG_PREFIX_* of each segment's name, read off its bytes. */
  segPrefix: Uint8Array;
  /** Comdat index, or -1. */
  segComdat: Int32Array;
  customSections: CustomSection[];
  /**
   * The symbol table, as columns: objects hold tens of thousands of symbols per link, which as
   * objects were megabytes for the garbage collector to copy (a cache keeps them). An undefined
   * symbol's import module and name are its import's (symImport).
   */
  symKind: Uint8Array;
  symFlags: Uint32Array;
  /** Element index (function/global/tag/table), segment index (data) or section index (section). */
  symIndex: Uint32Array;
  /** Data symbols: offset in the segment, and size. */
  symOffset: Float64Array;
  symSize: Float64Array;
  /**
   * Names, but undefined for a local data symbol's until symbolName decodes it (from
   * symNameAt/symNameLen, relative to `base`): most are only named by relocations, which need
   * no name, and there are thousands (string literals).
   */
  symName: (string | undefined)[];
  symNameAt: Uint32Array;
  symNameLen: Uint32Array;
  initFuncs: InitFunc[];
  comdats: Comdat[];
  /** Relocations of the whole object; CODE ones come first, sorted by offset per section. */
  relocType: Uint8Array;
  relocOffset: Uint32Array;
  relocIndex: Uint32Array;
  relocAddend: Float64Array;
  codeRelocStart: number;
  codeRelocEnd: number;
  dataRelocStart: number;
  dataRelocEnd: number;
  /** "Called directly" (target of a FUNCTION_INDEX_LEB anywhere): per symbol. */
  calledDirectly: Uint8Array;
  /**
   * Not parsed: --gc-sections' memo of each chunk's distinct relocation targets, derived from
   * the relocations on first use and kept with the cached object (gc/index.ts chunkRefs).
   */
  liveRefs: Uint32Array | null;
  /**
   * Not parsed: each function's, data segment's and custom section's relocations, as [start, end) pairs into the
   * relocation columns, derived on first use (resolve/file.ts relocRanges) and kept with the
   * cached object.
   */
  funcRelocs: Uint32Array | null;
  segRelocs: Uint32Array | null;
  customRelocs: Uint32Array | null;
  /** Not parsed: the custom sections that may be copied to the output (layout/writer.ts). */
  copiedCustom: Int32Array | null;
  /**
   * Not parsed: the relocation scan's memo (layout/writer.ts scanList): the indices of the
   * relocations it acts on without per-symbol checks, and per relocation how many precede it.
   */
  scanList: Uint32Array | null;
  scanBefore: Uint32Array | null;
  /** With scanList: the functions, segments and custom sections that have any of those. */
  scanChunks: { functions: Int32Array; segments: Int32Array; custom: Int32Array } | null;
  /** Not parsed: `features` as small integers, made on first use (layout/writer.ts featureIds). */
  featureIds: Int32Array | null;
  features: { prefix: number; name: string }[];
  producers: ProducerField[];
  hasLinking: boolean;
  isShared: boolean;
  /** The export section (shared libraries' symbols come from it). */
  exports: { name: string; kind: number; index: number }[];
  is64: boolean;
  totalSize: number;
}

interface RawReloc {
  target: number;
  count: number;
  at: number;
  sub: Reader;
}

function readValType(r: Reader): number {
  const at = r.pos;
  const t = r.u8();
  switch (t) {
    case W.TYPE_I32:
    case W.TYPE_I64:
    case W.TYPE_F32:
    case W.TYPE_F64:
    case W.TYPE_V128:
    case W.TYPE_FUNCREF:
    case W.TYPE_EXTERNREF:
    case W.TYPE_EXNREF:
      return t;
    default:
      return r.fail(`file has unmodeled reference or GC types (value type 0x${t.toString(16)})`, at);
  }
}

function readLimits(r: Reader): Limits {
  const flags = r.uleb32();
  const is64 = (flags & W.LIMITS_IS_64) !== 0;
  const min = is64 ? r.uleb64() : r.uleb32();
  let max = 0;
  if (flags & W.LIMITS_HAS_MAX) max = is64 ? r.uleb64() : r.uleb32();
  if (flags & W.LIMITS_HAS_PAGE_SIZE) r.uleb32();
  return { flags, min, max };
}

function readTableType(r: Reader): TableType {
  const elemType = readValType(r);
  if (elemType !== W.TYPE_FUNCREF && elemType !== W.TYPE_EXTERNREF && elemType !== W.TYPE_EXNREF)
    r.fail('invalid table element type');
  return { elemType, limits: readLimits(r) };
}

/** LLVM readVarint64: any int64 (i64 globals may hold constants beyond 2^53). */
function readVarint64(r: Reader): number | bigint {
  const start = r.pos;
  let len = 0;
  while (r.u8() & 0x80) if (++len >= 10) r.fail('malformed sleb128: too long', start);
  r.pos = start;
  if (len < 7) return r.sleb(64); // up to 7 bytes carry 49 bits: exact as a number
  let v = 0n;
  let shift = 0n;
  let byte: number;
  do {
    byte = r.u8();
    v |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  if (byte & 0x40) v -= 1n << shift;
  v = BigInt.asIntN(64, v);
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function readInitExpr(r: Reader): InitExpr {
  const start = r.pos;
  const opcode = r.u8();
  let value = 0;
  let valueHi = 0;
  let big: bigint | undefined;
  switch (opcode) {
    case W.OP_I32_CONST:
      value = r.sleb(32);
      break;
    case W.OP_I64_CONST: {
      const v = readVarint64(r);
      if (typeof v === 'bigint') big = v;
      else value = v;
      break;
    }
    case W.OP_F32_CONST:
      value = r.u32le();
      break;
    case W.OP_F64_CONST:
      value = r.u32le();
      valueHi = r.u32le();
      break;
    case W.OP_GLOBAL_GET:
      value = r.uleb32();
      break;
    case W.OP_REF_NULL:
      value = readValType(r);
      break;
    default:
      r.pos = start;
      return readExtendedInitExpr(r, start);
  }
  if (r.u8() !== W.OP_END) {
    r.pos = start;
    return readExtendedInitExpr(r, start);
  }
  return { opcode, value, valueHi, big, extended: false, start, end: r.pos };
}

/**
 * readInitExpr without the result, for data segment offsets (an object's are never used): a
 * segment per string or variable made an InitExpr each, megabytes per large link.
 */
function skipInitExpr(r: Reader): void {
  const start = r.pos;
  switch (r.u8()) {
    case W.OP_I32_CONST:
      r.sleb(32);
      break;
    case W.OP_GLOBAL_GET:
      r.uleb32();
      break;
    default:
      r.pos = start;
      readInitExpr(r);
      return;
  }
  if (r.u8() !== W.OP_END) {
    r.pos = start;
    readInitExpr(r);
  }
}

/** Skips one LEB128 (LLVM's readULEB128: at most 10 bytes). */
function skipLeb(r: Reader): void {
  const start = r.pos;
  while (r.u8() & 0x80) if (r.pos - start >= 10) r.fail('malformed uleb128: too long', start);
}

/**
 * LLVM's readInitExpr, extended form: one flat opcode switch (the GC opcodes after their 0xfb
 * prefix share it). Element segments with expressions (ref.func, ref.null: wabt writes them for
 * `(elem declare funcref (ref.func $f))`) and extended-const globals parse here.
 */
function readExtendedInitExpr(r: Reader, start: number): InitExpr {
  for (;;) {
    const at = r.pos;
    const op = r.u8();
    switch (op) {
      case W.OP_I32_CONST:
      case W.OP_GLOBAL_GET:
      case W.OP_REF_NULL:
      case 0xd2: // ref.func
      case W.OP_I64_CONST:
      case 0x00: // struct.new (after the 0xfb prefix): heap type
      case 0x01: // struct.new_default
      case 0x06: // array.new
      case 0x07: // array.new_default
        skipLeb(r);
        break;
      case 0x08: // array.new_fixed: heap type, size
        skipLeb(r);
        skipLeb(r);
        break;
      case W.OP_F32_CONST:
        r.skip(4);
        break;
      case W.OP_F64_CONST:
        r.skip(8);
        break;
      case 0x6a: // i32.add
      case 0x6b: // i32.sub
      case 0x6c: // i32.mul
      case 0x7c: // i64.add
      case 0x7d: // i64.sub
      case 0x7e: // i64.mul
      case 0xfb: // GC prefix
      case 0x1c: // ref.i31 (after the prefix)
        break;
      case W.OP_END:
        return { opcode: 0, value: 0, valueHi: 0, extended: true, start, end: r.pos };
      default:
        r.fail(`invalid opcode in init_expr: ${op}`, at);
    }
  }
}

/** Skips an object's sections to its "linking" custom section; undefined if there is none. */
function findLinking(buf: Uint8Array, start: number, end: number, ctx: ReadContext): Reader | undefined {
  const r = new Reader(buf, start + 8, end, start, ctx);
  while (!r.atEnd) {
    const id = r.u8();
    const size = r.uleb32();
    const at = r.skip(size);
    if (id !== W.SEC_CUSTOM) continue;
    // A custom section's name, compared in place: an archive index scans every member this way,
    // and most sections are not the one. A name that is not a one-byte length and its bytes
    // inside the section is read by the Reader (which words the error, if any).
    const n = buf[at];
    if (size > 0 && n < 0x80 && n + 1 <= size) {
      let same = n === LINKING.length;
      for (let i = 0; same && i < n; i++) same = buf[at + 1 + i] === LINKING[i];
      if (same) return new Reader(buf, at + 1 + n, at + size, start, ctx);
      continue;
    }
    const body = new Reader(buf, at, at + size, start, ctx);
    if (body.rawStr() === 'linking') return body;
  }
  return undefined;
}

const LINKING = new TextEncoder().encode('linking');

/**
 * The names of the defined, non-local symbols of an object: what an archive member offers
 * before it is extracted. Reads only the linking section's symbol table.
 */
export function scanDefinedSymbols(buf: Uint8Array, start: number, end: number, ctx: ReadContext): string[] {
  const out: string[] = [];
  const link = findLinking(buf, start, end, { ...ctx, section: 'linking' });
  if (!link) return out;
  link.uleb32(); // version: checked when the member is parsed for real
  while (!link.atEnd) {
    const type = link.u8();
    const len = link.uleb32();
    const sub = link.sub(len);
    if (type !== W.LINK_SYMBOL_TABLE) continue;
    const count = sub.count('symbol');
    for (let i = 0; i < count; i++) {
      const kind = sub.u8();
      const flags = sub.uleb32();
      const defined = (flags & W.SYM_UNDEFINED) === 0;
      // Only defined non-local names are offered: the others are skipped undecoded.
      const wanted = defined && (flags & W.SYM_BINDING_MASK) !== W.SYM_BINDING_LOCAL;
      let name: string | undefined;
      switch (kind) {
        case W.SYMTAB_FUNCTION:
        case W.SYMTAB_GLOBAL:
        case W.SYMTAB_TAG:
        case W.SYMTAB_TABLE:
          sub.uleb32();
          if (defined || flags & W.SYM_EXPLICIT_NAME) {
            if (wanted) name = sub.str();
            else sub.skipStr();
          }
          break;
        case W.SYMTAB_DATA:
          if (wanted) name = sub.str();
          else sub.skipStr();
          if (defined) {
            sub.uleb32();
            sub.uleb64();
            sub.uleb64();
          }
          break;
        case W.SYMTAB_SECTION:
          sub.uleb32();
          break;
        default:
          sub.fail(`invalid symbol type: ${kind}`);
      }
      if (name !== undefined) out.push(name);
    }
  }
  return out;
}

export function isWasmObject(buf: Uint8Array, start: number, end: number): boolean {
  return end - start >= 4 && buf[start] === 0 && buf[start + 1] === 0x61 && buf[start + 2] === 0x73 && buf[start + 3] === 0x6d;
}

/** Parses and validates an object. Throws InputError on anything malformed. */
export function parseObject(buf: Uint8Array, start: number, end: number, ctx: ReadContext, displayName: string, decoder?: RelocDecoder): ObjectData {
  const r = new Reader(buf, start, end, start, ctx);
  if (end - start < 8) r.fail('file too small to be a wasm object');
  for (let i = 0; i < 4; i++) if (buf[start + i] !== W.WASM_MAGIC[i]) r.fail('not a wasm file (bad magic)', start);
  r.pos = start + 4;
  const version = r.u32le();
  if (version !== 1) r.fail(`invalid version number: ${version}`, start + 4);

  const o: ObjectData = {
    name: displayName,
    buf,
    base: start,
    types: [],
    imports: [],
    numImportedFunctions: 0,
    numImportedGlobals: 0,
    numImportedTables: 0,
    numImportedTags: 0,
    funcImports: [],
    globalImports: [],
    tableImports: [],
    tagImports: [],
    funcTypes: new Uint32Array(0),
    codeStart: 0,
    funcOffset: new Uint32Array(0),
    funcSize: new Uint32Array(0),
    funcCodeOffset: new Uint8Array(0),
    funcComdat: new Int32Array(0),
    funcSymbolName: [],
    funcDebugName: [],
    funcExportName: [],
    tables: [],
    memories: [],
    globals: [],
    globalSymbolName: [],
    tagTypes: [],
    segDataStart: new Uint32Array(0),
    segSize: new Uint32Array(0),
    segSectionOffset: new Uint32Array(0),
    segAlignment: new Uint8Array(0),
    segLinkingFlags: new Uint32Array(0),
    segNameAt: new Uint32Array(0),
    segNameLen: new Uint32Array(0),
    segName: [],
    segPrefix: new Uint8Array(0),
    segComdat: new Int32Array(0),
    customSections: [],
    symKind: new Uint8Array(0),
    symFlags: new Uint32Array(0),
    symIndex: new Uint32Array(0),
    symOffset: new Float64Array(0),
    symSize: new Float64Array(0),
    symName: [],
    symNameAt: new Uint32Array(0),
    symNameLen: new Uint32Array(0),
    initFuncs: [],
    comdats: [],
    relocType: new Uint8Array(0),
    relocOffset: new Uint32Array(0),
    relocIndex: new Uint32Array(0),
    relocAddend: new Float64Array(0),
    codeRelocStart: 0,
    codeRelocEnd: 0,
    dataRelocStart: 0,
    dataRelocEnd: 0,
    calledDirectly: new Uint8Array(0),
    liveRefs: null,
    funcRelocs: null,
    segRelocs: null,
    customRelocs: null,
    copiedCustom: null,
    scanList: null,
    scanBefore: null,
    scanChunks: null,
    featureIds: null,
    features: [],
    producers: [],
    hasLinking: false,
    isShared: false,
    exports: [],
    is64: false,
    totalSize: end - start,
  };

  // Section bookkeeping: id and content range per section index.
  const secIds: number[] = [];
  const secStarts: number[] = [];
  const secSizes: number[] = [];
  const secNames: string[] = [];
  const relocSecs: RawReloc[] = [];
  const sectionComdats: [number, number][] = [];
  let codeIndex = -1;
  let dataIndex = -1;
  let dataCount = -1;
  let lastRank = 0;
  let sawReloc = false;
  let funcCount = 0;
  let sawFunctionSection = false;

  while (!r.atEnd) {
    const headerAt = r.pos;
    r.ctx = ctx;
    const id = r.u8();
    const size = r.uleb32();
    const body = r.sub(size);
    const index = secIds.length;
    if (id > W.SEC_TAG) r.fail(`invalid section type: ${id}`, headerAt);
    let name = W.SECTION_NAMES[id];
    body.ctx = { ...ctx, section: name };
    if (id === W.SEC_CUSTOM) {
      name = body.str();
      body.ctx = { ...ctx, section: name };
    }
    // LLVM's WasmSectionOrderChecker (before the section's contents are parsed): the known
    // sections and the custom sections it knows come in one order, each at most once, except
    // reloc.* sections, which may come anywhere but never before a section of rank <= linking.
    const rank = sectionRank(id, name);
    if (rank === RANK_RELOC) sawReloc = true;
    else if (rank !== RANK_NONE) {
      if (rank <= lastRank || (sawReloc && rank <= RANK_LINKING)) r.fail(`out of order section type: ${id}`, headerAt);
      lastRank = rank;
    }
    secIds.push(id);
    secStarts.push(body.pos);
    secSizes.push(body.end - body.pos);
    secNames.push(name);

    switch (id) {
      case W.SEC_TYPE: {
        const n = body.count('type');
        for (let i = 0; i < n; i++) {
          const at = body.pos;
          const form = body.u8();
          if (form !== 0x60) body.fail(`file has unmodeled reference or GC types (type form 0x${form.toString(16)})`, at);
          const params: number[] = [];
          const np = body.count('param');
          for (let j = 0; j < np; j++) params.push(readValType(body));
          const results: number[] = [];
          const nr = body.count('result');
          for (let j = 0; j < nr; j++) results.push(readValType(body));
          o.types.push({ key: latin1.decode(buf.subarray(at, body.pos)), params, results });
        }
        break;
      }
      case W.SEC_IMPORT: {
        const n = body.count('import');
        for (let i = 0; i < n; i++) {
          const module = body.str();
          const field = body.str();
          const at = body.pos;
          const kind = body.u8();
          const imp: ObjImport = { module, field, kind, typeIndex: 0 };
          switch (kind) {
            case W.EXTERNAL_FUNCTION:
              imp.typeIndex = body.uleb32();
              if (imp.typeIndex >= o.types.length) body.fail(`invalid function type index ${imp.typeIndex}`, at);
              o.funcImports.push(o.imports.length);
              break;
            case W.EXTERNAL_GLOBAL: {
              const valType = readValType(body);
              const mut = body.u8();
              if (mut > 1) body.fail('invalid global mutability', at);
              imp.global = { valType, mutable: mut === 1 };
              o.globalImports.push(o.imports.length);
              break;
            }
            case W.EXTERNAL_MEMORY:
              imp.memory = readLimits(body);
              if (imp.memory.flags & W.LIMITS_IS_64) o.is64 = true;
              break;
            case W.EXTERNAL_TABLE:
              imp.table = readTableType(body);
              o.tableImports.push(o.imports.length);
              break;
            case W.EXTERNAL_TAG: {
              if (body.u8() !== 0) body.fail('invalid tag attribute', at);
              imp.typeIndex = body.uleb32();
              if (imp.typeIndex >= o.types.length) body.fail(`invalid tag type index ${imp.typeIndex}`, at);
              o.tagImports.push(o.imports.length);
              break;
            }
            default:
              body.fail(`unexpected import kind: ${kind}`, at);
          }
          o.imports.push(imp);
        }
        o.numImportedFunctions = o.funcImports.length;
        o.numImportedGlobals = o.globalImports.length;
        o.numImportedTables = o.tableImports.length;
        o.numImportedTags = o.tagImports.length;
        break;
      }
      case W.SEC_FUNCTION: {
        sawFunctionSection = true;
        funcCount = body.count('function');
        o.funcTypes = new Uint32Array(funcCount);
        for (let i = 0; i < funcCount; i++) {
          const at = body.pos;
          const t = body.uleb32();
          if (t >= o.types.length) body.fail(`invalid function type index ${t}`, at);
          o.funcTypes[i] = t;
        }
        o.funcSymbolName = new Array<string>(funcCount).fill('');
        o.funcDebugName = new Array(funcCount);
        o.funcExportName = new Array(funcCount);
        o.funcComdat = new Int32Array(funcCount).fill(-1);
        break;
      }
      case W.SEC_TABLE: {
        const n = body.count('table');
        for (let i = 0; i < n; i++) o.tables.push(readTableType(body));
        break;
      }
      case W.SEC_MEMORY: {
        const n = body.count('memory');
        for (let i = 0; i < n; i++) {
          const lim = readLimits(body);
          if (lim.flags & W.LIMITS_IS_64) o.is64 = true;
          o.memories.push(lim);
        }
        break;
      }
      case W.SEC_TAG: {
        const n = body.count('tag');
        for (let i = 0; i < n; i++) {
          const at = body.pos;
          if (body.u8() !== 0) body.fail('invalid tag attribute', at);
          const t = body.uleb32();
          if (t >= o.types.length) body.fail(`invalid tag type index ${t}`, at);
          o.tagTypes.push(t);
        }
        break;
      }
      case W.SEC_GLOBAL: {
        const n = body.count('global');
        for (let i = 0; i < n; i++) {
          const valType = readValType(body);
          const at = body.pos;
          const mut = body.u8();
          if (mut > 1) body.fail('invalid global mutability', at);
          o.globals.push({ type: { valType, mutable: mut === 1 }, init: readInitExpr(body) });
        }
        o.globalSymbolName = new Array<string>(n).fill('');
        break;
      }
      case W.SEC_EXPORT: {
        const n = body.count('export');
        for (let i = 0; i < n; i++) {
          const name = body.str();
          const at = body.pos;
          const kind = body.u8();
          const idx = body.uleb32();
          o.exports.push({ name, kind, index: idx });
          if (kind === W.EXTERNAL_FUNCTION) {
            const local = idx - o.numImportedFunctions;
            if (local < 0 || local >= funcCount) body.fail(`invalid function export index ${idx}`, at);
            o.funcExportName[local] = name;
          } else if (kind > W.EXTERNAL_TAG) {
            body.fail(`unexpected export kind: ${kind}`, at);
          }
        }
        break;
      }
      case W.SEC_START:
        body.uleb32();
        break;
      case W.SEC_ELEM:
        readElemSection(body);
        break;
      case W.SEC_DATACOUNT:
        dataCount = body.uleb32();
        break;
      case W.SEC_CODE: {
        codeIndex = index;
        o.codeStart = body.pos;
        const at = body.pos;
        const n = body.count('function body');
        if (n !== funcCount || (!sawFunctionSection && n)) body.fail('function and code section have inconsistent lengths', at);
        o.funcOffset = new Uint32Array(n);
        o.funcSize = new Uint32Array(n);
        o.funcCodeOffset = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          const fstart = body.pos;
          const size = body.uleb32();
          if (size === 0) body.fail('function body is empty', fstart);
          const codeOffset = body.pos - fstart;
          // The local declarations must fit in the body (LLVM reads them; the rest is opaque).
          const bodyStart = body.pos;
          for (let decls = body.uleb32(); decls > 0 && body.pos - bodyStart <= size; decls--) {
            body.uleb32();
            body.u8();
          }
          if (body.pos - bodyStart > size) body.fail('Function extends beyond buffer', fstart);
          body.pos = bodyStart;
          body.skip(size);
          o.funcOffset[i] = fstart - o.codeStart;
          o.funcSize[i] = size + codeOffset;
          o.funcCodeOffset[i] = codeOffset;
        }
        if (!body.atEnd) body.fail('code section ended prematurely', body.pos);
        break;
      }
      case W.SEC_DATA: {
        dataIndex = index;
        const secStart = body.pos;
        const n = body.count('data segment');
        if (dataCount >= 0 && n !== dataCount) body.fail('data segments count mismatch', secStart);
        // One DATA section per object (the section order check refuses a second).
        const dataStarts = (o.segDataStart = new Uint32Array(n));
        const sizes = (o.segSize = new Uint32Array(n));
        const sectionOffsets = (o.segSectionOffset = new Uint32Array(n));
        o.segAlignment = new Uint8Array(n);
        o.segLinkingFlags = new Uint32Array(n);
        o.segNameAt = new Uint32Array(n);
        o.segNameLen = new Uint32Array(n);
        o.segPrefix = new Uint8Array(n);
        o.segComdat = new Int32Array(n).fill(-1);
        for (let i = 0; i < n; i++) {
          const at = body.pos;
          const flags = body.uleb32();
          if (flags > 2) body.fail(`invalid data segment flags: ${flags}`, at);
          if (flags === 2) body.uleb32(); // memory index
          if ((flags & 1) === 0) skipInitExpr(body);
          const size = body.uleb32();
          const dataStart = body.skip(size);
          dataStarts[i] = dataStart - o.base;
          sizes[i] = size;
          sectionOffsets[i] = dataStart - secStart;
        }
        if (!body.atEnd) body.fail('data section ended prematurely', body.pos);
        break;
      }
      case W.SEC_CUSTOM: {
        if (name === 'linking') {
          parseLinking(body, o, secIds, secNames, sectionComdats);
        } else if (name.startsWith('reloc.')) {
          const at = body.pos;
          const target = body.uleb32();
          if (target >= secIds.length - 1) body.fail(`invalid section index ${target}`, at);
          // Any earlier section may have relocations (LLVM's reader takes them all; wabt writes
          // reloc.Global and reloc.Elem): readRelocations keeps those of code, data and custom
          // sections and, like lld, only checks the others.
          const count = body.count('relocation');
          relocSecs.push({ target, count, at, sub: body });
        } else if (name === 'dylink' || name === 'dylink.0') {
          o.isShared = true;
        } else if (name === 'producers') {
          parseProducers(body, o);
        } else if (name === 'target_features') {
          parseFeatures(body, o);
        } else if (name === 'name') {
          parseNames(body, o);
        }
        // Contents start after the name (secStarts was taken after reading it).
        o.customSections.push({ name, index, start: secStarts[index], size: secSizes[index], comdat: -1, relocStart: 0, relocEnd: 0 });
        break;
      }
    }
    if (id !== W.SEC_CUSTOM && !body.atEnd)
      body.fail('section size mismatch: bytes left over', body.pos);
  }

  if (funcCount && codeIndex < 0) r.fail('function section without code section');
  if (dataCount > 0 && dataIndex < 0) r.fail('data count section without data section');

  readRelocations(o, relocSecs, secIds, secSizes, codeIndex, dataIndex, decoder);
  for (const [idx, c] of sectionComdats) {
    const cs = o.customSections.find((s) => s.index === idx);
    if (cs) cs.comdat = c;
  }
  return o;
}

const RANK_NONE = 0;
const RANK_RELOC = -1;
const RANK_LINKING = 15;
/**
 * Known section id (0..13) -> rank in LLVM's order: type 2, import 3, function 4, table 5,
 * memory 6, tag 7, global 8, export 9, start 10, elem 11, datacount 12, code 13, data 14.
 */
const KNOWN_SECTION_RANK = [RANK_NONE, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13, 14, 12, 7];

/**
 * A section's place in LLVM's WasmSectionOrderChecker order: dylink(.0) < type < import <
 * function < table < memory < tag < global < export < start < elem < datacount < code < data <
 * linking < name < producers < target_features; reloc.* is RANK_RELOC; other custom sections
 * are unordered (RANK_NONE).
 */
function sectionRank(id: number, name: string): number {
  if (id !== W.SEC_CUSTOM) return KNOWN_SECTION_RANK[id];
  switch (name) {
    case 'dylink':
    case 'dylink.0':
      return 1;
    case 'linking':
      return RANK_LINKING;
    case 'name':
      return 16;
    case 'producers':
      return 17;
    case 'target_features':
      return 18;
    default:
      return name.startsWith('reloc.') ? RANK_RELOC : RANK_NONE;
  }
}

function readElemSection(r: Reader): void {
  const n = r.count('element segment');
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const flags = r.uleb32();
    if (flags > 7) r.fail(`unsupported element segment flags: ${flags}`, at);
    if ((flags & 1) === 0) {
      if (flags & 2) r.uleb32();
      readInitExpr(r);
    }
    const usesExprs = (flags & 4) !== 0;
    if (flags & 3) {
      if (usesExprs) readValType(r);
      else if (r.u8() !== 0) r.fail('invalid element kind', at);
    }
    const count = r.count('element');
    for (let j = 0; j < count; j++) {
      if (usesExprs) readInitExpr(r);
      else r.uleb32();
    }
  }
}

function parseLinking(r: Reader, o: ObjectData, secIds: number[], secNames: string[], sectionComdats: [number, number][]): void {
  o.hasLinking = true;
  const at = r.pos;
  const version = r.uleb32();
  if (version !== 2) r.fail(`unexpected metadata version: ${version} (Expected: 2)`, at);
  let sawSymtab = false;
  while (!r.atEnd) {
    const subAt = r.pos;
    const type = r.u8();
    const len = r.uleb32();
    const s = r.sub(len);
    switch (type) {
      case W.LINK_SYMBOL_TABLE:
        parseSymbolTable(s, o, secIds, secNames);
        sawSymtab = true;
        break;
      case W.LINK_SEGMENT_INFO: {
        const n = s.count('segment info');
        if (n > o.segSize.length) s.fail('too many segment names', subAt);
        for (let i = 0; i < n; i++) {
          const len = s.uleb32();
          const at = s.skip(len);
          o.segNameAt[i] = at - o.base;
          o.segNameLen[i] = len;
          o.segPrefix[i] = segmentPrefix(s.buf, at, at + len);
          const alignment = s.uleb32();
          if (alignment > 31) s.fail(`invalid segment alignment: ${alignment}`);
          o.segAlignment[i] = alignment;
          o.segLinkingFlags[i] = s.uleb32();
        }
        break;
      }
      case W.LINK_INIT_FUNCS: {
        const n = s.count('init function');
        for (let i = 0; i < n; i++) {
          const iat = s.pos;
          const priority = s.uleb32();
          const symbol = s.uleb32();
          if (!sawSymtab || symbol >= o.symKind.length || o.symKind[symbol] !== W.SYMTAB_FUNCTION)
            s.fail(`invalid function symbol: ${symbol}`, iat);
          o.initFuncs.push({ priority, symbol });
        }
        break;
      }
      case W.LINK_COMDAT_INFO: {
        const n = s.count('comdat');
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const cat = s.pos;
          const name = s.str();
          if (!name) s.fail('comdat name must not be empty', cat);
          if (seen.has(name)) s.fail(`duplicate comdat name: ${name}`, cat);
          seen.add(name);
          const flags = s.uleb32();
          if (flags !== 0) s.fail('unsupported COMDAT flags', cat);
          const comdatIndex = o.comdats.length;
          o.comdats.push({ name });
          const ne = s.count('comdat entry');
          for (let j = 0; j < ne; j++) {
            const eat = s.pos;
            const kind = s.uleb32();
            const idx = s.uleb32();
            switch (kind) {
              case W.COMDAT_DATA:
                if (idx >= o.segSize.length) s.fail('COMDAT data index out of range', eat);
                if (o.segComdat[idx] !== -1) s.fail('data segment in two COMDATs', eat);
                o.segComdat[idx] = comdatIndex;
                break;
              case W.COMDAT_FUNCTION: {
                const local = idx - o.numImportedFunctions;
                if (local < 0 || local >= o.funcTypes.length) s.fail('COMDAT function index out of range', eat);
                if (o.funcComdat[local] !== -1) s.fail('function in two COMDATs', eat);
                o.funcComdat[local] = comdatIndex;
                break;
              }
              case W.COMDAT_SECTION:
                if (idx >= secIds.length || secIds[idx] !== W.SEC_CUSTOM) s.fail('invalid COMDAT section index', eat);
                sectionComdats.push([idx, comdatIndex]);
                break;
              default:
                s.fail(`invalid COMDAT entry type: ${kind}`, eat);
            }
          }
        }
        break;
      }
      default:
        // Unknown subsections are skipped, as LLVM does.
        s.pos = s.end;
        break;
    }
    if (!s.atEnd) s.fail('linking sub-section ended prematurely', s.pos);
  }
}

function parseSymbolTable(r: Reader, o: ObjectData, secIds: number[], secNames: string[]): void {
  const n = r.count('symbol');
  // LLVM's reader appends a second symbol table to the first.
  const first = o.symKind.length;
  const total = first + n;
  const symKind = (o.symKind = grown(o.symKind, total));
  const symFlags = (o.symFlags = grown(o.symFlags, total));
  const symIndex = (o.symIndex = grown(o.symIndex, total));
  const symOffset = (o.symOffset = grown(o.symOffset, total));
  const symSize = (o.symSize = grown(o.symSize, total));
  const symName = o.symName;
  const symNameAt = (o.symNameAt = grown(o.symNameAt, total));
  const symNameLen = (o.symNameLen = grown(o.symNameLen, total));
  const names = new Set<string>();
  const nfuncs = o.funcTypes.length;
  for (let i = first; i < total; i++) {
    const at = r.pos;
    const kind = r.u8();
    const flags = r.uleb32();
    const defined = (flags & W.SYM_UNDEFINED) === 0;
    let name: string | undefined = '';
    let index = 0;
    switch (kind) {
      case W.SYMTAB_FUNCTION:
      case W.SYMTAB_GLOBAL:
      case W.SYMTAB_TAG:
      case W.SYMTAB_TABLE: {
        index = r.uleb32();
        const imports = importsOf(o, kind);
        const ndefined =
          kind === W.SYMTAB_FUNCTION ? nfuncs : kind === W.SYMTAB_GLOBAL ? o.globals.length : kind === W.SYMTAB_TAG ? o.tagTypes.length : o.tables.length;
        const what = W.SYMTAB_KIND_NAMES[kind];
        if (index >= imports.length + ndefined) r.fail(`invalid ${what} symbol index`, at);
        if (defined !== index >= imports.length) r.fail(`invalid ${what} symbol index`, at);
        if (defined) {
          name = r.str();
          const local = index - imports.length;
          if (kind === W.SYMTAB_FUNCTION && !o.funcSymbolName[local]) o.funcSymbolName[local] = name;
          if (kind === W.SYMTAB_GLOBAL && !o.globalSymbolName[local]) o.globalSymbolName[local] = name;
        } else {
          name = flags & W.SYM_EXPLICIT_NAME ? r.str() : o.imports[imports[index]].field;
          if ((flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_WEAK && kind !== W.SYMTAB_FUNCTION)
            r.fail(`undefined weak ${what} symbol`, at);
        }
        break;
      }
      case W.SYMTAB_DATA:
        if ((flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_LOCAL && defined) {
          // Decoded when asked for (symbolName).
          const len = r.uleb32();
          const nameAt = r.skip(len);
          symNameAt[i] = nameAt - o.base;
          symNameLen[i] = len;
          name = undefined;
        } else name = r.str();
        if (defined) {
          index = r.uleb32();
          const offset = r.uleb64();
          const size = r.uleb64();
          if (!(flags & W.SYM_ABSOLUTE)) {
            if (index >= o.segSize.length) r.fail(`invalid data segment index: ${index}`, at);
            const segSize = o.segSize[index];
            if (offset > segSize) r.fail(`invalid data symbol offset: \`${name ?? nameAt(o, symNameAt[i], symNameLen[i])}\` (offset: ${offset} segment size: ${segSize})`, at);
            if (offset + size > segSize)
              r.fail(`invalid data symbol size: \`${name ?? nameAt(o, symNameAt[i], symNameLen[i])}\` (offset: ${offset} size: ${size} segment size: ${segSize})`, at);
          }
          symOffset[i] = offset;
          symSize[i] = size;
        }
        break;
      case W.SYMTAB_SECTION: {
        if ((flags & W.SYM_BINDING_MASK) !== W.SYM_BINDING_LOCAL) r.fail('section symbols must have local binding', at);
        index = r.uleb32();
        if (index >= secIds.length) r.fail(`invalid section symbol index: ${index}`, at);
        const sid = secIds[index];
        if (sid !== W.SEC_CUSTOM && sid !== W.SEC_CODE && sid !== W.SEC_DATA) r.fail('invalid section symbol target', at);
        name = secNames[index];
        break;
      }
      default:
        r.fail(`invalid symbol type: ${kind}`, at);
    }
    // LLVM's reader: non-local names are unique within an object.
    if ((flags & W.SYM_BINDING_LOCAL) === 0 && kind !== W.SYMTAB_SECTION) {
      // One hash lookup, not has() then add(): this runs for every non-local symbol.
      const before = names.size;
      if (names.add(name!).size === before) r.fail(`duplicate symbol name ${name}`, at);
    }
    symKind[i] = kind;
    symFlags[i] = flags;
    symIndex[i] = index;
    symName.push(name);
  }
}

/**
 * Entry `i` of a Float64Array column as a small integer where it is one: a double stored in an
 * object field that holds small integers makes V8 turn the field into a boxed double for every
 * object of that shape.
 */
export function smallInt(column: Float64Array, i: number): number {
  const v = column[i];
  return v <= 0x7fffffff ? v | 0 : v;
}

export const SEG_PREFIX_TEXT = 1;
export const SEG_PREFIX_DATA = 2;
export const SEG_PREFIX_BSS = 3;
export const SEG_PREFIX_RODATA = 4;
/** Bit: the name starts with .tdata or .tbss (a TLS segment by name). */
export const SEG_PREFIX_TLS = 8;

/** What the layout asks of a segment's name, from its UTF-8 bytes [at, end) (ASCII prefixes). */
export function segmentPrefix(buf: Uint8Array, at: number, end: number): number {
  // By the byte after the dot, one comparison per name (tens of thousands in a large link).
  if (end - at < 2 || buf[at] !== 0x2e) return 0;
  switch (buf[at + 1]) {
    case 0x74: // t
      if (startsWithText(buf, '.text.', at, end)) return SEG_PREFIX_TEXT;
      return startsWithText(buf, '.tdata', at, end) || startsWithText(buf, '.tbss', at, end) ? SEG_PREFIX_TLS : 0;
    case 0x64: // d
      return startsWithText(buf, '.data.', at, end) ? SEG_PREFIX_DATA : 0;
    case 0x62: // b
      return startsWithText(buf, '.bss.', at, end) ? SEG_PREFIX_BSS : 0;
    case 0x72: // r
      return startsWithText(buf, '.rodata.', at, end) ? SEG_PREFIX_RODATA : 0;
  }
  return 0;
}

/** Symbol i's name (as Reader.str decodes it), decoded once. */
export function symbolName(o: ObjectData, i: number): string {
  const name = o.symName[i];
  return name !== undefined ? name : (o.symName[i] = nameAt(o, o.symNameAt[i], o.symNameLen[i]));
}

function nameAt(o: ObjectData, at: number, len: number): string {
  return utf8Slice(o.buf, o.base + at, o.base + at + len);
}

/** Data segment i's name (as Reader.str decodes it), decoded once. */
export function segmentName(o: ObjectData, i: number): string {
  const name = o.segName[i];
  return name !== undefined ? name : (o.segName[i] = nameAt(o, o.segNameAt[i], o.segNameLen[i]));
}

/** For a function, global, tag or table symbol kind: which of `o.imports` its index space starts with. */
function importsOf(o: ObjectData, kind: number): number[] {
  return kind === W.SYMTAB_FUNCTION ? o.funcImports : kind === W.SYMTAB_GLOBAL ? o.globalImports : kind === W.SYMTAB_TAG ? o.tagImports : o.tableImports;
}

/** The import an undefined function/global/tag/table symbol `i` of `o` stands for. */
export function symImport(o: ObjectData, i: number): ObjImport {
  return o.imports[importsOf(o, o.symKind[i])[o.symIndex[i]]];
}

function parseProducers(r: Reader, o: ObjectData): void {
  const n = r.count('producers field');
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const name = r.str();
    if (seen.has(name)) r.fail('producers section does not have unique fields', at);
    seen.add(name);
    if (name !== 'language' && name !== 'processed-by' && name !== 'sdk')
      r.fail('producers section field is not named one of language, processed-by, or sdk', at);
    const nv = r.count('producer');
    const values: [string, string][] = [];
    const seenV = new Set<string>();
    for (let j = 0; j < nv; j++) {
      const vat = r.pos;
      const vname = r.str();
      const version = r.str();
      if (seenV.has(vname)) r.fail('producers section contains repeated producer', vat);
      seenV.add(vname);
      values.push([vname, version]);
    }
    o.producers.push({ name, values });
  }
  if (!r.atEnd) r.fail('producers section ended prematurely');
}

function parseFeatures(r: Reader, o: ObjectData): void {
  const n = r.count('feature');
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const prefix = r.u8();
    // LLVM 22 knows used (+) and disallowed (-); the required (=) policy is gone.
    if (prefix !== 0x2b && prefix !== 0x2d) r.fail('unknown feature policy prefix', at);
    const name = r.str();
    if (seen.has(name)) r.fail('target features section contains repeated feature "' + name + '"', at);
    seen.add(name);
    o.features.push({ prefix, name });
  }
  if (!r.atEnd) r.fail('target features section ended prematurely');
}

function parseNames(r: Reader, o: ObjectData): void {
  while (!r.atEnd) {
    const type = r.u8();
    const len = r.uleb32();
    const s = r.sub(len);
    if (type !== 1) continue;
    const n = s.count('function name');
    for (let i = 0; i < n; i++) {
      const idx = s.uleb32();
      const name = s.str();
      const local = idx - o.numImportedFunctions;
      if (local >= 0 && local < o.funcDebugName.length) o.funcDebugName[local] = name;
    }
  }
}

/**
 * Decodes one reloc.* section's entries into the object's arrays from index `k` (the native fast
 * path, native/relocs.cc): returns the index after the last entry written, or -1 when the
 * TypeScript decoder (decodeSection) must decide. Arguments as decodeSection's, flattened.
 */
export type DecodeRelocs = (
  bytes: Uint8Array,
  start: number,
  end: number,
  count: number,
  secSize: number,
  ntypes: number,
  symKind: Uint8Array,
  keep: boolean,
  type: Uint8Array,
  offset: Uint32Array,
  index: Uint32Array,
  addend: Float64Array,
  k: number,
  calledDirectly: Uint8Array,
) => number;

/** How parseObject decodes relocations: a fast path, and whether to check it against the reference. */
export interface RelocDecoder {
  decode: DecodeRelocs;
  /** WELD_PARITY=1: run the reference too, and fail if the fast path disagrees. */
  check: boolean;
}

function readRelocations(
  o: ObjectData,
  secs: RawReloc[],
  secIds: number[],
  secSizes: number[],
  codeIndex: number,
  dataIndex: number,
  decoder?: RelocDecoder,
): void {
  // lld applies relocations to code, data and custom sections only; those of other sections
  // (wabt's reloc.Global for `global.get` in a global's initializer, reloc.Elem for `ref.func`
  // in element expressions) are validated, count for calledDirectly, and are otherwise ignored.
  const applied = (s: RawReloc) => s.target === codeIndex || s.target === dataIndex || secIds[s.target] === W.SEC_CUSTOM;
  let total = 0;
  for (const s of secs) if (applied(s)) total += s.count;
  o.relocType = new Uint8Array(total);
  o.relocOffset = new Uint32Array(total);
  o.relocIndex = new Uint32Array(total);
  o.relocAddend = new Float64Array(total);
  o.calledDirectly = new Uint8Array(o.symKind.length);
  // CODE relocations first, then DATA, then custom sections in order: chunks bin their ranges.
  const ordered = [
    ...secs.filter((s) => s.target === codeIndex),
    ...secs.filter((s) => s.target === dataIndex),
    ...secs.filter((s) => s.target !== codeIndex && s.target !== dataIndex),
  ];
  const symKind = o.symKind;
  const seenTargets = new Set<number>();
  let k = 0;
  for (const s of ordered) {
    const r = s.sub;
    if (seenTargets.has(s.target)) r.fail('multiple relocation sections for one section', s.at);
    seenTargets.add(s.target);
    const first = k;
    const keep = applied(s);
    // Reloc offsets of custom sections count from after the section name (secSizes does too).
    const secSize = secSizes[s.target];
    if (decoder) {
      k = decodeWith(decoder, o, s, secSize, keep, k, symKind);
    } else {
      k = decodeSection(o, s, secSize, keep, k);
    }
    if (!keep) continue;
    if (s.target === codeIndex) {
      o.codeRelocStart = first;
      o.codeRelocEnd = k;
    } else if (s.target === dataIndex) {
      o.dataRelocStart = first;
      o.dataRelocEnd = k;
    } else {
      const cs = o.customSections.find((c) => c.index === s.target)!;
      cs.relocStart = first;
      cs.relocEnd = k;
    }
  }
}

/** The fast path, falling back to the reference; under `check`, both, compared. */
function decodeWith(decoder: RelocDecoder, o: ObjectData, s: RawReloc, secSize: number, keep: boolean, k: number, symKind: Uint8Array): number {
  const r = s.sub;
  const call = (type: Uint8Array, offset: Uint32Array, index: Uint32Array, addend: Float64Array, called: Uint8Array) =>
    decoder.decode(r.buf, r.pos, r.end, s.count, secSize, o.types.length, symKind, keep, type, offset, index, addend, k, called);
  if (!decoder.check) {
    const next = call(o.relocType, o.relocOffset, o.relocIndex, o.relocAddend, o.calledDirectly);
    return next >= 0 ? next : decodeSection(o, s, secSize, keep, k);
  }
  const t = o.relocType.slice();
  const of = o.relocOffset.slice();
  const ix = o.relocIndex.slice();
  const ad = o.relocAddend.slice();
  const cd = o.calledDirectly.slice();
  const fast = call(t, of, ix, ad, cd);
  let next: number;
  try {
    next = decodeSectionReference(o, s, secSize, keep, k);
  } catch (e) {
    if (fast >= 0) throw new Error(`backend parity failure: native relocation decoding accepted a section the reference rejects (${(e as Error).message})`);
    throw e;
  }
  if (fast < 0) return next;
  const same =
    fast === next &&
    t.every((v, i) => v === o.relocType[i]) &&
    of.every((v, i) => v === o.relocOffset[i]) &&
    ix.every((v, i) => v === o.relocIndex[i]) &&
    ad.every((v, i) => Object.is(v, o.relocAddend[i])) &&
    cd.every((v, i) => v === o.calledDirectly[i]);
  if (!same) throw new Error(`backend parity failure: native and TypeScript relocation decoding differ (${r.ctx.file}${r.ctx.member ? `(${r.ctx.member})` : ''}, section ${s.target})`);
  return next;
}

/** A section decoder with DecodeRelocs's flat arguments (for the parity tests). */
function flatDecoder(decode: typeof decodeSection): DecodeRelocs {
  return (bytes, start, end, count, secSize, ntypes, symKind, keep, type, offset, index, addend, k, calledDirectly) => {
    const o = {
      types: { length: ntypes },
      symKind,
      relocType: type,
      relocOffset: offset,
      relocIndex: index,
      relocAddend: addend,
      calledDirectly,
    } as unknown as ObjectData;
    const sub = new Reader(bytes, start, end, 0, { file: 'relocs' });
    return decode(o, { target: 0, count, at: start, sub }, secSize, keep, k);
  };
}

/** decodeSectionReference, flat: returns the next index, or throws the InputError the reference words. */
export const decodeRelocsReference: DecodeRelocs = flatDecoder(decodeSectionReference);

/** The TypeScript backend's decoder (decodeSection), flat, for its tests against the reference. */
export const decodeRelocsTs: DecodeRelocs = flatDecoder(decodeSection);

/** What one relocation entry must be (its type already known valid): lld's checks, its words. */
function checkReloc(o: ObjectData, r: Reader, at: number, type: number, offset: number, index: number, secSize: number): void {
  const kind = W.relocSymbolKind(type);
  if (kind < 0) {
    if (index >= o.types.length) r.fail(`invalid relocation type index: ${index}`, at);
  } else {
    if (index >= o.symKind.length) r.fail(`invalid relocation symbol index: ${index}`, at);
    const sk = o.symKind[index];
    const ok = sk === kind || (kind === W.SYMTAB_GLOBAL && (sk === W.SYMTAB_DATA || sk === W.SYMTAB_FUNCTION));
    if (!ok) r.fail(`invalid relocation ${W.SYMTAB_KIND_NAMES[kind]} index (${W.RELOC_NAMES[type]} against a ${W.SYMTAB_KIND_NAMES[sk] ?? 'unknown'} symbol)`, at);
    if (type === W.R_FUNCTION_INDEX_LEB) o.calledDirectly[index] = 1;
  }
  if (offset + W.RELOC_WIDTH[type] > secSize) r.fail(`invalid relocation offset: ${offset} (section size ${secSize})`, at);
}

/** The reference: decodes and checks one reloc.* section from index `k`; returns the next index. */
function decodeSectionReference(o: ObjectData, s: RawReloc, secSize: number, keep: boolean, k: number): number {
  const r = s.sub;
  let prev = 0;
  for (let i = 0; i < s.count; i++) {
    const at = r.pos;
    const type = r.uleb32();
    const offset = r.uleb32();
    const index = r.uleb32();
    if (type > W.R_FUNCTION_INDEX_I32) r.fail(`invalid relocation type: ${type}`, at);
    let addend = 0;
    if (W.relocHasAddend(type)) addend = r.sleb(W.relocIs64(type) ? 64 : 32);
    if (offset < prev) r.fail('relocations not in offset order', at);
    prev = offset;
    checkReloc(o, r, at, type, offset, index, secSize);
    if (!keep) continue;
    o.relocType[k] = type;
    o.relocOffset[k] = offset;
    o.relocIndex[k] = index;
    o.relocAddend[k] = addend;
    k++;
  }
  if (!r.atEnd) r.fail('reloc section ended prematurely', r.pos);
  return k;
}

/**
 * decodeSectionReference with the common entries decoded inline (the TypeScript backend's
 * decoder): the same results and the same errors, which the parity tests check.
 */
function decodeSection(o: ObjectData, s: RawReloc, secSize: number, keep: boolean, k: number): number {
  const r = s.sub;
  const buf = r.buf;
  const end = r.end;
  let pos = r.pos;
  let prev = 0;
  for (let i = 0; i < s.count; i++) {
    const at = pos;
    let type = 0;
    let offset = 0;
    let index = 0;
    let addend = 0;
    // The common entry, inline: a one-byte type, offset and index of at most four bytes, a
    // 32-bit addend of at most four, and 17 bytes left (so no byte read here is past the end).
    // Anything else (longer or 64-bit LEBs, the last few entries) goes through the Reader,
    // which also reports malformed ones.
    let fast = end - pos >= 17 && buf[pos] < 0x80;
    if (fast) {
      type = buf[pos++];
      let b = buf[pos++];
      let shift = 7;
      for (offset = b & 0x7f; b & 0x80 && shift < 28; shift += 7) offset |= ((b = buf[pos++]) & 0x7f) << shift;
      if (b & 0x80) fast = false;
      b = buf[pos++];
      shift = 7;
      for (index = b & 0x7f; b & 0x80 && shift < 28; shift += 7) index |= ((b = buf[pos++]) & 0x7f) << shift;
      if (b & 0x80) fast = false;
      if (fast && type <= W.R_FUNCTION_INDEX_I32 && W.relocHasAddend(type)) {
        if (W.relocIs64(type)) fast = false;
        else {
          b = buf[pos++];
          shift = 7;
          for (addend = b & 0x7f; b & 0x80 && shift < 28; shift += 7) addend |= ((b = buf[pos++]) & 0x7f) << shift;
          if (b & 0x80) fast = false;
          // Sign-extend from the last byte's sign bit.
          else if (shift < 32 && b & 0x40) addend |= -1 << shift;
        }
      }
    }
    if (!fast) {
      r.pos = at;
      type = r.uleb32();
      offset = r.uleb32();
      index = r.uleb32();
      addend = 0;
      if (type <= W.R_FUNCTION_INDEX_I32 && W.relocHasAddend(type)) addend = r.sleb(W.relocIs64(type) ? 64 : 32);
      pos = r.pos;
    }
    if (type > W.R_FUNCTION_INDEX_I32) r.fail(`invalid relocation type: ${type}`, at);
    if (offset < prev) r.fail('relocations not in offset order', at);
    prev = offset;
    checkReloc(o, r, at, type, offset, index, secSize);
    if (!keep) continue;
    o.relocType[k] = type;
    o.relocOffset[k] = offset;
    o.relocIndex[k] = index;
    o.relocAddend[k] = addend;
    k++;
  }
  r.pos = pos;
  if (!r.atEnd) r.fail('reloc section ended prematurely', r.pos);
  return k;
}
