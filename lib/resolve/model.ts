// Per-link state: input files, their chunks (functions, data segments, custom sections) and
// elements (globals, tables, tags), and symbols. The parsed ObjectData stays immutable and
// shareable; everything mutable in a link lives here.

import { segmentName, type FuncType, type GlobalType, type InitExpr, type ObjectData, type TableType } from '../input/object.js';
import * as W from '../input/wasm.js';

export const DefinedFunction = 0;
export const DefinedData = 1;
export const DefinedGlobal = 2;
export const DefinedTag = 3;
export const DefinedTable = 4;
export const UndefinedFunction = 5;
export const UndefinedData = 6;
export const UndefinedGlobal = 7;
export const UndefinedTag = 8;
export const UndefinedTable = 9;
export const LazyKind = 10;
export const SectionKind = 11;
/** Defined by a shared library given as input: imported from it at run time. */
export const SharedFunction = 12;
export const SharedData = 13;

export const CHUNK_FUNCTION = 0;
export const CHUNK_SEGMENT = 1;
export const CHUNK_SECTION = 2;
/** A synthetic chunk holding deduplicated strings from mergeable chunks. */
export const CHUNK_MERGED = 3;

/** InputChunk bits besides the kind. */
const CHUNK_KIND_MASK = 3;
const CHUNK_LIVE = 4;
const CHUNK_DISCARDED = 8;

export const NO_INDEX = -1;
/** lld's INVALID_INDEX (UINT32_MAX): what it writes for an index that was never assigned. */
export const INVALID_INDEX = 0xffffffff;

/**
 * What only some chunks have: string-merging state, and (in `more`) the rest. A link keeps tens
 * of thousands of chunks (a cache keeps them between links), nearly all of them plain function
 * bodies, so these live off the InputChunk, made when one of them is first set to something else
 * than its default. The thousands of string chunks own one each (their pieces), so it holds only
 * what they need.
 */
class ChunkExtra {
  // Mergeable (string) chunks: piece starts in input, and where they went in the merged chunk,
  // as [pieceStart, pieceEnd) of arrays shared by every chunk of the merged table (no typed
  // array object per chunk: thousands per link, all kept by the cache).
  pieceIn: Uint32Array | null = null;
  pieceStart = 0;
  pieceEnd = 0;
  pieceOut: Float64Array | null = null;
  parent: InputChunk | null = null;
  more: ChunkMore = NO_CHUNK_MORE;
}

/** The rarer extras: synthesized and merged chunks', custom sections', named functions'. */
class ChunkMore {
  /** For CHUNK_MERGED: the chunks merged into it. */
  merged: InputChunk[] | null = null;
  /** Bytes of a synthesized chunk (synthetic functions, merged strings). */
  body: Uint8Array | null = null;
  // Custom sections
  tombstone = 0;
  // Functions
  exportName: string | undefined = undefined;
  debugName = '';
  // Chunks without a file (synthesized functions, merged strings)
  name = '';
  comdat = -1;
  sig: FuncType | null = null;
}

/** Every extra's `more` until it needs its own: read, never written. */
const NO_CHUNK_MORE: ChunkMore = Object.freeze(new ChunkMore());

/** Every chunk's extra until it needs its own: read, never written. */
const NO_CHUNK_EXTRA: ChunkExtra = Object.freeze(new ChunkExtra());

/**
 * The extra of a string chunk not split yet (markMergeable): its pieceIn says "to merge", and
 * the layout's first write makes the chunk its own. Shared, so parsing makes no object per
 * string chunk (thousands a link); a fresh link makes them at layout, late enough that most
 * are never copied by a scavenge.
 */
const UNSPLIT_EXTRA: ChunkExtra = (() => {
  const x = new ChunkExtra();
  x.pieceIn = new Uint32Array(0);
  return Object.freeze(x);
})();

/**
 * The relocation ranges of `d`'s chunks of `kind`, as [start, end) pairs by index in the file
 * (binned once per parsed object when its chunks are first made); null for a kind no file has.
 */
export function chunkRelocs(d: ObjectData, kind: number): Uint32Array | null {
  return kind === CHUNK_FUNCTION ? d.funcRelocs : kind === CHUNK_SEGMENT ? d.segRelocs : kind === CHUNK_SECTION ? d.customRelocs : null;
}

