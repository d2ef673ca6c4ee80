// lld's Writer::run for a static wasm32 link: output segments, memory, imports, relocation scan,
// index spaces, synthetic functions, exports and every synthesized section, in wasm-ld's order.

import { stringMapOrder } from '../util/stringmap.js';
import { basename } from 'node:path';
import type { FuncType, GlobalType, InitExpr, Limits, ObjectData, TableType } from '../input/object.js';
import * as W from '../input/wasm.js';
import type { Context } from '../resolve/context.js';
import {
  CHUNK_FUNCTION,
  CHUNK_MERGED,
  DefinedData,
  DefinedFunction,
  DefinedGlobal,
  DefinedTable,
  DefinedTag,
  InputChunk,
  InputElement,
  INVALID_INDEX,
  LazyKind,
  NO_INDEX,
  ObjFile,
  OutputSegment,
  SectionKind,
  Symbol,
  UndefinedFunction,
  alignTo,
  pow2,
  fileName,
} from '../resolve/model.js';
import { demangleName } from '../resolve/names.js';
import { makeLocals, symbolAt } from '../resolve/file.js';
import { ByteWriter, scratchWriter } from '../util/writer.js';
import { ulebSize } from '../util/leb.js';
import { isExported } from '../gc/index.js';
import { createOutputSegments, addMergeChunk, finalizeMerged } from './segments.js';
import { layoutMemory, type MemoryLayout } from './memory.js';
import type { Layout, OutSection } from './types.js';

interface Export {
  name: string;
  kind: number;
  index: number;
}

interface InitEntry {
  sym: Symbol;
  priority: number;
}

/**
 * The relocations of `d` the scan acts on without per-symbol checks (type indexes and SCAN_TYPE),
 * in order, and per relocation index how many of them come before it: a chunk's are
 * scanList[scanBefore[relocStart], scanBefore[relocEnd]). Made once per parsed object.
 */
function makeScanList(d: ObjectData): Uint32Array {
  const types = d.relocType;
  const before = new Uint32Array(types.length + 1);
  let n = 0;
  for (let i = 0; i < types.length; i++) {
    before[i] = n;
    const t = types[i];
    if (t === W.R_TYPE_INDEX_LEB || SCAN_TYPE[t] !== 0) n++;
  }
  before[types.length] = n;
  const list = new Uint32Array(n);
  for (let i = 0; i < types.length; i++) if (before[i + 1] !== before[i]) list[before[i]] = i;
  d.scanBefore = before;
  return (d.scanList = list);
}

/**
 * The custom sections of an object that may go to the output (not the linker's own: linking,
 * name, producers, target features, relocations, embedded bitcode), found once per object:
 * most objects have none, and the names are compared per link otherwise.
 */
function copiedCustomSections(d: ObjectData): Int32Array {
  if (d.copiedCustom !== null) return d.copiedCustom;
  const out: number[] = [];
  for (let i = 0; i < d.customSections.length; i++) {
    const n = d.customSections[i].name;
    if (n === 'linking' || n === 'name' || n === 'producers' || n === 'target_features' || n.startsWith('reloc.')) continue;
    if (n === '.llvmbc' || n === '.llvmcmd') continue;
    out.push(i);
  }
  return (d.copiedCustom = Int32Array.from(out));
}

/** Which of `file`'s chunks have relocations in its object's scan list. */
function makeScanChunks(file: ObjFile): NonNullable<ObjectData['scanChunks']> {
  const d = file.data;
  if (d.scanList === null) makeScanList(d);
  const before = d.scanBefore!;
  // From the relocation ranges ([start, end) pairs per chunk), not the chunk objects.
  const pick = (ranges: Uint32Array) => {
    const out: number[] = [];
    for (let i = 0; i < ranges.length; i += 2) if (before[ranges[i + 1]] > before[ranges[i]]) out.push(i >> 1);
    return Int32Array.from(out);
  };
  return (d.scanChunks = { functions: pick(d.funcRelocs!), segments: pick(d.segRelocs!), custom: pick(d.customRelocs!) });
}

/** Relocation types whose symbol scanChunk looks at even without the per-symbol checks. */
const SCAN_TYPE = new Uint8Array(256);
for (const t of [
  W.R_TABLE_INDEX_I32,
  W.R_TABLE_INDEX_I64,
  W.R_TABLE_INDEX_SLEB,
  W.R_TABLE_INDEX_SLEB64,
  W.R_TABLE_INDEX_REL_SLEB,
  W.R_TABLE_INDEX_REL_SLEB64,
  W.R_GLOBAL_INDEX_LEB,
  W.R_GLOBAL_INDEX_I32,
  W.R_MEMORY_ADDR_TLS_SLEB,
  W.R_MEMORY_ADDR_TLS_SLEB64,
])
  SCAN_TYPE[t] = 1;

// Target feature names as small integers, for every link of the process (featureIds).
const FEATURE_IDS = new Map<string, number>();
const FEATURE_NAMES: string[] = [];
let FEATURE_MARKS = new Uint8Array(64);

/** An object's features as `id * 2 + (disallowed ? 1 : 0)`, made once per parsed object. */
function featureIds(d: ObjectData): Int32Array {
  if (d.featureIds) return d.featureIds;
  const ids = new Int32Array(d.features.length);
  for (let i = 0; i < d.features.length; i++) {
    const f = d.features[i];
    let id = FEATURE_IDS.get(f.name);
    if (id === undefined) {
      id = FEATURE_NAMES.length;
      FEATURE_IDS.set(f.name, id);
      FEATURE_NAMES.push(f.name);
    }
    ids[i] = id * 2 + (f.prefix === 0x2d ? 1 : 0);
  }
  return (d.featureIds = ids);
}

/** A zeroed scratch array of n marks. */
function featureMarks(n: number): Uint8Array {
  if (FEATURE_MARKS.length < n) FEATURE_MARKS = new Uint8Array(n * 2);
  const m = FEATURE_MARKS.subarray(0, n);
  m.fill(0);
  return m;
}

const NULL_SIG: FuncType = { key: '\x60\x00\x00', params: [], results: [] };