/** A function body, data segment or custom section from an input (or synthesized). */
export class InputChunk {
  // Declaration order is the objects' field order: what every per-link pass reads (marking,
  // segment layout, relocation scan, plan) comes first, to share the first cache lines.
  //
  // What the parsed object says (relocation range, source offset, comdat, signature) is read
  // off it by getters, not kept per chunk: a cache keeps every chunk, and each field is 8 bytes
  // of every one that a fresh link copies out of the young generation.
  /** The kind (CHUNK_*, bits 0-1), live (CHUNK_LIVE) and discarded (CHUNK_DISCARDED). */
  private bits: number;
  file: ObjFile | null;
  flags = 0;
  alignment = 0;
  size = 0;
  // Segments
  outputSeg: OutputSegment | null = null;
  outputSegmentOffset = 0;
  // Offset inside the output section (code: from the section contents; custom: after the name).
  outSecOff = 0;
  // Functions
  functionIndex = NO_INDEX;
  tableIndex = NO_INDEX;
  /** Index of the function/segment/custom section in its file. */
  indexInFile = -1;
  private x: ChunkExtra = NO_CHUNK_EXTRA;

  /** An input chunk's name is its file's (`name` is ignored then); a synthesized one's is `name`. */
  constructor(kind: number, file: ObjFile | null, name: string, gcSections: boolean) {
    this.bits = kind | (gcSections ? 0 : CHUNK_LIVE);
    this.file = file;
    if (file === null) this.ownMore().name = name;
  }

  get kind(): number {
    return this.bits & CHUNK_KIND_MASK;
  }
  get live(): boolean {
    return (this.bits & CHUNK_LIVE) !== 0;
  }
  set live(v: boolean) {
    this.bits = v ? this.bits | CHUNK_LIVE : this.bits & ~CHUNK_LIVE;
  }
  /** In a comdat group that another file's copy won (lld InputChunk::discarded). */
  get discarded(): boolean {
    return (this.bits & CHUNK_DISCARDED) !== 0;
  }
  set discarded(v: boolean) {
    this.bits = v ? this.bits | CHUNK_DISCARDED : this.bits & ~CHUNK_DISCARDED;
  }

  /** From the parsed object (a data segment's decoded when first asked for), or as synthesized. */
  get name(): string {
    const f = this.file;
    if (f === null) return this.x.more.name;
    const k = this.kind;
    if (k === CHUNK_FUNCTION) return f.data.funcSymbolName[this.indexInFile];
    if (k === CHUNK_SEGMENT) return segmentName(f.data, this.indexInFile);
    return f.data.customSections[this.indexInFile].name;
  }

  /** Where this chunk's pieces are in a merged table: pieces [start, end) of `pieceIn`/`pieceOut`. */
  setPieces(pieceIn: Uint32Array, pieceOut: Float64Array, start: number, end: number): void {
    const x = this.own();
    x.pieceIn = pieceIn;
    x.pieceOut = pieceOut;
    x.pieceStart = start;
    x.pieceEnd = end;
  }

  /** Marks a string chunk for merging (isMerge), to be split by the layout. */
  markMergeable(): void {
    const x = this.x;
    if (x === NO_CHUNK_EXTRA || x === UNSPLIT_EXTRA) this.x = UNSPLIT_EXTRA;
    else x.pieceIn = UNSPLIT_EXTRA.pieceIn;
  }

  /** A reused chunk's per-link merge state back to none (no extra is made for that). */
  resetMergeState(): void {
    const x = this.x;
    if (x === NO_CHUNK_EXTRA || x === UNSPLIT_EXTRA) return;
    x.parent = null;
    x.pieceOut = null;
  }

  /** This chunk's own extra, made on the first write of a non-default value. */
  private own(): ChunkExtra {
    const x = this.x;
    if (x !== NO_CHUNK_EXTRA && x !== UNSPLIT_EXTRA) return x;
    const own = new ChunkExtra();
    own.pieceIn = x.pieceIn;
    return (this.x = own);
  }
  /** This chunk's own `more`, made on the first write of a non-default value. */
  private ownMore(): ChunkMore {
    const x = this.own();
    return x.more !== NO_CHUNK_MORE ? x.more : (x.more = new ChunkMore());
  }
  get pieceIn(): Uint32Array | null {
    return this.x.pieceIn;
  }
  get pieceStart(): number {
    return this.x.pieceStart;
  }
  get pieceEnd(): number {
    return this.x.pieceEnd;
  }
  get pieceOut(): Float64Array | null {
    return this.x.pieceOut;
  }
  get parent(): InputChunk | null {
    return this.x.parent;
  }
  set parent(v: InputChunk | null) {
    if (v !== this.x.parent) this.own().parent = v;
  }
  get merged(): InputChunk[] | null {
    return this.x.more.merged;
  }
  set merged(v: InputChunk[] | null) {
    if (v !== this.x.more.merged) this.ownMore().merged = v;
  }
  get body(): Uint8Array | null {
    return this.x.more.body;
  }
  set body(v: Uint8Array | null) {
    if (v !== this.x.more.body) this.ownMore().body = v;
  }
  get tombstone(): number {
    return this.x.more.tombstone;
  }
  set tombstone(v: number) {
    if (v !== this.x.more.tombstone) this.ownMore().tombstone = v;
  }
  get exportName(): string | undefined {
    return this.x.more.exportName;
  }
  set exportName(v: string | undefined) {
    if (v !== this.x.more.exportName) this.ownMore().exportName = v;
  }
  get debugName(): string {
    return this.x.more.debugName;
  }
  set debugName(v: string) {
    if (v !== this.x.more.debugName) this.ownMore().debugName = v;
  }

  /** First of the chunk's relocations in its file's (ObjectData relocType, relocOffset, ...). */
  get relocStart(): number {
    return this.relocBound(0);
  }

  /** End (exclusive) of the chunk's relocations. */
  get relocEnd(): number {
    return this.relocBound(1);
  }

  private relocBound(end: 0 | 1): number {
    const f = this.file;
    const ranges = f === null ? null : chunkRelocs(f.data, this.kind);
    return ranges === null ? 0 : ranges[(this.indexInFile << 1) + end];
  }

  /** Absolute offset of the chunk's bytes in its file buffer (0 for synthesized ones). */
  get srcStart(): number {
    const f = this.file;
    if (f === null) return 0;
    const k = this.kind;
    const d = f.data;
    if (k === CHUNK_FUNCTION) return d.codeStart + d.funcOffset[this.indexInFile];
    if (k === CHUNK_SEGMENT) return d.base + d.segDataStart[this.indexInFile];
    if (k === CHUNK_SECTION) return d.customSections[this.indexInFile].start;
    return 0;
  }

  /** Index of the chunk's comdat in its file, or -1 (a merged chunk: its last input's). */
  get comdat(): number {
    const f = this.file;
    if (f === null) return this.x.more.comdat;
    const k = this.kind;
    if (k === CHUNK_FUNCTION) return f.data.funcComdat[this.indexInFile];
    if (k === CHUNK_SEGMENT) return f.data.segComdat[this.indexInFile];
    if (k === CHUNK_SECTION) return f.data.customSections[this.indexInFile].comdat;
    return -1;
  }
  /** Only for chunks without a file (merged ones): an input's comdat is its parsed one. */
  set comdat(v: number) {
    if (this.file !== null) throw new Error('internal error: the comdat of an input chunk is its file\'s');
    if (v !== this.x.more.comdat) this.ownMore().comdat = v;
  }

  /** A function's signature (an input's from its file; a synthesized one's as set). */
  get sig(): FuncType | null {
    const f = this.file;
    if (f !== null && this.kind === CHUNK_FUNCTION) return f.data.types[f.data.funcTypes[this.indexInFile]];
    return this.x.more.sig;
  }
  set sig(v: FuncType | null) {
    if (this.file !== null) throw new Error("internal error: the signature of an input function is its file's");
    if (v !== this.x.more.sig) this.ownMore().sig = v;
  }

  /**
   * Offset of the chunk inside its input section's contents (relocation offsets are relative to
   * those): a function's in CODE, a segment's in DATA, read off the parsed object (a field would
   * cost every chunk 8 bytes, and chunks are what a link keeps most of).
   */
  get inputSectionOffset(): number {
    const f = this.file;
    if (f === null) return 0;
    const k = this.kind;
    if (k === CHUNK_FUNCTION) return f.data.funcOffset[this.indexInFile];
    if (k === CHUNK_SEGMENT) return f.data.segSectionOffset[this.indexInFile];
    return 0;
  }

  /** A function's body offset after its size LEB (lld's InputFunction::getFunctionCodeOffset; 0 for synthesized ones). */
  get codeOffset(): number {
    const f = this.file;
    return f !== null && this.kind === CHUNK_FUNCTION ? f.data.funcCodeOffset[this.indexInFile] : 0;
  }

  get isTLS(): boolean {
    return (this.flags & W.SEG_FLAG_TLS) !== 0;
  }

  get isMerge(): boolean {
    return this.x.pieceIn !== null && this.kind !== CHUNK_MERGED;
  }

  comdatName(): string {
    return this.comdat < 0 || !this.file ? '' : this.file.data.comdats[this.comdat].name;
  }