function isValidCIdentifier(s: string): boolean {
  return s.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

function writeLimits(w: ByteWriter, l: Limits, pageSizeLog2 = 16): void {
  w.u8(l.flags);
  w.uleb(l.min);
  if (l.flags & W.LIMITS_HAS_MAX) w.uleb(l.max);
  if (l.flags & W.LIMITS_HAS_PAGE_SIZE) w.uleb(pageSizeLog2);
}

function writeTableType(w: ByteWriter, t: TableType): void {
  w.u8(t.elemType);
  writeLimits(w, t.limits);
}

function writeGlobalType(w: ByteWriter, t: GlobalType): void {
  w.u8(t.valType);
  w.u8(t.mutable ? 1 : 0);
}

/** lld writeInitExpr: MVP expressions are re-encoded minimally; extended ones are copied. */
function writeInitExpr(w: ByteWriter, e: InitExpr, src: Uint8Array): void {
  if (e.extended) {
    w.bytes(src.subarray(e.start, e.end));
    return;
  }
  w.u8(e.opcode);
  switch (e.opcode) {
    case W.OP_I32_CONST:
      w.sleb(e.value);
      break;
    case W.OP_I64_CONST:
      if (e.big === undefined) w.sleb(e.value);
      else w.slebBig(e.big);
      break;
    case W.OP_F32_CONST:
      w.u32(e.value);
      break;
    case W.OP_F64_CONST:
      w.u32(e.value);
      w.u32(e.valueHi);
      break;
    case W.OP_GLOBAL_GET:
      w.uleb(e.value);
      break;
    case W.OP_REF_NULL:
      // LLVM always writes the externref heap type here.
      w.u8(W.TYPE_EXTERNREF);
      break;
  }
  w.u8(W.OP_END);
}

function i32ConstExpr(w: ByteWriter, v: number): void {
  w.u8(W.OP_I32_CONST);
  w.sleb(v | 0);
  w.u8(W.OP_END);
}

/** A synthetic function's body: size LEB, then the contents (lld createFunction). */
function functionBody(content: ByteWriter): Uint8Array {
  const c = content.finish();
  return scratchWriter(c.length + 5).uleb(c.length).bytes(c).finish();
}

export class Writer {
  private segments: OutputSegment[] = [];
  private mem: MemoryLayout = { initialPages: 0, maxPages: 0, memSize: 0, memAlign: 0 };
  /** GOT entries the loader fills: imported globals in GOT.mem/GOT.func (PIC). */
  private gotSymbols: Symbol[] = [];
  /** The inputs allow extended-const: PIC segment and GOT initializers add to the bases. */
  private extendedConst = false;
  private types: FuncType[] = [];
  private typeIndex = new Map<string, number>();
  private importedSymbols: Symbol[] = [];
  private importKeys = new Map<string, number>();
  private numImportedFunctions = 0;
  private numImportedGlobals = 0;
  private numImportedTables = 0;
  private numImportedTags = 0;
  private inputFunctions: InputChunk[] = [];
  private inputGlobals: InputElement[] = [];
  private inputTables: InputElement[] = [];
  private inputTags: InputElement[] = [];
  private internalGotSymbols: Symbol[] = [];
  private dataAddressGlobals: Symbol[] = [];
  private indirectFunctions: Symbol[] = [];
  private exports: Export[] = [];
  /**
   * scanChunk must look at every relocation's symbol: PIC, shared or import-dynamic symbols, or
   * an undefined symbol to report. Otherwise only the relocation types in SCAN_TYPE do anything.
   */
  private scanEverySymbol = true;
  private exportedSymbols: Symbol[] = [];
  private initFunctions: InitEntry[] = [];
  private features = new Set<string>();
  private producers: [string, string][][] = [[], [], []];
  private customSections = new Map<string, InputChunk[]>();
  /** -r: the output symbol table (symbols, then custom sections' section symbols). */
  private symtabEntries: (Symbol | { section: string; index: number })[] = [];
  private sectionSymbolIndex = new Map<string, number>();

  /** wasm64: addresses, table slots and their globals are i64. */
  private readonly is64: boolean;
  private readonly ptrType: number;

  constructor(private readonly ctx: Context) {
    this.is64 = ctx.config.is64;
    this.ptrType = this.is64 ? W.TYPE_I64 : W.TYPE_I32;
  }

  /** lld writePtrConst: i32.const, or i64.const on wasm64. */
  private ptrConst(w: ByteWriter, v: number): ByteWriter {
    return this.is64 ? w.u8(W.OP_I64_CONST).sleb(v) : w.u8(W.OP_I32_CONST).sleb(v | 0);
  }

  private ptrAdd(w: ByteWriter): ByteWriter {
    return w.u8(this.is64 ? W.OP_I64_ADD : W.OP_I32_ADD);
  }

  /** An init expression holding an address (intConst(v, is64)). */
  private ptrConstExpr(w: ByteWriter, v: number): void {
    this.ptrConst(w, v).u8(W.OP_END);
  }

  run(): Layout {
    const ctx = this.ctx;
    const cfg = ctx.config;
    if (ctx.sym.definedTableBase) ctx.sym.definedTableBase.value = cfg.tableBase;

    this.segments = createOutputSegments(ctx);
    this.mem = layoutMemory(ctx, this.segments);
    if (!cfg.relocatable) for (const seg of this.segments) this.addStartStopSymbols(seg);

    for (const name of ctx.exportedSymbols) {
      const sym = ctx.symtab.find(name);
      if (sym && sym.isDefined()) sym.forceExport = true;
    }
    for (const name of ctx.requiredExports) {
      const sym = ctx.symtab.find(name);
      if (!sym || !sym.isDefined()) {
        if (cfg.unresolvedSymbols === 'error') ctx.diag.error(`symbol exported via --export not found: ${name}`, { symbol: name });
        if (cfg.unresolvedSymbols === 'warn') ctx.diag.warn(`symbol exported via --export not found: ${name}`, { symbol: name });
      }
    }

    this.populateTargetFeatures();
    // A PIC module has one base address (__memory_base): without extended-const every segment
    // becomes one .data placed there. Shared memory initializes segments in code instead.
    if (cfg.isPic && !this.extendedConst && !cfg.sharedMemory) this.combineOutputSegments();
    this.populateProducers();
    this.calculateImports();
    this.scanRelocations();
    this.finalizeIndirectFunctionTable();
    if (!cfg.relocatable) this.createSyntheticInitFunctions();
    this.assignIndexes();
    this.calculateInitFunctions();

    // A relocatable output gets no linker-made functions: the final link makes them.
    if (!cfg.relocatable) {
      if (ctx.sym.applyGlobalRelocs) this.createApplyGlobalRelocationsFunction(ctx.sym.applyGlobalRelocs, false);
      if (ctx.sym.applyTLSRelocs) this.createApplyTLSRelocationsFunction();
      if (ctx.sym.applyGlobalTLSRelocs) this.createApplyGlobalRelocationsFunction(ctx.sym.applyGlobalTLSRelocs, true);
      if (ctx.sym.initMemory) this.createInitMemoryFunction();
      this.createStartFunction();
      this.createCallCtorsFunction();
      const callCtors = ctx.sym.callCtors!;
      if (!cfg.isPic && !callCtors.isUsedInRegularObj && !isExported(ctx, callCtors)) this.createCommandExportWrappers();
    }
    if (ctx.sym.initTLS && ctx.sym.initTLS.isLive()) this.createInitTLSFunction();

    ctx.diag.checkpoint();

    this.calculateTypes();
    if (!cfg.relocatable) this.calculateExports();
    this.calculateCustomSections();
    if (cfg.relocatable || cfg.emitRelocs) this.populateSymtab();
    if (!cfg.relocatable) this.checkImportExportTargetFeatures();
    return this.addSections();
  }

  // ---- memory symbols -------------------------------------------------------------------

  private addStartStopSymbols(seg: OutputSegment): void {
    if (!isValidCIdentifier(seg.name)) return;
    this.ctx.symtab.addOptionalDataSymbol('__start_' + seg.name, seg.startVA);
    this.ctx.symtab.addOptionalDataSymbol('__stop_' + seg.name, seg.startVA + seg.size);
  }

  // ---- features and producers -----------------------------------------------------------

  private populateTargetFeatures(): void {
    const ctx = this.ctx;
    const cfg = ctx.config;
    const used = new Map<string, string>();
    const disallowed = new Map<string, string>();
    const allowed = this.features;
    // As lld: PIC objects should all name mutable-globals, but a PIC output always has it
    // (objects without a target_features section, as wabt writes them, included).
    if (cfg.isPic) allowed.add('mutable-globals');
    if (cfg.extraFeatures) for (const f of cfg.extraFeatures) allowed.add(f);
    const infer = cfg.features === null;
    if (!infer) {
      for (const f of cfg.features!) allowed.add(f);
      if (!cfg.checkFeatures) return this.finishFeatures();
    }
    // A live TLS input segment always lands in the output's .tdata (and only one does).
    const tlsUsed = this.segments.some((s) => s.isTLS);
    // Which file named each feature first matters only for messages: the common case, with none
    // due, needs no maps of names.
    const byName = !this.featuresWithoutConflict(infer);
    if (byName)
      for (let fileIndex = 0, objectFiles = ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
        const file = objectFiles[fileIndex];
        // lld names files here by InputFile::getName: an archive member without its archive.
        const name = file.name;
        for (let fi = 0, features = file.data.features; fi < features.length; fi++) {
          const f = features[fi];
          // The reader accepts only these two prefixes.
          if (f.prefix === 0x2b) {
            if (!used.has(f.name)) used.set(f.name, name);
          } else if (!disallowed.has(f.name)) disallowed.set(f.name, name);
        }
      }
    if (infer) for (const f of used.keys()) allowed.add(f);
    if (!cfg.checkFeatures) return this.finishFeatures();
    const require = (what: string) => {
      for (const f of ['atomics', 'bulk-memory']) if (!allowed.has(f)) ctx.diag.error(`'${f}' feature must be used in order to use ${what}`);
    };
    if (cfg.sharedMemory) {
      const by = disallowed.get('shared-mem');
      if (by) ctx.diag.error(`--shared-memory is disallowed by ${by} because it was not compiled with 'atomics' or 'bulk-memory' features.`, { file: by });
      require('shared memory');
    }
    if (tlsUsed) require('thread-local storage');
    if (!byName) return this.finishFeatures();
    // wasm-ld walks a StringMap here: its errors come in that map's hash order.
    if (!infer)
      for (const f of stringMapOrder(used.keys())) if (!allowed.has(f)) ctx.diag.error(`Target feature '${f}' used by ${used.get(f)} is not allowed.`);
    for (let fileIndex = 0, objectFiles = ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      for (let fi = 0, features = file.data.features; fi < features.length; fi++) {
        const f = features[fi];
        if (f.prefix === 0x2d) continue;
        const by = disallowed.get(f.name);
        if (by) ctx.diag.error(`Target feature '${f.name}' used in ${file.name} is disallowed by ${by}. Use --no-check-features to suppress.`, { file: file.toString() });
      }
    }
    this.finishFeatures();
  }

  /**
   * The common case of populateTargetFeatures, from each object's features as small integers
   * (featureIds): no feature is both used and disallowed, none used is outside an explicit
   * --features, and shared memory is not disallowed. Then the allowed set is all that is needed
   * (the features used, when inferred), not which file named each feature first; returns false
   * when a message may need that (the caller then does it all by name).
   */
  private featuresWithoutConflict(infer: boolean): boolean {
    const files = this.ctx.objectFiles;
    for (let i = 0; i < files.length; i++) featureIds(files[i].data);
    const mark = featureMarks(FEATURE_NAMES.length);
    for (let i = 0; i < files.length; i++) {
      const ids = files[i].data.featureIds!;
      // Bit 1: used somewhere; bit 2: disallowed somewhere.
      for (let j = 0; j < ids.length; j++) mark[ids[j] >> 1] |= (ids[j] & 1) + 1;
    }
    const cfg = this.ctx.config;
    const sharedMem = FEATURE_IDS.get('shared-mem');
    if (cfg.checkFeatures && cfg.sharedMemory && sharedMem !== undefined && (mark[sharedMem] & 2) !== 0) return false;
    for (let f = 0; f < mark.length; f++) {
      if (mark[f] === 3 && cfg.checkFeatures) return false;
      if ((mark[f] & 1) === 0) continue;
      if (infer) this.features.add(FEATURE_NAMES[f]);
      else if (cfg.checkFeatures && !this.features.has(FEATURE_NAMES[f])) return false;
    }
    return true;
  }

  private finishFeatures(): void {
    // BSS must be in the binary when memory is imported and memory.fill is not available.
    // With --emit-relocs they are written too: relocations may point into them.
    if (this.ctx.config.emitRelocs || (this.ctx.config.memoryImport && !this.features.has('bulk-memory'))) this.ctx.emitBssSegments = true;
    if (this.features.has('extended-const')) this.extendedConst = true;
  }

  /** lld combineOutputSegments: every segment into one .data at the same addresses. */
  private combineOutputSegments(): void {
    if (this.segments.length <= 1) return;
    const combined = new OutputSegment('.data');
    combined.startVA = this.segments[0].startVA;
    const next = [combined];
    for (const s of this.segments) {
      // Segments the binary leaves out (BSS) stay apart.
      if (!this.requiredInBinary(s)) {
        next.push(s);
        continue;
      }
      let first = true;
      for (const c of s.inputSegments) {
        // The first input takes its segment's alignment, so nothing moves. (Not written to the
        // chunk: a Linker reuses chunks in later links.)
        combined.addInputSegment(c, first ? Math.max(c.alignment, s.alignment) : c.alignment);
        first = false;
      }
    }
    for (let i = 0; i < next.length; i++) next[i].index = i;
    this.segments = next;
  }

  private populateProducers(): void {
    const fields = ['language', 'processed-by', 'sdk'];
    for (let fileIndex = 0, objectFiles = this.ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      for (let pi = 0, producers = file.data.producers; pi < producers.length; pi++) {
        const p = producers[pi];
        const i = fields.indexOf(p.name);
        if (i < 0) continue;
        const list = this.producers[i];
        // Index loops, no destructuring: this runs per object and link, mostly unoptimized (a
        // destructuring pattern steps an iterator).
        for (let vi = 0, values = p.values; vi < values.length; vi++) {
          const v = values[vi];
          let known = false;
          for (let li = 0; li < list.length && !known; li++) known = list[li][0] === v[0];
          if (!known) list.push(v);
        }
      }
    }
  }

  // ---- imports ----------------------------------------------------------------------------

  private shouldImport(sym: Symbol): boolean {
    const cfg = this.ctx.config;
    if (sym.isData()) return false;
    if (!sym.isLive()) return false;
    if (!sym.isUsedInRegularObj) return false;
    // A shared library's weak definition may be overridden by another module: import it too.
    if (cfg.shared && sym.isWeak() && !sym.isUndefined() && !sym.isHidden()) return true;
    if (sym.isShared()) return true;
    if (!sym.isUndefined()) return false;
    if (sym.isUntypedFunction()) return false;
    if (sym.isWeak() && !cfg.relocatable && !cfg.isPic) return false;
    // PIC reaches functions it does not call directly through GOT.func entries.
    if (cfg.isPic && sym.kind === UndefinedFunction && !sym.isCalledDirectly) return false;
    if (cfg.isPic || cfg.relocatable || cfg.importUndefined || cfg.unresolvedSymbols === 'import-dynamic') return true;
    if (cfg.allowUndefinedSymbols.has(sym.name)) return true;
    return sym.isImported();
  }

  private addImport(sym: Symbol): void {
    const module = sym.importModule ?? 'env';
    const name = sym.importName ?? sym.name;
    let typeKey: string;
    let counter: 'numImportedFunctions' | 'numImportedGlobals' | 'numImportedTables' | 'numImportedTags';
    if (sym.isFunction()) {
      typeKey = 'f' + sym.sig!.key;
      counter = 'numImportedFunctions';
    } else if (sym.isGlobal()) {
      const t = sym.getGlobalType()!;
      typeKey = `g${t.valType}:${t.mutable}`;
      counter = 'numImportedGlobals';
    } else if (sym.isTag()) {
      typeKey = 'e' + sym.sig!.key;
      counter = 'numImportedTags';
    } else {
      const t = sym.getTableType()!;
      typeKey = `t${t.elemType}:${t.limits.flags}:${t.limits.min}:${t.limits.max}`;
      counter = 'numImportedTables';
    }
    const key = `${module}\0${name}\0${typeKey}`;
    let index = this.importKeys.get(key);
    if (index === undefined) {
      index = this[counter]++;
      this.importKeys.set(key, index);
      this.importedSymbols.push(sym);
    }
    if (sym.isFunction()) sym.functionIndex = index;
    else if (sym.isGlobal()) sym.globalIndex = index;
    else if (sym.isTag()) sym.tagIndex = index;
    else sym.tableNumber = index;
  }

  private calculateImports(): void {
    const cfg = this.ctx.config;
    const t = this.ctx.sym.indirectFunctionTable;
    if (t && this.shouldImport(t)) this.addImport(t);
    // This loop sees every symbol anyway: it also finds whether scanChunk must look at the symbol
    // of every relocation (see scanEverySymbol), which is rare and costs a load per relocation.
    let everySymbol = cfg.isPic || cfg.unresolvedSymbols === 'import-dynamic';
    for (let symIndex = 0, symbols = this.ctx.symtab.symbols; symIndex < symbols.length; symIndex++) {
      const sym = symbols[symIndex];
      if (!everySymbol && (sym.isShared() || (sym.isUndefined() && !cfg.relocatable && !sym.isWeak() && !this.allowUndefined(sym)))) everySymbol = true;
      if (sym === t || !this.shouldImport(sym)) continue;
      this.addImport(sym);
    }
    this.scanEverySymbol = everySymbol;
  }

  // ---- relocation scan --------------------------------------------------------------------

  private registerType(sig: FuncType): number {
    let i = this.typeIndex.get(sig.key);
    if (i === undefined) {
      i = this.types.length;
      this.typeIndex.set(sig.key, i);
      this.types.push(sig);
    }
    return i;
  }

  private lookupType(sig: FuncType): number {
    const i = this.typeIndex.get(sig.key);
    if (i === undefined) throw new Error(`type not found: ${sig.key}`);
    return i;
  }

  private addElemEntry(sym: Symbol): void {
    if (sym.hasTableIndex() || sym.isStub) return;
    // Objects from LLVM always declare the table when they take an address; inputs that do
    // not (hand-made, damaged) still get one rather than an elem section without a table.
    if (!this.ctx.sym.indirectFunctionTable) this.ctx.sym.indirectFunctionTable = this.ctx.symtab.resolveIndirectFunctionTable(true);
    sym.setTableIndex(this.ctx.config.tableBase + this.indirectFunctions.length);
    this.indirectFunctions.push(sym);
  }

  /** lld requiresGOTAccess: the loader decides where the symbol is. */
  private requiresGOTAccess(sym: Symbol): boolean {
    const cfg = this.ctx.config;
    if (sym.isShared()) return true;
    if (!cfg.isPic && cfg.unresolvedSymbols !== 'import-dynamic') return false;
    if (sym.isHidden() || sym.isLocal()) return false;
    if (sym.isDefined() && (!cfg.shared || cfg.bsymbolic)) return false;
    return true;
  }

  private addGOTEntry(sym: Symbol): void {
    if (this.requiresGOTAccess(sym)) {
      if (sym.gotIndex !== NO_INDEX) return;
      sym.gotIndex = this.numImportedGlobals++;
      // The loader can only fill an entry for a symbol some module exports.
      if (this.ctx.config.isPic) sym.forceExport = true;
      this.gotSymbols.push(sym);
    } else this.addInternalGOTEntry(sym);
  }

  private addInternalGOTEntry(sym: Symbol): void {
    if (sym.requiresGOT) return;
    sym.requiresGOT = true;
    if (sym.isFunction()) this.addElemEntry(sym);
    this.internalGotSymbols.push(sym);
  }

  private allowUndefined(sym: Symbol): boolean {
    const cfg = this.ctx.config;
    if (sym.isImported()) return true;
    if (sym.kind === UndefinedFunction && cfg.importUndefined) return true;
    return cfg.allowUndefinedSymbols.has(sym.name);
  }

  private reportUndefined(file: string, sym: Symbol): void {
    const ctx = this.ctx;
    if (this.allowUndefined(sym)) return;
    const msg = `${file}: undefined symbol: ${demangleName(ctx, sym.name)}`;
    if (ctx.config.unresolvedSymbols === 'error') ctx.diag.error(msg, { file, symbol: sym.name });
    else if (ctx.config.unresolvedSymbols === 'warn') ctx.diag.warn(msg, { file, symbol: sym.name });
    if (sym.kind === UndefinedFunction && !sym.isUntypedFunction() && !sym.stubFunction && ctx.config.unresolvedSymbols !== 'import-dynamic' && !ctx.config.importUndefined) {
      sym.stubFunction = ctx.symtab.createUndefinedStub(sym.sig!);
      sym.stubFunction.markLive();
      sym.isStub = true;
    }
  }

  private scanChunk(chunk: InputChunk): void {
    if (!chunk.live || !chunk.file) return;
    const file = chunk.file;
    const d = file.data;
    if (this.scanEverySymbol) {
      for (let i = chunk.relocStart, end = chunk.relocEnd; i < end; i++) this.scanReloc(file, d, i);
      return;
    }
    // Without the per-symbol checks only type indexes and SCAN_TYPE relocations do anything:
    // visit just those (a list kept with the parsed object, made with scanChunks), sparing the
    // rest even a type load.
    const list = d.scanList!;
    const before = d.scanBefore!;
    for (let j = before[chunk.relocStart], end = before[chunk.relocEnd]; j < end; j++) this.scanReloc(file, d, list[j]);
  }

  private scanReloc(file: ObjFile, d: ObjectData, i: number): void {
    const type = d.relocType[i];
    const index = d.relocIndex[i];
    if (type === W.R_TYPE_INDEX_LEB) {
      // The first use registers the type (output type order is first-use order).
      if (file.typeIsUsed[index] === 0) {
        file.typeMap[index] = this.registerType(d.types[index]);
        file.typeIsUsed[index] = 1;
      }
      return;
    }
    const sym = symbolAt(file, index);
    switch (type) {
      case W.R_TABLE_INDEX_I32:
      case W.R_TABLE_INDEX_I64:
      case W.R_TABLE_INDEX_SLEB:
      case W.R_TABLE_INDEX_SLEB64:
      case W.R_TABLE_INDEX_REL_SLEB:
      case W.R_TABLE_INDEX_REL_SLEB64:
        if (!this.requiresGOTAccess(sym)) this.addElemEntry(sym);
        break;
      case W.R_GLOBAL_INDEX_LEB:
      case W.R_GLOBAL_INDEX_I32:
        if (!sym.isGlobal()) this.addGOTEntry(sym);
        break;
      case W.R_MEMORY_ADDR_TLS_SLEB:
      case W.R_MEMORY_ADDR_TLS_SLEB64:
        if (!sym.isDefined())
          this.ctx.diag.error(
            `${file}: relocation ${W.RELOC_NAMES[type]} cannot be used against an undefined symbol \`${demangleName(this.ctx, sym.name)}\``,
            { file: file.toString(), symbol: sym.name },
          );
        // Single-threaded links lower TLS away, so only shared memory needs the symbol in .tdata.
        if (this.ctx.config.sharedMemory) this.checkTLSReloc(file.toString(), type, sym);
        break;
    }
    const cfg = this.ctx.config;
    if (cfg.isPic || sym.isShared() || (cfg.unresolvedSymbols === 'import-dynamic' && sym.isUndefined())) this.scanPICReloc(file, type, sym);
    if (sym.isUndefined() && !cfg.relocatable && !sym.isWeak()) this.reportUndefined(file.toString(), sym);
  }

  /** What PIC output cannot do with a relocation, and the GOT entries data relocations need. */
  private scanPICReloc(obj: ObjFile, type: number, sym: Symbol): void {
    // Named only for a message: every relocation of a PIC link comes here.
    const name = () => demangleName(this.ctx, sym.name);
    switch (type) {
      case W.R_TABLE_INDEX_SLEB:
      case W.R_TABLE_INDEX_SLEB64:
      case W.R_MEMORY_ADDR_SLEB:
      case W.R_MEMORY_ADDR_LEB:
      case W.R_MEMORY_ADDR_SLEB64:
      case W.R_MEMORY_ADDR_LEB64:
        this.ctx.diag.error(`${obj}: relocation ${W.RELOC_NAMES[type]} cannot be used against symbol \`${name()}\`; recompile with -fPIC`, { file: obj.toString(), symbol: sym.name });
        break;
      case W.R_TABLE_INDEX_I32:
      case W.R_TABLE_INDEX_I64:
      case W.R_MEMORY_ADDR_I32:
      case W.R_MEMORY_ADDR_I64:
        // Applied at run time by __wasm_apply_data_relocs, from the GOT when the loader decides.
        if (this.requiresGOTAccess(sym)) this.addGOTEntry(sym);
        break;
      case W.R_TABLE_INDEX_REL_SLEB:
      case W.R_TABLE_INDEX_REL_SLEB64:
      case W.R_MEMORY_ADDR_REL_SLEB:
      case W.R_MEMORY_ADDR_REL_SLEB64:
        if (sym.isUndefined())
          this.ctx.diag.error(`${obj}: relocation ${W.RELOC_NAMES[type]} is not supported against an undefined symbol \`${name()}\``, { file: obj.toString(), symbol: sym.name });
        break;
    }
  }

  private checkTLSReloc(file: string, type: number, sym: Symbol): void {
    const ctx = this.ctx;
    const name = demangleName(ctx, sym.name);
    if (!sym.isTLS())
      ctx.diag.error(`${file}: relocation ${W.RELOC_NAMES[type]} cannot be used against non-TLS symbol \`${name}\``, { file, symbol: sym.name });
    const seg = sym.kind === DefinedData && sym.chunk ? (sym.chunk.parent ?? sym.chunk).outputSeg : null;
    if (seg && !seg.isTLS)
      ctx.diag.error(`${file}: relocation ${W.RELOC_NAMES[type]} cannot be used against \`${name}\` in non-TLS section: ${seg.name}`, {
        file,
        symbol: sym.name,
      });
  }

  private scanRelocations(): void {
    for (let fileIndex = 0, objectFiles = this.ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      if (this.scanEverySymbol) {
        this.scanChunks(file.functions);
        this.scanChunks(file.segments);
        this.scanChunks(file.customSections);
        continue;
      }
      // Only the chunks with relocations in the scan list, in the same order: most (data
      // segments above all) have none, and loading each chunk to find so is a cache miss.
      const which = file.data.scanChunks ?? makeScanChunks(file);
      this.scanSome(file.functions, which.functions);
      this.scanSome(file.segments, which.segments);
      this.scanSome(file.customSections, which.custom);
    }
  }

  private scanChunks(chunks: InputChunk[]): void {
    for (let i = 0; i < chunks.length; i++) this.scanChunk(chunks[i]);
  }

  private scanSome(chunks: InputChunk[], which: Int32Array): void {
    for (let i = 0; i < which.length; i++) this.scanChunk(chunks[which[i]]);
  }

  private finalizeIndirectFunctionTable(): void {
    const t = this.ctx.sym.indirectFunctionTable;
    if (!t) return;
    if (this.shouldImport(t) && !t.hasTableNumber()) this.addImport(t);
    const size = this.ctx.config.tableBase + this.indirectFunctions.length;
    const limits: Limits = { flags: 0, min: size, max: 0 };
    if (t.isDefined() && !this.ctx.config.growableTable) {
      limits.flags |= W.LIMITS_HAS_MAX;
      limits.max = size;
    }
    if (this.is64) limits.flags |= W.LIMITS_IS_64;
    const old = t.getTableType()!;
    const type: TableType = { elemType: old.elemType, limits };
    if (t.kind === DefinedTable) t.element!.tableType = type;
    t.tableType = type;
  }

  // ---- synthetic functions ----------------------------------------------------------------

  private requiredInBinary(seg: OutputSegment): boolean {
    return !seg.isBss || this.ctx.emitBssSegments;
  }

  private needsPassiveInitialization(seg: OutputSegment): boolean {
    if (this.ctx.config.memoryImport !== null && !this.requiredInBinary(seg)) return true;
    return (seg.initFlags & W.SEGMENT_IS_PASSIVE) !== 0;
  }

  private newSyntheticFunction(name: string, sig: FuncType): InputChunk {
    const fn = new InputChunk(CHUNK_FUNCTION, null, name, this.ctx.config.gcSections);
    fn.sig = sig;
    return fn;
  }

  private createSyntheticInitFunctions(): void {
    const ctx = this.ctx;
    this.createApplyDataRelocationsFunction();
    // Imported memory cannot be assumed zero: BSS is cleared by __wasm_init_memory (start).
    if (this.segments.some((s) => this.needsPassiveInitialization(s))) {
      ctx.sym.initMemory = ctx.symtab.addSyntheticFunction(
        '__wasm_init_memory',
        W.SYM_VISIBILITY_HIDDEN,
        this.newSyntheticFunction('__wasm_init_memory', NULL_SIG),
      );
      ctx.sym.initMemory.markLive();
      // __wasm_init_memory sets the main thread's __tls_base.
      if (ctx.config.sharedMemory) ctx.sym.tlsBase!.markLive();
    }
    if (ctx.config.sharedMemory) {
      if (this.internalGotSymbols.some((sym) => sym.isTLS())) {
        ctx.sym.applyGlobalTLSRelocs = this.addSyntheticInit('__wasm_apply_global_tls_relocs');
        ctx.sym.tlsBase!.markLive();
      }
      const hasTLSRelocs = (seg: OutputSegment) => seg.isTLS && seg.inputSegments.some((c) => c.relocEnd > c.relocStart);
      if (this.segments.some(hasTLSRelocs)) ctx.sym.applyTLSRelocs = this.addSyntheticInit('__wasm_apply_tls_relocs');
    }
    // PIC: internal GOT entries hold addresses relative to the bases, set once they are known.
    if (ctx.config.isPic && !this.extendedConst && this.internalGotSymbols.some((sym) => !sym.isTLS()))
      ctx.sym.applyGlobalRelocs = this.addSyntheticInit('__wasm_apply_global_relocs');
    // One start function: both initializers run from __wasm_start.
    if (ctx.sym.applyGlobalRelocs && ctx.sym.initMemory) ctx.sym.startFunction = this.addSyntheticInit('__wasm_start');
  }

  /**
   * __wasm_apply_data_relocs (lld createApplyDataRelocationsFunction): stores the run-time
   * values of data relocations a PIC module cannot know (exported, called by the loader). Made
   * only when some relocation needs it.
   */
  private createApplyDataRelocationsFunction(): void {
    const ctx = this.ctx;
    const chunks = this.dataChunksForRelocationCode();
    if (chunks.length === 0) return;
    const w = scratchWriter();
    w.uleb(0);
    let generated = false;
    for (const c of chunks) {
      if (ctx.config.sharedMemory && c.outputSeg!.isTLS) continue;
      if (this.generateRelocationCode(w, c)) generated = true;
    }
    if (!generated) return;
    w.u8(W.OP_END);
    const fn = this.newSyntheticFunction('__wasm_apply_data_relocs', NULL_SIG);
    const sym = ctx.symtab.addSyntheticFunction('__wasm_apply_data_relocs', W.SYM_EXPORTED, fn);
    sym.markLive();
    this.setBody(fn, w);
  }

  /**
   * The data chunks whose relocations may make code, in output order. Outside PIC only those
   * of files naming a GOT symbol can: static links with libc have one (__memory_base), and the
   * other files' chunks, tens of thousands in a large link, need not be visited.
   */
  private dataChunksForRelocationCode(): InputChunk[] {
    const all = () => this.segments.flatMap((seg) => seg.inputSegments);
    if (this.ctx.config.isPic) return all();
    const got = [...this.gotSymbols, ...this.internalGotSymbols];
    // Without a GOT entry no data relocation makes code.
    if (got.length === 0) return [];
    if (got.length > 8) return all();
    const out: InputChunk[] = [];
    for (const file of this.ctx.objectFiles) {
      if (!holdsAny(file.symbols, got)) continue;
      // A merged string piece has no relocations; its parent (no file) makes no code.
      for (const c of file.segments) if (c.live && c.parent === null && c.relocEnd > c.relocStart) out.push(c);
    }
    // Output order: a chunk with relocations has bytes, so offsets within a segment increase.
    return out.sort((a, b) => a.outputSeg!.index - b.outputSeg!.index || a.outputSegmentOffset - b.outputSegmentOffset);
  }

  /**
   * lld InputChunk::generateRelocationCode: code that stores, at each relocated address of a data
   * chunk, the value only known at run time: from the symbol's GOT entry when it has one (so far),
   * else (PIC) the base global plus the link-time value. True if it wrote anything.
   */
  private generateRelocationCode(w: ByteWriter, c: InputChunk): boolean {
    const ctx = this.ctx;
    const file = c.file;
    if (!file) return false;
    const pic = ctx.config.isPic;
    // Without shared memory TLS is ordinary data (PIC combines .tdata into .data): its addresses
    // are relative to __memory_base. (wasm-ld 22 reads __tls_base's index here before the index
    // exists, which comes out as global 0.)
    const tlsRelative = ctx.config.sharedMemory;
    const d = file.data;
    let generated = false;
    for (let i = c.relocStart, end = c.relocEnd; i < end; i++) {
      const type = d.relocType[i];
      const sym = symbolAt(file, d.relocIndex[i]);
      if (!pic && sym.gotIndex === NO_INDEX) continue;
      // lld isValidRuntimeRelocation: the store below can only write an address or table index.
      if (type !== W.R_TABLE_INDEX_I32 && type !== W.R_TABLE_INDEX_I64 && type !== W.R_MEMORY_ADDR_I32 && type !== W.R_MEMORY_ADDR_I64) {
        ctx.diag.error(`invalid runtime relocation type in data section: ${W.RELOC_NAMES[type]}`, { file: file.toString() });
        continue;
      }
      this.ptrConst(w, c.va(d.relocOffset[i]) - c.inputSectionOffset);
      if (pic) {
        w.u8(W.OP_GLOBAL_GET).uleb((c.isTLS && tlsRelative ? ctx.sym.tlsBase! : ctx.sym.memoryBase!).getGlobalIndex());
        this.ptrAdd(w);
      }
      const wide = W.relocIs64(type);
      const addend = d.relocAddend[i];
      if (sym.gotIndex !== NO_INDEX) {
        w.u8(W.OP_GLOBAL_GET).uleb(sym.gotIndex);
        if (addend) w.u8(wide ? W.OP_I64_CONST : W.OP_I32_CONST).sleb(addend).u8(wide ? W.OP_I64_ADD : W.OP_I32_ADD);
      } else {
        let base = ctx.sym.memoryBase!;
        if (type === W.R_TABLE_INDEX_I32 || type === W.R_TABLE_INDEX_I64) base = ctx.sym.tableBase!;
        else if (sym.isTLS() && tlsRelative) base = ctx.sym.tlsBase!;
        w.u8(W.OP_GLOBAL_GET).uleb(base.getGlobalIndex());
        w.u8(wide ? W.OP_I64_CONST : W.OP_I32_CONST).sleb(this.dataRelocValue(c, i));
        w.u8(wide ? W.OP_I64_ADD : W.OP_I32_ADD);
      }
      w.u8(wide ? W.OP_I64_STORE : W.OP_I32_STORE).uleb(2).uleb(0);
      generated = true;
    }
    return generated;
  }

  /** ObjFile::calcNewValue for the relocation types data segments hold, before the plan exists. */
  private dataRelocValue(c: InputChunk, i: number): number {
    const file = c.file!;
    const d = file.data;
    const type = d.relocType[i];
    const sym = symbolAt(file, d.relocIndex[i]);
    const addend = d.relocAddend[i];
    if (!sym.isLive()) return addend;
    if (type === W.R_TABLE_INDEX_I32 || type === W.R_TABLE_INDEX_I64) return sym.hasTableIndex() ? sym.getTableIndex() : 0;
    // MEMORY_ADDR_I32/I64: generateRelocationCode lets no other type through.
    if (sym.kind !== DefinedData || sym.isUndefWeak()) return 0;
    const seg = sym.chunk ? (sym.chunk.parent ?? sym.chunk).outputSeg : null;
    if (seg && seg.isTLS) return sym.chunk!.chunkOffset(sym.value) + addend;
    return sym.getVA(true) + addend;
  }

  /** lld createStartFunction: __wasm_start calls both initializers, else one of them is it. */
  private createStartFunction(): void {
    const ctx = this.ctx;
    const s = ctx.sym;
    if (s.initMemory && s.applyGlobalRelocs) {
      const w = scratchWriter();
      w.uleb(0);
      w.u8(W.OP_CALL).uleb(s.applyGlobalRelocs.getFunctionIndex());
      w.u8(W.OP_CALL).uleb(s.initMemory.getFunctionIndex());
      w.u8(W.OP_END);
      this.setBody(s.startFunction!.chunk!, w);
    } else if (s.initMemory) s.startFunction = s.initMemory;
    else if (s.applyGlobalRelocs) s.startFunction = s.applyGlobalRelocs;
  }

  /**
   * __wasm_apply_global_relocs / __wasm_apply_global_tls_relocs (lld GlobalSection::
   * generateRelocationCode): each internal GOT entry becomes its base global plus its offset.
   */
  private createApplyGlobalRelocationsFunction(fn: Symbol, tls: boolean): void {
    const ctx = this.ctx;
    const w = scratchWriter();
    w.uleb(0);
    for (const sym of this.internalGotSymbols) {
      if (sym.isTLS() !== tls) continue;
      if (sym.kind === DefinedData) {
        w.u8(W.OP_GLOBAL_GET).uleb((sym.isTLS() ? ctx.sym.tlsBase! : ctx.sym.memoryBase!).getGlobalIndex());
        this.ptrConst(w, sym.getVA());
      } else if (sym.isFunction()) {
        if (sym.isStub) continue;
        w.u8(W.OP_GLOBAL_GET).uleb(ctx.sym.tableBase!.getGlobalIndex());
        this.ptrConst(w, sym.getTableIndex());
      } else continue;
      this.ptrAdd(w).u8(W.OP_GLOBAL_SET).uleb(sym.gotIndex);
    }
    w.u8(W.OP_END);
    this.setBody(fn.chunk!, w);
  }

  /** A hidden, live () -> () function the linker writes. */
  private addSyntheticInit(name: string): Symbol {
    const sym = this.ctx.symtab.addSyntheticFunction(name, W.SYM_VISIBILITY_HIDDEN, this.newSyntheticFunction(name, NULL_SIG));
    sym.markLive();
    return sym;
  }

  private addFunction(fn: InputChunk): void {
    if (!fn.live) return;
    fn.functionIndex = this.numImportedFunctions + this.inputFunctions.length;
    this.inputFunctions.push(fn);
  }

  private assignIndexes(): void {
    const ctx = this.ctx;
    for (let fnIndex = 0, syntheticFunctions = ctx.syntheticFunctions; fnIndex < syntheticFunctions.length; fnIndex++) {
      const fn = syntheticFunctions[fnIndex];
      this.addFunction(fn);
    }
    const files = ctx.objectFiles;
    for (let f = 0; f < files.length; f++) {
      const functions = files[f].functions;
      for (let k = 0; k < functions.length; k++) this.addFunction(functions[k]);
    }

    for (let k = 0; k < ctx.syntheticGlobals.length; k++) if (ctx.syntheticGlobals[k].live) this.inputGlobals.push(ctx.syntheticGlobals[k]);
    for (let f = 0; f < files.length; f++) {
      const globals = files[f].globals;
      for (let k = 0; k < globals.length; k++) if (globals[k].live) this.inputGlobals.push(globals[k]);
    }

    for (const file of ctx.objectFiles)
      for (const t of file.tags)
        if (t.live) {
          t.assignedIndex = this.numImportedTags + this.inputTags.length;
          this.inputTags.push(t);
        }

    const addTable = (t: InputElement) => {
      if (!t.live) return;
      const ift = ctx.sym.indirectFunctionTable;
      if (ctx.legacyFunctionTable && ift && ift.kind === DefinedTable && ift.element === t) {
        if (this.numImportedTables) {
          for (const culprit of this.importedSymbols) {
            if (culprit.isTable() && culprit.isUndefined()) {
              ctx.diag.error(
                `object file not built with 'reference-types' or 'call-indirect-overlong' feature conflicts with import of table ${culprit.name} by file ${fileName(culprit.file)}`,
              );
              return;
            }
          }
        }
        this.inputTables.unshift(t);
        return;
      }
      this.inputTables.push(t);
    };
    for (let f = 0; f < files.length; f++) {
      const tables = files[f].tables;
      for (let k = 0; k < tables.length; k++) addTable(tables[k]);
    }
    for (let tIndex = 0, syntheticTables = ctx.syntheticTables; tIndex < syntheticTables.length; tIndex++) {
      const t = syntheticTables[tIndex];
      addTable(t);
    }

    let gi = this.numImportedGlobals;
    for (let gIndex = 0, inputGlobals = this.inputGlobals; gIndex < inputGlobals.length; gIndex++) {
      const g = inputGlobals[gIndex];
      g.assignedIndex = gi++;
    }
    for (let si = 0, internalGotSymbols = this.internalGotSymbols; si < internalGotSymbols.length; si++) {
      const s = internalGotSymbols[si];
      s.gotIndex = gi++;
    }
    let ti = this.numImportedTables;
    for (let tIndex = 0, inputTables = this.inputTables; tIndex < inputTables.length; tIndex++) {
      const t = inputTables[tIndex];
      t.assignedIndex = ti++;
    }
  }

  private calculateInitFunctions(): void {
    const ctx = this.ctx;
    if (!ctx.config.relocatable && !ctx.sym.callCtors!.isLive()) return;
    for (let fileIndex = 0, objectFiles = ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      for (const f of file.data.initFuncs) {
        const sym = symbolAt(file, f.symbol);
        if (sym.isDiscarded() || !sym.isLive()) continue;
        if (sym.sig && sym.sig.params.length !== 0)
          ctx.diag.error(`constructor functions cannot take arguments: ${demangleName(ctx, sym.name)}`, { symbol: sym.name });
        this.initFunctions.push({ sym, priority: f.priority });
      }
    }
    // Array.prototype.sort is stable, as llvm::stable_sort.
    this.initFunctions.sort((a, b) => a.priority - b.priority);
  }

  /**
   * __wasm_init_memory (lld createInitMemoryFunction): copies the passive segments in and clears
   * BSS. With shared memory only the thread that moves the flag from 0 to 1 does so; it then
   * stores 2 and wakes the others, which wait while the flag is 1. Everyone drops the segments.
   */
  private createInitMemoryFunction(): void {
    const ctx = this.ctx;
    const shared = ctx.config.sharedMemory;
    // No flag when layoutMemory stopped early on an error (which then fails the link; wasm-ld
    // crashes here instead).
    const flag = shared ? (ctx.sym.initMemoryFlag?.getVA() ?? 0) | 0 : 0;
    const pic = ctx.config.isPic;
    const memArg = (w: ByteWriter) => w.uleb(2).uleb(0);
    const w = scratchWriter();
    // PIC: the flag's address is __memory_base + its offset, kept in local 0 (local 1 is scratch).
    const flagAddress = () => (pic ? w.u8(W.OP_LOCAL_GET).uleb(0) : this.ptrConst(w, flag));
    if (shared && pic) {
      w.uleb(1).uleb(2).u8(this.ptrType);
      w.u8(W.OP_GLOBAL_GET).uleb(ctx.sym.memoryBase!.getGlobalIndex());
      this.ptrAdd(this.ptrConst(w, flag));
      w.u8(W.OP_LOCAL_SET).uleb(0);
    } else w.uleb(0);
    if (shared) {
      for (let i = 0; i < 3; i++) w.u8(W.OP_BLOCK).u8(W.BLOCK_NORESULT); // $drop, $wait, $init
      flagAddress();
      w.u8(W.OP_I32_CONST).sleb(0).u8(W.OP_I32_CONST).sleb(1);
      memArg(w.u8(W.OP_ATOMICS_PREFIX).uleb(W.OP_I32_RMW_CMPXCHG));
      w.u8(W.OP_BR_TABLE).uleb(2).uleb(0).uleb(1).uleb(2);
      w.u8(W.OP_END); // $init
    }
    for (const s of this.segments) {
      if (!this.needsPassiveInitialization(s)) continue;
      this.ptrConst(w, s.startVA);
      if (pic) this.ptrAdd(w.u8(W.OP_GLOBAL_GET).uleb(ctx.sym.memoryBase!.getGlobalIndex()));
      // The main thread uses the static copy of .tdata as its TLS block.
      if (shared && s.isTLS) {
        if (pic) w.u8(W.OP_LOCAL_TEE).uleb(1);
        else this.ptrConst(w, s.startVA);
        w.u8(W.OP_GLOBAL_SET).uleb(ctx.sym.tlsBase!.getGlobalIndex());
        if (pic) w.u8(W.OP_LOCAL_GET).uleb(1);
      }
      if (s.isBss) {
        w.u8(W.OP_I32_CONST).sleb(0);
        this.ptrConst(w, s.size);
        w.u8(W.OP_MISC_PREFIX).uleb(W.OP_MEMORY_FILL).u8(0);
      } else {
        w.u8(W.OP_I32_CONST).sleb(0);
        w.u8(W.OP_I32_CONST).sleb(s.size | 0);
        w.u8(W.OP_MISC_PREFIX).uleb(W.OP_MEMORY_INIT).uleb(s.index).u8(0);
      }
    }
    if (shared) {
      flagAddress();
      w.u8(W.OP_I32_CONST).sleb(2);
      memArg(w.u8(W.OP_ATOMICS_PREFIX).uleb(W.OP_I32_ATOMIC_STORE));
      flagAddress();
      w.u8(W.OP_I32_CONST).sleb(-1);
      memArg(w.u8(W.OP_ATOMICS_PREFIX).uleb(W.OP_ATOMIC_NOTIFY));
      w.u8(W.OP_DROP).u8(W.OP_BR).uleb(1);
      w.u8(W.OP_END); // $wait
      flagAddress();
      w.u8(W.OP_I32_CONST).sleb(1).u8(W.OP_I64_CONST).sleb(-1);
      memArg(w.u8(W.OP_ATOMICS_PREFIX).uleb(W.OP_I32_ATOMIC_WAIT));
      w.u8(W.OP_DROP);
      w.u8(W.OP_END); // $drop
    }
    for (const s of this.segments) {
      if (!this.needsPassiveInitialization(s) || s.isBss) continue;
      // Every new thread copies .tdata in with __wasm_init_tls: it is never dropped.
      if (shared && s.isTLS) continue;
      w.u8(W.OP_MISC_PREFIX).uleb(W.OP_DATA_DROP).uleb(s.index);
    }
    w.u8(W.OP_END);
    this.setBody(ctx.sym.initMemory!.chunk!, w);
  }

  /** __wasm_init_tls(ptr): makes ptr this thread's TLS block and copies .tdata into it. */
  private createInitTLSFunction(): void {
    const ctx = this.ctx;
    const tls = this.segments.find((s) => s.name === '.tdata');
    const w = scratchWriter();
    w.uleb(0);
    if (tls) {
      w.u8(W.OP_LOCAL_GET).uleb(0).u8(W.OP_GLOBAL_SET).uleb(ctx.sym.tlsBase!.getGlobalIndex());
      w.u8(W.OP_LOCAL_GET).uleb(0).u8(W.OP_I32_CONST).sleb(0).u8(W.OP_I32_CONST).sleb(tls.size | 0);
      w.u8(W.OP_MISC_PREFIX).uleb(W.OP_MEMORY_INIT).uleb(tls.index).u8(0);
    }
    if (ctx.sym.applyTLSRelocs) w.u8(W.OP_CALL).uleb(ctx.sym.applyTLSRelocs.getFunctionIndex());
    if (ctx.sym.applyGlobalTLSRelocs) w.u8(W.OP_CALL).uleb(ctx.sym.applyGlobalTLSRelocs.getFunctionIndex());
    w.u8(W.OP_END);
    this.setBody(ctx.sym.initTLS!.chunk!, w);
  }

  /** __wasm_apply_tls_relocs: each thread's copy of .tdata gets its run-time relocations. */
  private createApplyTLSRelocationsFunction(): void {
    const w = scratchWriter();
    w.uleb(0);
    for (const seg of this.segments) if (seg.isTLS) for (const c of seg.inputSegments) this.generateRelocationCode(w, c);
    w.u8(W.OP_END);
    this.setBody(this.ctx.sym.applyTLSRelocs!.chunk!, w);
  }

  private setBody(fn: InputChunk, content: ByteWriter): void {
    fn.body = functionBody(content);
    fn.size = fn.body.length;
  }

  private createCallCtorsFunction(): void {
    const ctx = this.ctx;
    const callCtors = ctx.sym.callCtors!;
    if (!callCtors.isLive() && this.initFunctions.length === 0) return;
    const w = scratchWriter();
    w.uleb(0);
    for (const f of this.initFunctions) {
      w.u8(0x10).uleb(f.sym.getFunctionIndex());
      for (let i = 0; i < f.sym.sig!.results.length; i++) w.u8(0x1a);
    }
    w.u8(W.OP_END);
    this.setBody(callCtors.chunk!, w);
  }

  private createCommandExportWrappers(): void {
    const ctx = this.ctx;
    if (this.initFunctions.length === 0 && !ctx.sym.callDtors) return;
    const toWrap: Symbol[] = [];
    for (const sym of ctx.symtab.symbols) if (isExported(ctx, sym) && sym.kind === DefinedFunction) toWrap.push(sym);
    for (const f of toWrap) {
      const funcName = f.name + '.command_export';
      const fn = this.newSyntheticFunction(funcName, f.sig!);
      fn.exportName = f.chunk!.exportName ?? f.name;
      const def = ctx.symtab.addSyntheticFunction(funcName, f.flags, fn);
      def.markLive();
      def.flags |= W.SYM_EXPORTED;
      def.flags &= ~W.SYM_VISIBILITY_HIDDEN;
      def.forceExport = f.forceExport;
      f.flags |= W.SYM_VISIBILITY_HIDDEN;
      f.flags &= ~W.SYM_EXPORTED;
      f.forceExport = false;
      this.addFunction(fn);
      const w = scratchWriter();
      w.uleb(0);
      if (ctx.sym.callCtors!.isLive()) w.u8(0x10).uleb(ctx.sym.callCtors!.getFunctionIndex());
      for (let i = 0; i < f.sig!.params.length; i++) w.u8(0x20).uleb(i);
      w.u8(0x10).uleb(f.getFunctionIndex());
      if (ctx.sym.callDtors) w.u8(0x10).uleb(ctx.sym.callDtors.getFunctionIndex());
      w.u8(W.OP_END);
      this.setBody(fn, w);
    }
  }

  // ---- types, exports, custom sections ----------------------------------------------------

  private calculateTypes(): void {
    for (let fileIndex = 0, objectFiles = this.ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      const types = file.data.types;
      for (let i = 0; i < types.length; i++) if (file.typeIsUsed[i]) file.typeMap[i] = this.registerType(types[i]);
    }
    for (let symIndex = 0, importedSymbols = this.importedSymbols; symIndex < importedSymbols.length; symIndex++) {
      const sym = importedSymbols[symIndex];
      if (sym.isFunction() || sym.isTag()) this.registerType(sym.sig!);
    }
    for (let fnIndex = 0, inputFunctions = this.inputFunctions; fnIndex < inputFunctions.length; fnIndex++) {
      const fn = inputFunctions[fnIndex];
      this.registerType(fn.sig!);
    }
    for (let tIndex = 0, inputTags = this.inputTags; tIndex < inputTags.length; tIndex++) {
      const t = inputTags[tIndex];
      this.registerType(t.sig!);
    }
  }

  private numGlobals(): number {
    return this.inputGlobals.length + this.internalGotSymbols.length + this.dataAddressGlobals.length;
  }

  private calculateExports(): void {
    const ctx = this.ctx;
    if (ctx.config.memoryExport !== null) this.exports.push({ name: ctx.config.memoryExport, kind: W.EXTERNAL_MEMORY, index: 0 });
    let globalIndex = this.numImportedGlobals + this.numGlobals();
    for (let symIndex = 0, symbols = ctx.symtab.symbols; symIndex < symbols.length; symIndex++) {
      const sym = symbols[symIndex];
      if (!isExported(ctx, sym) || !sym.isLive()) continue;
      let e: Export;
      switch (sym.kind) {
        case DefinedFunction:
          e = { name: sym.chunk!.exportName ?? sym.name, kind: W.EXTERNAL_FUNCTION, index: sym.chunk!.functionIndex };
          break;
        case DefinedGlobal:
          // Linker-made mutable globals (__stack_pointer) go out with -E/--export-all only when
          // the inputs allow mutable-globals; --export always exports them.
          if (sym.element!.globalType!.mutable && !sym.file && !sym.forceExport && !this.features.has('mutable-globals')) continue;
          e = { name: sym.name, kind: W.EXTERNAL_GLOBAL, index: sym.getGlobalIndex() };
          break;
        case DefinedTag:
          e = { name: sym.name, kind: W.EXTERNAL_TAG, index: sym.getTagIndex() };
          break;
        case DefinedData:
          this.dataAddressGlobals.push(sym);
          e = { name: sym.name, kind: W.EXTERNAL_GLOBAL, index: globalIndex++ };
          break;
        case DefinedTable:
          e = { name: sym.name, kind: W.EXTERNAL_TABLE, index: sym.getTableNumber() };
          break;
        default:
          continue;
      }
      this.exports.push(e);
      this.exportedSymbols.push(sym);
    }
  }

  private calculateCustomSections(): void {
    const cfg = this.ctx.config;
    const stripDebug = cfg.stripDebug || cfg.stripAll;
    for (let fileIndex = 0, objectFiles = this.ctx.objectFiles; fileIndex < objectFiles.length; fileIndex++) {
      const file = objectFiles[fileIndex];
      const copied = copiedCustomSections(file.data);
      for (let k = 0; k < copied.length; k++) {
        const c = file.customSections[copied[k]];
        if (c.discarded || c.size === 0) continue;
        const n = c.name;
        if (stripDebug && n.startsWith('.debug_')) continue;
        let list = this.customSections.get(n);
        if (!list) this.customSections.set(n, (list = []));
        list.push(c);
      }
    }
  }

  private checkImportExportTargetFeatures(): void {
    const ctx = this.ctx;
    if (!ctx.config.checkFeatures || this.features.has('mutable-globals')) return;
    for (const sym of this.importedSymbols)
      if (sym.isGlobal() && sym.getGlobalType()!.mutable)
        ctx.diag.error(
          `mutable global imported but 'mutable-globals' feature not present in inputs: \`${demangleName(ctx, sym.name)}\`. Use --no-check-features to suppress.`,
        );
    for (const sym of this.exportedSymbols) {
      // As lld: only a *mutable* exported global needs the feature (an immutable one is MVP).
      if (sym.kind !== DefinedGlobal || !sym.getGlobalType()!.mutable) continue;
      ctx.diag.error(
        `mutable global exported but 'mutable-globals' feature not present in inputs: \`${demangleName(ctx, sym.name)}\`. Use --no-check-features to suppress.`,
      );
    }
  }

  // ---- sections ---------------------------------------------------------------------------

  private addSections(): Layout {
    const ctx = this.ctx;
    const cfg = ctx.config;
    const out: OutSection[] = [];
    const bytes = (id: number, name: string, body: ByteWriter) => {
      out.push({ kind: 'bytes', id, name, body: body.finish(), offset: 0, header: new Uint8Array(0) });
    };

    // Dynamic imports and shared library inputs need a loader too (lld DylinkSection::isNeeded).
    if (cfg.isPic || cfg.unresolvedSymbols === 'import-dynamic' || ctx.sharedFiles.length) bytes(W.SEC_CUSTOM, 'dylink.0', this.dylinkSection());
    if (this.types.length) {
      const w = scratchWriter();
      w.uleb(this.types.length);
      for (const t of this.types) for (let i = 0; i < t.key.length; i++) w.u8(t.key.charCodeAt(i));
      bytes(W.SEC_TYPE, 'TYPE', w);
    }
    const numImports = this.importedSymbols.length + this.gotSymbols.length + (cfg.memoryImport ? 1 : 0);
    if (numImports) bytes(W.SEC_IMPORT, 'IMPORT', this.importSection(numImports));
    if (this.inputFunctions.length) {
      const w = scratchWriter();
      w.uleb(this.inputFunctions.length);
      for (let fnIndex = 0, inputFunctions = this.inputFunctions; fnIndex < inputFunctions.length; fnIndex++) {
        const fn = inputFunctions[fnIndex];
        w.uleb(this.lookupType(fn.sig!));
      }
      bytes(W.SEC_FUNCTION, 'FUNCTION', w);
    }
    if (this.inputTables.length) {
      const w = scratchWriter();
      w.uleb(this.inputTables.length);
      for (const t of this.inputTables) writeTableType(w, t.tableType!);
      bytes(W.SEC_TABLE, 'TABLE', w);
    }
    if (!cfg.memoryImport) {
      const w = scratchWriter();
      w.uleb(1);
      writeLimits(w, this.memoryLimits(), Math.log2(cfg.pageSize));
      bytes(W.SEC_MEMORY, 'MEMORY', w);
    }
    if (this.inputTags.length) {
      const w = scratchWriter();
      w.uleb(this.inputTags.length);
      for (const t of this.inputTags) w.uleb(0).uleb(this.lookupType(t.sig!));
      bytes(W.SEC_TAG, 'TAG', w);
    }
    if (this.numGlobals()) bytes(W.SEC_GLOBAL, 'GLOBAL', this.globalSection());
    if (this.exports.length) {
      const w = scratchWriter();
      w.uleb(this.exports.length);
      for (let ei = 0, exports = this.exports; ei < exports.length; ei++) {
        const e = exports[ei];
        w.str(e.name).u8(e.kind).uleb(e.index);
      }
      bytes(W.SEC_EXPORT, 'EXPORT', w);
    }
    if (ctx.sym.startFunction) bytes(W.SEC_START, 'START', scratchWriter().uleb(ctx.sym.startFunction.getFunctionIndex()));
    const inBinary = this.segments.filter((s) => this.requiredInBinary(s));
    if (cfg.isPic && cfg.relocatable) this.checkRelocatablePic(inBinary);
    if (this.indirectFunctions.length) bytes(W.SEC_ELEM, 'ELEM', this.elemSection());
    // memory.init and data.drop need the segment count up front (bulk memory's DataCount section).
    if (cfg.sharedMemory && inBinary.length) bytes(W.SEC_DATACOUNT, 'DATACOUNT', scratchWriter().uleb(inBinary.length));

    if (this.inputFunctions.length) {
      const prefix = scratchWriter().uleb(this.inputFunctions.length).finish();
      let size = prefix.length;
      for (let fnIndex = 0, inputFunctions = this.inputFunctions; fnIndex < inputFunctions.length; fnIndex++) {
        const fn = inputFunctions[fnIndex];
        fn.outSecOff = size;
        size += fn.size;
      }
      out.push({ kind: 'code', id: W.SEC_CODE, name: 'CODE', functions: this.inputFunctions, prefix, bodySize: size, offset: 0, header: new Uint8Array(0) });
    }

    if (inBinary.length) {
      const prefix = scratchWriter().uleb(inBinary.length).finish();
      let size = prefix.length;
      const headers: Uint8Array[] = [];
      const offsets: number[] = [];
      for (const seg of inBinary) {
        const h = scratchWriter();
        h.uleb(seg.initFlags);
        if (!(seg.initFlags & W.SEGMENT_IS_PASSIVE)) {
          if (cfg.isPic) {
            // At __memory_base (plus the offset, with extended-const).
            h.u8(W.OP_GLOBAL_GET).uleb(ctx.sym.memoryBase!.getGlobalIndex());
            if (this.extendedConst && seg.startVA) this.ptrAdd(this.ptrConst(h, seg.startVA));
            h.u8(W.OP_END);
          } else this.ptrConstExpr(h, seg.startVA);
        }
        h.uleb(seg.size);
        const hb = h.finish();
        headers.push(hb);
        offsets.push(size);
        for (let ci = 0, inputs = seg.inputSegments; ci < inputs.length; ci++) {
          const c = inputs[ci];
          c.outSecOff = size + hb.length + c.outputSegmentOffset;
        }
        size += hb.length + seg.size;
      }
      out.push({
        kind: 'data',
        id: W.SEC_DATA,
        name: 'DATA',
        segments: inBinary,
        segmentHeaders: headers,
        segmentOffsets: offsets,
        prefix,
        bodySize: size,
        offset: 0,
        header: new Uint8Array(0),
      });
    }

    for (const [name, chunks] of this.customSections) {
      // -r: each custom section gets a section symbol, after the others (lld createCustomSections).
      if (cfg.relocatable || cfg.emitRelocs) {
        this.sectionSymbolIndex.set(name, this.symtabEntries.length);
        this.symtabEntries.push({ section: name, index: out.length });
      }
      out.push(this.customSection(name, chunks));
    }
    if (cfg.relocatable || cfg.emitRelocs) {
      const relocTargets = out.length;
      bytes(W.SEC_CUSTOM, 'linking', this.linkingSection());
      for (let i = 0; i < relocTargets; i++) {
        const r = this.relocSection(out[i], i);
        if (r) bytes(W.SEC_CUSTOM, r.name, r.body);
      }
    }

    const keep = (n: string) => !cfg.stripAll || cfg.keepSections.has(n);
    if (keep('name')) bytes(W.SEC_CUSTOM, 'name', this.nameSection());
    if (keep('producers') && this.producers.some((p) => p.length)) bytes(W.SEC_CUSTOM, 'producers', this.producersSection());
    if (keep('target_features') && this.features.size) {
      const w = scratchWriter().str('target_features');
      const sorted = [...this.features].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      w.uleb(sorted.length);
      for (const f of sorted) w.u8(0x2b).str(f);
      bytes(W.SEC_CUSTOM, 'target_features', w);
    }
    // Last, so its placeholder is the output's last bytes: output/buildid.ts fills it in once
    // the whole module is written (lld BuildIdSection: the placeholder is spaces).
    const bid = cfg.buildId;
    if (bid.kind !== 'none') {
      const w = scratchWriter().str('build_id').uleb(bid.size);
      if (bid.kind === 'hex') w.bytes(bid.hex);
      else for (let i = 0; i < bid.size; i++) w.u8(0x20);
      bytes(W.SEC_CUSTOM, 'build_id', w);
    }

    // Headers and file offsets.
    let fileSize = 8;
    for (const s of out) {
      const bodySize = s.kind === 'bytes' ? s.body.length : s.bodySize;
      s.header = scratchWriter(8).u8(s.id).uleb(bodySize).finish();
      s.offset = fileSize;
      fileSize += s.header.length + bodySize;
    }
    return { sections: out, fileSize, tableBase: cfg.tableBase };
  }

  private customSection(name: string, chunks: InputChunk[]): OutSection {
    // Mergeable strings (.debug_str at -O1) collapse into one chunk where the first one was.
    let merged: InputChunk | null = null;
    const list: InputChunk[] = [];
    for (const c of chunks) {
      if (!c.isMerge) {
        list.push(c);
        continue;
      }
      if (!merged) {
        merged = new InputChunk(CHUNK_MERGED, null, name, false);
        merged.flags = W.SEG_FLAG_STRINGS;
        merged.merged = [];
        merged.live = true;
        list.push(merged);
      }
      addMergeChunk(merged, c);
    }
    if (merged) finalizeMerged(merged, this.ctx.backend.mergeStrings);
    const prefix = scratchWriter().str(name).finish();
    let payload = 0;
    for (const c of list) {
      payload = alignTo(payload, pow2(c.alignment));
      c.outSecOff = payload;
      payload += c.size;
    }
    return { kind: 'custom', id: W.SEC_CUSTOM, name, chunks: list, prefix, bodySize: prefix.length + payload, offset: 0, header: new Uint8Array(0) };
  }

  /** Memory limits; a custom page size (--page-size=1) is written as the 0x8 limits flag. */
  private memoryLimits(): Limits {
    // A shared memory must have a maximum, even a zero one (lld: maxMemoryPages != 0 || sharedMemory).
    let flags = this.mem.maxPages !== 0 || this.ctx.config.sharedMemory ? W.LIMITS_HAS_MAX : 0;
    if (this.ctx.config.sharedMemory) flags |= W.LIMITS_IS_SHARED;
    if (this.is64) flags |= W.LIMITS_IS_64;
    if (this.ctx.config.pageSize !== W.PAGE_SIZE) flags |= W.LIMITS_HAS_PAGE_SIZE;
    return { flags, min: this.mem.initialPages, max: this.mem.maxPages };
  }

  private importSection(count: number): ByteWriter {
    const cfg = this.ctx.config;
    const w = scratchWriter();
    w.uleb(count);
    if (cfg.memoryImport) {
      w.str(cfg.memoryImport[0]).str(cfg.memoryImport[1]).u8(W.EXTERNAL_MEMORY);
      writeLimits(w, this.memoryLimits(), Math.log2(cfg.pageSize));
    }
    for (const sym of this.importedSymbols) {
      w.str(sym.importModule ?? 'env').str(sym.importName ?? sym.name);
      if (sym.isFunction()) w.u8(W.EXTERNAL_FUNCTION).uleb(this.lookupType(sym.sig!));
      else if (sym.isGlobal()) {
        w.u8(W.EXTERNAL_GLOBAL);
        writeGlobalType(w, sym.getGlobalType()!);
      } else if (sym.isTag()) w.u8(W.EXTERNAL_TAG).uleb(0).uleb(this.lookupType(sym.sig!));
      else {
        w.u8(W.EXTERNAL_TABLE);
        writeTableType(w, sym.getTableType()!);
      }
    }
    for (const sym of this.gotSymbols) {
      w.str(sym.isData() ? 'GOT.mem' : 'GOT.func').str(sym.name).u8(W.EXTERNAL_GLOBAL);
      writeGlobalType(w, { valType: this.ptrType, mutable: true });
    }
    return w;
  }

  private globalSection(): ByteWriter {
    const w = scratchWriter();
    w.uleb(this.numGlobals());
    for (const g of this.inputGlobals) {
      writeGlobalType(w, g.globalType!);
      if (g.file) writeInitExpr(w, g.init!, g.file.data.buf);
      else if (g.globalType!.valType === W.TYPE_I64) w.u8(W.OP_I64_CONST).sleb(g.pointerValue).u8(W.OP_END);
      else i32ConstExpr(w, g.pointerValue);
    }
    const cfg = this.ctx.config;
    const shared = cfg.sharedMemory;
    for (const sym of this.internalGotSymbols) {
      // With threads a TLS symbol's address differs per thread: __wasm_apply_global_tls_relocs
      // sets the entry from __tls_base, so it is mutable and starts as the offset in .tdata. A PIC
      // entry is set by __wasm_apply_global_relocs unless extended-const can add the base here.
      const mutable = !sym.isStub && ((!this.extendedConst && cfg.isPic && !sym.isTLS()) || (shared && sym.isTLS()));
      writeGlobalType(w, { valType: this.ptrType, mutable });
      if (this.extendedConst && cfg.isPic) {
        let base: Symbol | null = null;
        let offset = 0;
        if (sym.kind === DefinedData && !sym.isTLS()) [base, offset] = [this.ctx.sym.memoryBase!, sym.getVA()];
        else if (sym.isFunction() && !sym.isStub) [base, offset] = [this.ctx.sym.tableBase!, sym.getTableIndex()];
        if (base) {
          w.u8(W.OP_GLOBAL_GET).uleb(base.getGlobalIndex());
          if (offset) this.ptrAdd(this.ptrConst(w, offset));
          w.u8(W.OP_END);
          continue;
        }
      }
      let v = 0;
      if (sym.kind === DefinedData) v = sym.getVA(!shared);
      else if (sym.isFunction()) v = sym.isStub ? 0 : sym.getTableIndex();
      this.ptrConstExpr(w, v);
    }
    for (const sym of this.dataAddressGlobals) {
      writeGlobalType(w, { valType: this.ptrType, mutable: false });
      this.ptrConstExpr(w, sym.getVA());
    }
    return w;
  }

  /**
   * -r -shared: a position-independent module places its table entries at __table_base and its
   * data at __memory_base, and a relocatable output has neither (wasm-ld 22 dereferences their
   * null symbols, and crashes). Code alone links.
   */
  private checkRelocatablePic(inBinary: OutputSegment[]): void {
    const diag = this.ctx.diag;
    if (this.indirectFunctions.length)
      diag.fatal(`-r and -shared cannot be used with function addresses (${this.indirectFunctions[0].name}): a relocatable output has no __table_base to place them at`);
    const active = inBinary.find((seg) => !(seg.initFlags & W.SEGMENT_IS_PASSIVE));
    if (active) diag.fatal(`-r and -shared cannot be used with data segments (${active.inputSegments[0] ?? active.name}): a relocatable output has no __memory_base to place them at`);
  }

  private elemSection(): ByteWriter {
    const ctx = this.ctx;
    const w = scratchWriter();
    w.uleb(1);
    const tableNumber = ctx.sym.indirectFunctionTable!.getTableNumber();
    const flags = tableNumber ? 2 : 0;
    w.uleb(flags);
    if (flags) w.uleb(tableNumber);
    if (ctx.config.isPic) w.u8(W.OP_GLOBAL_GET).uleb(ctx.sym.tableBase!.getGlobalIndex()).u8(W.OP_END);
    else this.ptrConstExpr(w, ctx.config.tableBase);
    if (flags) w.u8(0);
    w.uleb(this.indirectFunctions.length);
    for (const sym of this.indirectFunctions) w.uleb(sym.getFunctionIndex());
    return w;
  }

  private nameSection(): ByteWriter {
    const ctx = this.ctx;
    const w = scratchWriter();
    w.str('name');
    const sub = (type: number, body: ByteWriter) => {
      const b = body.finish();
      w.u8(type).uleb(b.length).bytes(b);
    };
    const moduleName = ctx.config.soname || basename(ctx.config.output);
    sub(0, scratchWriter().str(moduleName));

    const fnames = scratchWriter();
    // lld's count (numNamedFunctions) also counts functions with only a name-section name,
    // which it does not write: the count is then larger than the entries, as in lld's output.
    let fcount = 0;
    for (const sym of this.importedSymbols) {
      if (!sym.isFunction()) continue;
      // As lld: getFunctionIndex, which is a stub's when the import also got one (PIC with
      // unresolved symbols allowed); lld's name map is then out of order, and so is weld's.
      fnames.uleb(sym.getFunctionIndex()).str(demangleName(ctx, sym.name));
      fcount++;
    }
    for (let fnIndex = 0, inputFunctions = this.inputFunctions; fnIndex < inputFunctions.length; fnIndex++) {
      const fn = inputFunctions[fnIndex];
      if (fn.name || fn.debugName) fcount++;
      if (fn.name) fnames.uleb(fn.functionIndex).str(fn.debugName || demangleName(ctx, fn.name));
    }
    if (fcount) sub(1, scratchWriter().uleb(fcount).bytes(fnames.finish()));

    const gnames = scratchWriter();
    let gcount = 0;
    for (const sym of this.importedSymbols) {
      if (!sym.isGlobal()) continue;
      gnames.uleb(sym.globalIndex).str(demangleName(ctx, sym.name));
      gcount++;
    }
    for (const sym of this.gotSymbols) {
      gnames.uleb(sym.gotIndex).str(demangleName(ctx, sym.name));
      gcount++;
    }
    for (const g of this.inputGlobals) {
      if (!g.name) continue;
      gnames.uleb(g.assignedIndex).str(demangleName(ctx, g.name));
      gcount++;
    }
    for (const sym of this.internalGotSymbols) {
      gnames.uleb(sym.gotIndex).str((sym.isFunction() ? 'GOT.func.internal.' : 'GOT.data.internal.') + demangleName(ctx, sym.name));
      gcount++;
    }
    if (gcount) sub(7, scratchWriter().uleb(gcount).bytes(gnames.finish()));

    const dnames = scratchWriter();
    let dcount = 0;
    for (const seg of this.segments) {
      if (!seg.name || !this.requiredInBinary(seg)) continue;
      dnames.uleb(seg.index).str(seg.name);
      dcount++;
    }
    if (dcount) sub(9, scratchWriter().uleb(dcount).bytes(dnames.finish()));
    return w;
  }

  /** lld populateSymtab: the live global symbols objects use, then each file's live locals. */
  private populateSymtab(): void {
    const add = (sym: Symbol) => {
      sym.outputSymbolIndex = this.symtabEntries.length;
      this.symtabEntries.push(sym);
    };
    for (const sym of this.ctx.symtab.symbols) {
      // Neither an untyped function (not imported either) nor a lazy symbol (an archive member
      // nobody extracted; --wrap marks its name used) is output.
      if (sym.isUntypedFunction() || sym.kind === LazyKind) continue;
      if (sym.isUsedInRegularObj && sym.isLive() && !sym.isShared()) add(sym);
    }
    for (const file of this.ctx.objectFiles) {
      makeLocals(file);
      for (const sym of file.symbols) if (sym && sym.isLocal() && sym.kind !== SectionKind && sym.isLive()) add(sym);
    }
  }

  /** lld LinkingSection (version 2): symbol table, segment info, init functions, comdats. */
  private linkingSection(): ByteWriter {
    const w = scratchWriter().str('linking').uleb(W.LINKING_VERSION);
    const sub = (type: number, body: ByteWriter) => {
      const b = body.finish();
      w.u8(type).uleb(b.length).bytes(b);
    };
    if (this.symtabEntries.length) {
      const b = scratchWriter().uleb(this.symtabEntries.length);
      for (const e of this.symtabEntries) {
        if (!(e instanceof Symbol)) {
          b.u8(W.SYMTAB_SECTION).uleb(W.SYM_BINDING_LOCAL).uleb(e.index);
          continue;
        }
        const sym = e;
        b.u8(sym.wasmType()).uleb(sym.flags);
        const named = sym.isDefined() || (sym.flags & W.SYM_EXPLICIT_NAME) !== 0;
        if (sym.isFunction()) {
          // An undefined function used only through its GOT entry (GOT.func) is imported as a
          // global, not as a function: it has no index to write (wasm-ld 22 crashes here).
          if (sym.kind === UndefinedFunction && !sym.stubFunction && sym.functionIndex === NO_INDEX)
            this.ctx.diag.fatal(
              `--emit-relocs: undefined function \`${demangleName(this.ctx, sym.name)}\` is used only through the GOT and has no function index for the symbol table`,
              { symbol: sym.name },
            );
          b.uleb(sym.kind === DefinedFunction ? sym.chunk!.functionIndex : sym.getFunctionIndex());
          if (named) b.str(sym.name);
        } else if (sym.isGlobal()) {
          b.uleb(sym.getGlobalIndex());
          if (named) b.str(sym.name);
        } else if (sym.isTag()) {
          b.uleb(sym.getTagIndex());
          if (named) b.str(sym.name);
        } else if (sym.isTable()) {
          b.uleb(sym.getTableNumber());
          if (named) b.str(sym.name);
        } else {
          b.str(sym.name);
          if (sym.kind === DefinedData) {
            const c = sym.chunk;
            if (c) b.uleb((c.parent ?? c).outputSeg!.index).uleb(c.chunkOffset(sym.value));
            else b.uleb(0).uleb(sym.getVA());
            b.uleb(sym.size);
          }
        }
      }
      sub(W.LINK_SYMBOL_TABLE, b);
    }
    if (this.segments.length) {
      const b = scratchWriter().uleb(this.segments.length);
      for (const s of this.segments) b.str(s.name).uleb(s.alignment).uleb(s.linkingFlags);
      sub(W.LINK_SEGMENT_INFO, b);
    }
    if (this.initFunctions.length) {
      const b = scratchWriter().uleb(this.initFunctions.length);
      for (const f of this.initFunctions) b.uleb(f.priority).uleb(f.sym.outputSymbolIndex);
      sub(W.LINK_INIT_FUNCS, b);
    }
    // std::map order: comdats sorted by name (bytewise), functions then data segments.
    const comdats = new Map<string, [number, number][]>();
    const addComdat = (name: string, kind: number, index: number) => {
      let list = comdats.get(name);
      if (!list) comdats.set(name, (list = []));
      list.push([kind, index]);
    };
    for (const fn of this.inputFunctions) if (fn.file && fn.comdat >= 0) addComdat(fn.file.data.comdats[fn.comdat].name, W.COMDAT_FUNCTION, fn.functionIndex);
    this.segments.forEach((s, i) => {
      const first = s.inputSegments[0];
      if (first && first.file && first.comdat >= 0) addComdat(first.file.data.comdats[first.comdat].name, W.COMDAT_DATA, i);
    });
    if (comdats.size) {
      const names = [...comdats.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const b = scratchWriter().uleb(names.length);
      for (const n of names) {
        const list = comdats.get(n)!;
        b.str(n).uleb(0).uleb(list.length);
        for (const [kind, index] of list) b.u8(kind).uleb(index);
      }
      sub(W.LINK_COMDAT_INFO, b);
    }
    return w;
  }

  /**
   * lld RelocSection: a section's relocations, at their output offsets, against output symbol
   * indices (InputChunk::writeRelocations). Null when it has none.
   */
  private relocSection(sec: OutSection, sectionIndex: number): { name: string; body: ByteWriter } | null {
    let chunks: InputChunk[];
    let name: string;
    if (sec.kind === 'code') [chunks, name] = [sec.functions, 'reloc.CODE'];
    else if (sec.kind === 'data') [chunks, name] = [sec.segments.flatMap((s) => s.inputSegments), 'reloc.DATA'];
    else if (sec.kind === 'custom') [chunks, name] = [sec.chunks, 'reloc.' + sec.name];
    else return null;
    // Only relocations against live symbols are written (lld relocIsLive): with --gc-sections,
    // section symbols and removed functions drop theirs. lld's count for the code and data
    // sections (CodeSection/DataSection::getNumRelocations) is every relocation of their chunks
    // all the same: one against a dead symbol (a weak undefined function) is counted but not
    // written, and weld writes the same header. Custom sections count only live ones.
    const live = (file: ObjFile, i: number) => file.data.relocType[i] === W.R_TYPE_INDEX_LEB || symbolAt(file, file.data.relocIndex[i]).isLive();
    const countAll = sec.kind !== 'custom';
    let count = 0;
    for (const c of chunks) if (c.file) for (let i = c.relocStart, end = c.relocEnd; i < end; i++) if (countAll || live(c.file, i)) count++;
    if (!count) return null;
    const w = scratchWriter().str(name).uleb(sectionIndex).uleb(count);
    for (const c of chunks) {
      const file = c.file;
      if (!file) continue;
      const d = file.data;
      const off = c.outSecOff - c.inputSectionOffset;
      for (let i = c.relocStart, end = c.relocEnd; i < end; i++) {
        if (!live(file, i)) continue;
        const type = d.relocType[i];
        w.uleb(type).uleb(d.relocOffset[i] + off).uleb(this.newRelocIndex(file, type, d.relocIndex[i]));
        if (W.relocHasAddend(type)) w.sleb(type === W.R_SECTION_OFFSET_I32 ? this.sectionOffset(symbolAt(file, d.relocIndex[i]).chunk!, d.relocAddend[i]) : d.relocAddend[i]);
      }
    }
    return { name, body: w };
  }

  /** ObjFile::calcNewIndex: the output type, or the symbol's output index. */
  private newRelocIndex(file: ObjFile, type: number, index: number): number {
    if (type === W.R_TYPE_INDEX_LEB) return file.typeMap[index];
    const sym = symbolAt(file, index);
    if (sym.kind === SectionKind) return this.sectionSymbolIndex.get(sym.chunk!.name) ?? 0;
    // A symbol the output symbol table leaves out (a shared library's function in a -shared
    // --emit-relocs link) keeps lld's unset index, UINT32_MAX, as wasm-ld 22 writes it.
    return sym.outputSymbolIndex >= 0 ? sym.outputSymbolIndex : INVALID_INDEX;
  }

  /** InputChunk::getOffset for a custom section chunk (merged strings map piece by piece). */
  private sectionOffset(c: InputChunk, addend: number): number {
    if (!c.parent) return c.offsetInSection(addend);
    return c.outSecOff + c.parent.outputSegmentOffset + c.parentOffset(addend);
  }

  /** lld DylinkSection: what the loader must reserve, and which exports and imports are special. */
  private dylinkSection(): ByteWriter {
    const ctx = this.ctx;
    const w = scratchWriter().str('dylink.0');
    const sub = (type: number, body: ByteWriter) => {
      const b = body.finish();
      w.u8(type).uleb(b.length).bytes(b);
    };
    sub(1, scratchWriter().uleb(this.mem.memSize).uleb(this.mem.memAlign).uleb(this.indirectFunctions.length).uleb(0)); // WASM_DYLINK_MEM_INFO
    if (ctx.sharedFiles.length) {
      const b = scratchWriter().uleb(ctx.sharedFiles.length);
      for (const so of ctx.sharedFiles) b.str(basename(so.name));
      sub(2, b); // WASM_DYLINK_NEEDED
    }
    const exportInfo: Symbol[] = [];
    const importInfo: Symbol[] = [];
    for (let symIndex = 0, symbols = ctx.symtab.symbols; symIndex < symbols.length; symIndex++) {
      const sym = symbols[symIndex];
      if (!sym.isLive()) continue;
      // TLS exports are relative to __tls_base, not __memory_base; weak imports may stay missing.
      if (isExported(ctx, sym) && sym.isTLS() && sym.kind === DefinedData) exportInfo.push(sym);
      if (sym.isUndefWeak()) importInfo.push(sym);
    }
    if (exportInfo.length) {
      const b = scratchWriter().uleb(exportInfo.length);
      for (const sym of exportInfo) b.str(sym.name).uleb(sym.flags);
      sub(3, b); // WASM_DYLINK_EXPORT_INFO
    }
    if (importInfo.length) {
      const b = scratchWriter().uleb(importInfo.length);
      for (const sym of importInfo) b.str(sym.importModule ?? 'env').str(sym.importName ?? sym.name).uleb(sym.flags);
      sub(4, b); // WASM_DYLINK_IMPORT_INFO
    }
    return w;
  }

  private producersSection(): ByteWriter {
    const w = scratchWriter().str('producers');
    const fields = ['language', 'processed-by', 'sdk'];
    w.uleb(this.producers.filter((p) => p.length).length);
    for (let i = 0; i < 3; i++) {
      const list = this.producers[i];
      if (!list.length) continue;
      w.str(fields[i]).uleb(list.length);
      for (const [n, v] of list) w.str(n).str(v);
    }
    return w;
  }

  /** Facts the plan and map file need. */
  get result() {
    return {
      segments: this.segments,
      inputFunctions: this.inputFunctions,
      inputGlobals: this.inputGlobals,
      importedSymbols: this.importedSymbols,
      exports: this.exports,
      memory: this.mem,
    };
  }
}

/**
 * Whether `syms` holds one of `got`: identity checks only, no symbol object is read. Its own
 * function: as a loop inside dataChunksForRelocationCode it was compiled on stack (OSR) before the
 * code after it had run, and that code deoptimized in every link.
 */
function holdsAny(syms: (Symbol | null)[], got: Symbol[]): boolean {
  for (let i = 0; i < syms.length; i++) {
    const s = syms[i];
    for (let g = 0; g < got.length; g++) if (s === got[g]) return true;
  }
  return false;
}