  /** Offset in the chunk -> offset in its output segment / merged parent (lld getChunkOffset). */
  chunkOffset(offset: number): number {
    if (this.parent) return this.parent.chunkOffset(this.parentOffset(offset));
    return this.outputSegmentOffset + offset;
  }

  parentOffset(offset: number): number {
    const pin = this.pieceIn!;
    let lo = this.pieceStart;
    let hi = this.pieceEnd;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pin[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    return this.pieceOut![i] + (offset - pin[i]);
  }

  /** Offset in the output section (lld getOffset). */
  offsetInSection(offset: number): number {
    return this.outSecOff + this.chunkOffset(offset);
  }

  va(offset = 0): number {
    return (this.outputSeg ? this.outputSeg.startVA : 0) + this.chunkOffset(offset);
  }

  /** Display name as wasm-ld prints chunks: "file.o:(name)". */
  toString(): string {
    return `${fileName(this.file)}:(${this.name})`;
  }
}

export class OutputSegment {
  name: string;
  index = 0;
  alignment = 0;
  /** Segment info flags of a relocatable output: lld never sets any (TLS and STRINGS included). */
  linkingFlags = 0;
  initFlags = 0;
  isBss = false;
  startVA = 0;
  size = 0;
  inputSegments: InputChunk[] = [];

  constructor(name: string) {
    this.name = name;
  }

  get isTLS(): boolean {
    return this.name === '.tdata';
  }

  /** `alignment` overrides the chunk's (combined PIC segments), without changing the chunk. */
  addInputSegment(seg: InputChunk, alignment = seg.alignment): void {
    this.alignment = Math.max(this.alignment, alignment);
    this.inputSegments.push(seg);
    this.size = alignTo(this.size, pow2(alignment));
    seg.outputSeg = this;
    seg.outputSegmentOffset = this.size;
    this.size += seg.size;
  }
}

/** A global, table or tag of an input (or synthesized). */
export class InputElement {
  file: ObjFile | null;
  name: string;
  live: boolean;
  assignedIndex = NO_INDEX;
  // Globals
  globalType: GlobalType | null = null;
  init: InitExpr | null = null;
  /** For synthesized globals: the value of their i32/i64.const init. */
  pointerValue = 0;
  // Tables
  tableType: TableType | null = null;
  // Tags
  sig: FuncType | null = null;

  constructor(file: ObjFile | null, name: string, gcSections: boolean) {
    this.file = file;
    this.name = name;
    this.live = !gcSections;
  }

  toString(): string {
    return `${fileName(this.file)}:(${this.name})`;
  }
}

// Symbol.bits: its flags that are not the symbol table's (W.SYM_*).
const B_REFERENCED = 1;
const B_STUB = 2;
const B_USED_IN_REGULAR_OBJ = 4;
const B_FORCE_EXPORT = 8;
const B_FORCE_IMPORT = 16;
const B_CAN_INLINE = 32;
const B_TRACED = 64;
const B_CALLED_DIRECTLY = 128;
const B_REQUIRES_GOT = 256;

/**
 * What only some symbols have: imports (names, types, their indices), stubs, GOT entries, a
 * relocatable output's symbol index. Most symbols of a link are plain definitions, and a link keeps
 * tens of thousands (a cache keeps them between links), so these live off the Symbol, made when
 * one of them is first set to something else than its default.
 */
class SymbolExtra {
  globalType: GlobalType | null = null;
  tableType: TableType | null = null;
  importName: string | undefined = undefined;
  importModule: string | undefined = undefined;
  stubFunction: Symbol | null = null;
  // Indices for undefined (imported) symbols; defined ones keep theirs on the chunk/element.
  functionIndex = NO_INDEX;
  tableIndex = NO_INDEX;
  globalIndex = NO_INDEX;
  tagIndex = NO_INDEX;
  tableNumber = NO_INDEX;
  gotIndex = NO_INDEX;
  outputSymbolIndex = NO_INDEX;
}

/** Every symbol's extra until it needs its own: read, never written. */
const NO_EXTRA: SymbolExtra = Object.freeze(new SymbolExtra());

export class Symbol {
  // Declaration order is the objects' field order: what marking, the relocation scan and the
  // plan read for every relocation comes first.
  kind: number;
  chunk: InputChunk | null = null;
  flags: number;
  file: ObjFile | null;
  /** B_* bits, read and written through the boolean accessors below (one field, not nine). */
  bits = B_CAN_INLINE;
  /** Data: offset inside the segment, or the absolute address for segment-less symbols. */
  value = 0;
  element: InputElement | null = null;
  name: string;
  sig: FuncType | null = null;
  // Kind-specific.
  size = 0;
  private x: SymbolExtra = NO_EXTRA;
  /** Position in the symbol table (insertion order), for deterministic iteration. */
  order = -1;

  constructor(name: string, kind: number, flags: number, file: ObjFile | null) {
    this.name = name;
    this.kind = kind;
    this.flags = flags;
    this.file = file;
  }

  get referenced(): boolean {
    return (this.bits & B_REFERENCED) !== 0;
  }
  set referenced(v: boolean) {
    this.bits = v ? this.bits | B_REFERENCED : this.bits & ~B_REFERENCED;
  }
  get isStub(): boolean {
    return (this.bits & B_STUB) !== 0;
  }
  set isStub(v: boolean) {
    this.bits = v ? this.bits | B_STUB : this.bits & ~B_STUB;
  }
  // Shared bits preserved across replacement (lld replaceSymbol).
  get isUsedInRegularObj(): boolean {
    return (this.bits & B_USED_IN_REGULAR_OBJ) !== 0;
  }
  set isUsedInRegularObj(v: boolean) {
    this.bits = v ? this.bits | B_USED_IN_REGULAR_OBJ : this.bits & ~B_USED_IN_REGULAR_OBJ;
  }
  get forceExport(): boolean {
    return (this.bits & B_FORCE_EXPORT) !== 0;
  }
  set forceExport(v: boolean) {
    this.bits = v ? this.bits | B_FORCE_EXPORT : this.bits & ~B_FORCE_EXPORT;
  }
  get forceImport(): boolean {
    return (this.bits & B_FORCE_IMPORT) !== 0;
  }
  set forceImport(v: boolean) {
    this.bits = v ? this.bits | B_FORCE_IMPORT : this.bits & ~B_FORCE_IMPORT;
  }
  get canInline(): boolean {
    return (this.bits & B_CAN_INLINE) !== 0;
  }
  set canInline(v: boolean) {
    this.bits = v ? this.bits | B_CAN_INLINE : this.bits & ~B_CAN_INLINE;
  }
  get traced(): boolean {
    return (this.bits & B_TRACED) !== 0;
  }
  set traced(v: boolean) {
    this.bits = v ? this.bits | B_TRACED : this.bits & ~B_TRACED;
  }
  get isCalledDirectly(): boolean {
    return (this.bits & B_CALLED_DIRECTLY) !== 0;
  }
  set isCalledDirectly(v: boolean) {
    this.bits = v ? this.bits | B_CALLED_DIRECTLY : this.bits & ~B_CALLED_DIRECTLY;
  }
  get requiresGOT(): boolean {
    return (this.bits & B_REQUIRES_GOT) !== 0;
  }
  set requiresGOT(v: boolean) {
    this.bits = v ? this.bits | B_REQUIRES_GOT : this.bits & ~B_REQUIRES_GOT;
  }

  /**
   * replaceSymbol's reset of what does not survive a replacement, and the import fields of the
   * new kind (all defaults for a definition: then no extra is made or touched).
   */
  resetReplaced(
    calledDirectly: boolean,
    globalType: GlobalType | null,
    tableType: TableType | null,
    importName: string | undefined,
    importModule: string | undefined,
  ): void {
    this.bits = (this.bits & ~(B_STUB | B_REQUIRES_GOT | B_CALLED_DIRECTLY)) | (calledDirectly ? B_CALLED_DIRECTLY : 0);
    if (this.x !== NO_EXTRA) this.resetExtra();
    if (globalType === null && tableType === null && importName === undefined && importModule === undefined) return;
    const x = this.own();
    x.globalType = globalType;
    x.tableType = tableType;
    x.importName = importName;
    x.importModule = importModule;
  }
  /** A fresh symbol's bits (newSymbol): nothing of an earlier life of a reused object is kept. */
  resetNew(referenced: boolean): void {
    this.bits = referenced ? B_REFERENCED : 0;
  }
  /** A local symbol reused as is by a later link: what newSymbol would make, kind and values kept. */
  resetForLink(referenced: boolean): void {
    this.bits = referenced ? B_REFERENCED : 0;
    if (this.x !== NO_EXTRA) this.resetExtra();
  }

  /** This symbol's own extra, made on the first write of a non-default value. */
  private own(): SymbolExtra {
    return this.x === NO_EXTRA ? (this.x = new SymbolExtra()) : this.x;
  }
  /** Back to no extra: an own one is reset in place, for a reused symbol. */
  private resetExtra(): void {
    const x = this.x;
    x.globalType = null;
    x.tableType = null;
    x.importName = undefined;
    x.importModule = undefined;
    x.stubFunction = null;
    x.functionIndex = x.tableIndex = x.globalIndex = x.tagIndex = x.tableNumber = x.gotIndex = x.outputSymbolIndex = NO_INDEX;
  }
  get globalType(): GlobalType | null {
    return this.x.globalType;
  }
  set globalType(v: GlobalType | null) {
    if (v !== this.x.globalType) this.own().globalType = v;
  }
  get tableType(): TableType | null {
    return this.x.tableType;
  }
  set tableType(v: TableType | null) {
    if (v !== this.x.tableType) this.own().tableType = v;
  }
  get importName(): string | undefined {
    return this.x.importName;
  }
  set importName(v: string | undefined) {
    if (v !== this.x.importName) this.own().importName = v;
  }
  get importModule(): string | undefined {
    return this.x.importModule;
  }
  set importModule(v: string | undefined) {
    if (v !== this.x.importModule) this.own().importModule = v;
  }
  get stubFunction(): Symbol | null {
    return this.x.stubFunction;
  }
  set stubFunction(v: Symbol | null) {
    if (v !== this.x.stubFunction) this.own().stubFunction = v;
  }
  get functionIndex(): number {
    return this.x.functionIndex;
  }
  set functionIndex(v: number) {
    if (v !== this.x.functionIndex) this.own().functionIndex = v;
  }
  get tableIndex(): number {
    return this.x.tableIndex;
  }
  set tableIndex(v: number) {
    if (v !== this.x.tableIndex) this.own().tableIndex = v;
  }
  get globalIndex(): number {
    return this.x.globalIndex;
  }
  set globalIndex(v: number) {
    if (v !== this.x.globalIndex) this.own().globalIndex = v;
  }
  get tagIndex(): number {
    return this.x.tagIndex;
  }
  set tagIndex(v: number) {
    if (v !== this.x.tagIndex) this.own().tagIndex = v;
  }
  get tableNumber(): number {
    return this.x.tableNumber;
  }
  set tableNumber(v: number) {
    if (v !== this.x.tableNumber) this.own().tableNumber = v;
  }
  get gotIndex(): number {
    return this.x.gotIndex;
  }
  set gotIndex(v: number) {
    if (v !== this.x.gotIndex) this.own().gotIndex = v;
  }
  get outputSymbolIndex(): number {
    return this.x.outputSymbolIndex;
  }
  set outputSymbolIndex(v: number) {
    if (v !== this.x.outputSymbolIndex) this.own().outputSymbolIndex = v;
  }

  isDefined(): boolean {
    return this.kind <= DefinedTable || this.kind >= SectionKind;
  }
  isUndefined(): boolean {
    return this.kind >= UndefinedFunction && this.kind <= UndefinedTable;
  }
  isLazy(): boolean {
    return this.kind === LazyKind;
  }
  isFunction(): boolean {
    return this.kind === DefinedFunction || this.kind === UndefinedFunction || this.kind === SharedFunction;
  }
  isData(): boolean {
    return this.kind === DefinedData || this.kind === UndefinedData || this.kind === SharedData;
  }
  isShared(): boolean {
    return this.kind === SharedFunction || this.kind === SharedData;
  }
  isGlobal(): boolean {
    return this.kind === DefinedGlobal || this.kind === UndefinedGlobal;
  }
  isTag(): boolean {
    return this.kind === DefinedTag || this.kind === UndefinedTag;
  }
  isTable(): boolean {
    return this.kind === DefinedTable || this.kind === UndefinedTable;
  }
  isWeak(): boolean {
    return (this.flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_WEAK;
  }
  isLocal(): boolean {
    return (this.flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_LOCAL;
  }
  isHidden(): boolean {
    return (this.flags & W.SYM_VISIBILITY_MASK) === W.SYM_VISIBILITY_HIDDEN;
  }
  isTLS(): boolean {
    return (this.flags & W.SYM_TLS) !== 0;
  }
  isNoStrip(): boolean {
    return (this.flags & W.SYM_NO_STRIP) !== 0;
  }
  /** Weak and undefined, or weak and lazy: a weak reference never extracts a member. */
  isUndefWeak(): boolean {
    return this.isWeak() && (this.isUndefined() || this.kind === LazyKind);
  }
  /**
   * An undefined function without a signature: only --wrap makes one (__wrap_<name> when no input
   * references <name>, or <name> is data). Nothing can import it or stub it (wasm-ld 22 crashes).
   */
  isUntypedFunction(): boolean {
    return this.kind === UndefinedFunction && this.sig === null;
  }
  isImported(): boolean {
    return this.isShared() || (this.isUndefined() && (this.importName !== undefined || this.forceImport));
  }
  isExportedExplicit(): boolean {
    return this.forceExport || (this.flags & W.SYM_EXPORTED) !== 0;
  }
  setHidden(hidden: boolean): void {
    this.flags = (this.flags & ~W.SYM_VISIBILITY_MASK) | (hidden ? W.SYM_VISIBILITY_HIDDEN : 0);
  }

  /** lld getChunk: the function body or data segment keeping this symbol alive. */
  getChunk(): InputChunk | null {
    if (this.kind === DefinedFunction || this.kind === DefinedData) return this.chunk;
    if (this.kind === UndefinedFunction && this.stubFunction) return this.stubFunction.chunk;
    return null;
  }

  isDiscarded(): boolean {
    const c = this.getChunk();
    return c ? c.discarded : false;
  }

  isLive(): boolean {
    if (this.kind === DefinedGlobal || this.kind === DefinedTag || this.kind === DefinedTable) return this.element!.live;
    const c = this.getChunk();
    if (c) return c.live;
    return this.referenced;
  }

  markLive(): void {
    this.referenced = true;
    if (this.file && this.isDefined()) this.file.live = true;
    if (this.element && (this.kind === DefinedGlobal || this.kind === DefinedTag || this.kind === DefinedTable)) this.element.live = true;
    const c = this.getChunk();
    if (c) c.live = true;
  }

  /** Kind as a symbol-table type, for "symbol type mismatch" messages. */
  wasmType(): number {
    if (this.isFunction()) return W.SYMTAB_FUNCTION;
    if (this.isData()) return W.SYMTAB_DATA;
    if (this.isGlobal()) return W.SYMTAB_GLOBAL;
    if (this.isTag()) return W.SYMTAB_TAG;
    if (this.isTable()) return W.SYMTAB_TABLE;
    return W.SYMTAB_SECTION;
  }

  getFunctionIndex(): number {
    if (this.kind === UndefinedFunction && this.stubFunction) return this.stubFunction.getFunctionIndex();
    if (this.functionIndex !== NO_INDEX) return this.functionIndex;
    return this.chunk!.functionIndex;
  }

  hasTableIndex(): boolean {
    if (this.kind === DefinedFunction) return this.chunk!.tableIndex !== NO_INDEX;
    return this.tableIndex !== NO_INDEX;
  }

  getTableIndex(): number {
    if (this.kind === DefinedFunction) return this.chunk!.tableIndex;
    return this.tableIndex;
  }

  setTableIndex(i: number): void {
    if (this.kind === DefinedFunction) this.chunk!.tableIndex = i;
    else this.tableIndex = i;
  }

  getGlobalIndex(): number {
    // A weak global of a shared library is also imported: uses go through the import.
    if (this.kind === DefinedGlobal && this.globalIndex === NO_INDEX) return this.element!.assignedIndex;
    return this.globalIndex;
  }

  getTagIndex(): number {
    if (this.kind === DefinedTag) return this.element!.assignedIndex;
    return this.tagIndex;
  }

  getTableNumber(): number {
    if (this.kind === DefinedTable) return this.element!.assignedIndex;
    return this.tableNumber;
  }

  hasTableNumber(): boolean {
    return this.getTableNumber() !== NO_INDEX;
  }

  getGlobalType(): GlobalType | null {
    if (this.kind === DefinedGlobal) return this.element!.globalType;
    return this.globalType;
  }

  getTableType(): TableType | null {
    if (this.kind === DefinedTable) return this.element!.tableType;
    return this.tableType;
  }

  /** Address (DefinedData::getVA); TLS symbols are relative to the TLS segment unless `absolute`. */
  getVA(absolute = false): number {
    if (this.isTLS() && !absolute) return this.chunk!.chunkOffset(this.value);
    if (this.chunk) return this.chunk.va(this.value);
    return this.value;
  }
}

/** Where an object's parsed data and lazy names come from (the input stage, maybe cached). */
export interface ObjectSource {
  object(member: number): ObjectData;
  names(member: number): string[];
}

/**
 * The lazy names of an archive's members, member after member (what parseLazy would offer one by
 * one), built once per archive and shared by every link of a cache: see SymbolTable.addLazyGroup.
 */
export interface LazyIndex {
  names: string[];
  /** Per entry: the position of its member in the group's files. */
  member: Int32Array;
  /** Name -> its first entry (the offer that wins). */
  first: Map<string, number>;
}

/**
 * One link's lazy members of one archive. Offered as a block (SymbolTable.addLazyGroup), its
 * members get an ObjFile only when a symbol needs one: most are never looked at.
 */
export class LazyGroup {
  /** The index, once the block is offered. */
  idx: LazyIndex | null = null;
  /** Entries before this one are offered. */
  cursor = 0;
  /** Symbol order of entry 0; entry p's is base + p + the delta of the last break at or before p. */
  base = 0;
  breakPos: number[] = [];
  breakDelta: number[] = [];
  private readonly made: (ObjFile | undefined)[];

  constructor(
    readonly count: number,
    private readonly make: (k: number) => ObjFile,
    /** The archive's index; throws (an InputError) if a member's symbol table is malformed. */
    readonly index: () => LazyIndex,
  ) {
    this.made = new Array<ObjFile | undefined>(count);
  }

  /** Member k's ObjFile (made on first use). */
  file(k: number): ObjFile {
    let f = this.made[k];
    if (f === undefined) this.made[k] = f = this.make(k);
    return f;
  }

  /** Whether member k is still lazy (one nobody has touched is). */
  isLazy(k: number): boolean {
    const f = this.made[k];
    return f === undefined || f.lazy;
  }

  /** Symbol order of entry p (what parseLazy's offer at that place would have been given). */
  orderOf(p: number): number {
    const pos = this.breakPos;
    let i = pos.length - 1;
    while (i >= 0 && pos[i] > p) i--;
    return this.base + p + (i >= 0 ? this.breakDelta[i] : 0);
  }
}

// Shared empty values for files that are never parsed (most archive members): parseFile
// replaces them before anything is added.
const NO_CHUNKS: InputChunk[] = [];
const NO_ELEMENTS: InputElement[] = [];
const NO_SYMBOLS: (Symbol | null)[] = [];
const NO_FLAGS: boolean[] = [];
const NO_I32 = new Int32Array(0);
const NO_U8 = new Uint8Array(0);

/** One object file (eager, or an archive member that may stay lazy). */
export class ObjFile {
  /** The parsed object, or a loader that parses it on extraction. */
  private loaded: ObjectData | null = null;
  readonly name: string;
  readonly archiveName: string;
  lazy: boolean;
  live: boolean;
  /** A shared library (dylink.0): only its exports enter the link, as shared symbols. */
  shared = false;
  symbols = NO_SYMBOLS;
  functions = NO_CHUNKS;
  segments = NO_CHUNKS;
  customSections = NO_CHUNKS;
  customSectionsByIndex: Map<number, InputChunk> | null = null;
  globals = NO_ELEMENTS;
  tables = NO_ELEMENTS;
  tags = NO_ELEMENTS;
  keptComdats = NO_FLAGS;
  typeMap = NO_I32;
  typeIsUsed = NO_U8;
  /**
   * Local symbols are made when first asked for (symbolAt in resolve/file.ts; `symbols` holds
   * null until then): most are only named by relocations, which marking and the plan follow
   * to their chunks without a Symbol. The earlier link's local Symbols of a cached object, to
   * reuse, and this link's --gc-sections, for making them.
   */
  localTemplate: (Symbol | undefined)[] | null = null;
  gcSections = false;

  constructor(
    name: string,
    archiveName: string,
    lazy: boolean,
    private readonly source: ObjectSource,
    /** Member index in the archive (-1 for a plain object file). */
    private readonly member: number,
  ) {
    this.name = name;
    this.archiveName = archiveName;
    this.lazy = lazy;
    this.live = !archiveName;
  }

  /** Names of the defined non-local symbols, for lazy registration. */
  lazyNames(): string[] {
    return this.source.names(this.member);
  }

  get data(): ObjectData {
    if (!this.loaded) this.loaded = this.source.object(this.member);
    return this.loaded;
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  toString(): string {
    return this.archiveName ? `${this.archiveName}(${this.name})` : this.name;
  }
}

export function fileName(f: ObjFile | null): string {
  return f ? f.toString() : '<internal>';
}

export function alignTo(v: number, align: number): number {
  // Integer arithmetic for the usual case (a power of two, offsets below 1 GiB): no division.
  if (v >= 0 && v <= 0x3fffffff && align <= 0x40000000 && (align & (align - 1)) === 0) return (v + align - 1) & -align;
  return Math.ceil(v / align) * align;
}

/**
 * 2^n for alignments. Unoptimized code makes `2 ** n` a heap number even when small, and one
 * heap number stored in an integer field turns that field into a boxed double for the whole
 * class: V8 then migrates every existing object on its next access (~76,000 chunks and
 * symbols in a large link, most of a cold link's layout time).
 */
export function pow2(n: number): number {
  return n < 30 ? 1 << n : 2 ** n;
}
