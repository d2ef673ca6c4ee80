// ObjFile::parse and ObjFile::parseLazy: an object's chunks, elements and symbols enter the link.

import * as W from '../input/wasm.js';
import { SEG_PREFIX_TLS, smallInt, symImport, symbolName, type ObjectData } from '../input/object.js';
import type { Context } from './context.js';
import {
  CHUNK_FUNCTION,
  CHUNK_SECTION,
  CHUNK_SEGMENT,
  DefinedData,
  DefinedFunction,
  DefinedGlobal,
  DefinedTable,
  DefinedTag,
  InputChunk,
  InputElement,
  NO_INDEX,
  ObjFile,
  SectionKind,
  Symbol,
  UndefinedData,
  UndefinedFunction,
  UndefinedGlobal,
  UndefinedTable,
  UndefinedTag,
} from './model.js';
import { importInit, newSymbol, symInit, type SymbolInit } from './symtab.js';

/**
 * lld SharedFile::parse: a shared library's exported functions and data (its export section)
 * become shared symbols. Exports every module has (constructors, relocation code, section
 * bounds) stay the library's own.
 */
export function parseShared(ctx: Context, file: ObjFile): void {
  const d = file.data;
  for (const e of d.exports) {
    const name = e.name;
    if (name === '__wasm_apply_data_relocs' || name === '__wasm_call_ctors' || name.startsWith('__start_') || name.startsWith('__stop_')) continue;
    if (e.kind === W.EXTERNAL_FUNCTION) ctx.symtab.addSharedFunction(name, 0, file, d.types[d.funcTypes[e.index - d.numImportedFunctions]]);
    else if (e.kind === W.EXTERNAL_GLOBAL) ctx.symtab.addSharedData(name, 0, file);
  }
}

export function parseLazy(ctx: Context, file: ObjFile): void {
  for (const name of file.lazyNames()) {
    ctx.symtab.addLazy(name, file);
    // addLazy may have extracted this very file; then its job is done.
    if (!file.lazy) break;
  }
}

/** lld getTombstoneForSection. */
function tombstoneFor(name: string): number {
  if (name === '.debug_ranges' || name === '.debug_loc') return -2;
  if (name.startsWith('.debug_')) return -1;
  if (name.startsWith('llvm.func_attr.')) return -1;
  return 0;
}

/**
 * Each chunk's relocation range, from its section's relocations sorted by offset (lld setRelocs):
 * [start, end) pairs, one per chunk whose section offsets and sizes are `offset`/`size`.
 */
function binRelocs(offset: Uint32Array, size: Uint32Array, offsets: Uint32Array, start: number, end: number): Uint32Array {
  const out = new Uint32Array(offset.length * 2);
  let next = start;
  for (let i = 0; i < offset.length; i++) {
    const lo = offset[i];
    const hi = lo + size[i];
    while (next < end && offsets[next] < lo) next++;
    out[2 * i] = next;
    while (next < end && offsets[next] < hi) next++;
    out[2 * i + 1] = next;
  }
  return out;
}

/** The relocation ranges of a parsed object's chunks (see chunkRelocs), made once per object. */
function relocRanges(d: ObjectData): void {
  if (d.funcRelocs !== null) return;
  d.segRelocs = binRelocs(d.segSectionOffset, d.segSize, d.relocOffset, d.dataRelocStart, d.dataRelocEnd);
  d.funcRelocs = binRelocs(d.funcOffset, d.funcSize, d.relocOffset, d.codeRelocStart, d.codeRelocEnd);
  const custom = new Uint32Array(d.customSections.length * 2);
  for (let i = 0; i < d.customSections.length; i++) {
    custom[2 * i] = d.customSections[i].relocStart;
    custom[2 * i + 1] = d.customSections[i].relocEnd;
  }
  d.customRelocs = custom;
}

/** Per cached object: the chunks of its last link, reused by the next one (see parseFile). */
interface ChunkTemplate {
  epoch: number;
  merge: boolean;
  gc: boolean;
  customSections: InputChunk[];
  byIndex: Map<number, InputChunk>;
  segments: InputChunk[];
  functions: InputChunk[];
  tables: InputElement[];
  globals: InputElement[];
  tags: InputElement[];
  /** The object's local (and section) symbols, by symbol index, reused like the chunks. */
  locals: (Symbol | undefined)[];
  /** The object's `symbols` array of the last link, refilled by the next one. */
  symbols: (Symbol | null)[] | null;
}
const templates = new WeakMap<ObjectData, ChunkTemplate>();

function resetChunk(c: InputChunk, file: ObjFile, gc: boolean, discarded: boolean): void {
  c.file = file;
  c.live = !gc;
  c.discarded = discarded;
  c.functionIndex = NO_INDEX;
  c.tableIndex = NO_INDEX;
  c.outputSeg = null;
  c.outputSegmentOffset = 0;
  c.outSecOff = 0;
  c.resetMergeState();
}

function resetElement(e: InputElement, file: ObjFile, gc: boolean): void {
  e.file = file;
  e.live = !gc;
  e.assignedIndex = NO_INDEX;
}

function buildChunks(ctx: Context, file: ObjFile, excluded: (comdat: number) => boolean): void {
  const d = file.data;
  const gc = ctx.config.gcSections;
  relocRanges(d);
  file.functions = [];
  file.segments = [];
  file.customSections = [];
  file.customSectionsByIndex = new Map();
  file.globals = [];
  file.tables = [];
  file.tags = [];
  // Custom sections.
  for (let i = 0; i < d.customSections.length; i++) {
    const cs = d.customSections[i];
    const c = new InputChunk(CHUNK_SECTION, file, '', gc);
    c.indexInFile = i;
    c.size = cs.size;
    c.discarded = excluded(cs.comdat);
    c.tombstone = tombstoneFor(cs.name);
    c.alignment = cs.name === '__llvm_covfun' || cs.name === '__llvm_covmap' ? 3 : 0;
    if (ctx.config.optimize > 0 && (cs.name === '.debug_str' || cs.name === '.debug_str.dwo' || cs.name === '.debug_line_str')) {
      c.flags = W.SEG_FLAG_STRINGS;
      c.markMergeable();
    }
    file.customSections.push(c);
    file.customSectionsByIndex!.set(cs.index, c);
  }

  // Data segments.
  for (let i = 0; i < d.segSize.length; i++) {
    // Named when first asked (segmentName): the prefix says what the layout needs.
    const c = new InputChunk(CHUNK_SEGMENT, file, '', gc);
    c.indexInFile = i;
    c.size = d.segSize[i];
    c.alignment = d.segAlignment[i];
    c.flags = d.segLinkingFlags[i];
    c.discarded = excluded(d.segComdat[i]);
    if ((c.flags & W.SEG_FLAG_TLS) === 0 && (d.segPrefix[i] & SEG_PREFIX_TLS) !== 0) c.flags |= W.SEG_FLAG_TLS;
    // String segments (alignment 1) are split and deduplicated at -O1 and above.
    if (c.flags & W.SEG_FLAG_STRINGS && c.alignment === 0 && ctx.config.optimize > 0 && c.size > 0) c.markMergeable();
    file.segments.push(c);
  }

  // Functions.
  for (let i = 0; i < d.funcTypes.length; i++) {
    const c = new InputChunk(CHUNK_FUNCTION, file, '', gc);
    c.indexInFile = i;
    c.size = d.funcSize[i];
    c.debugName = d.funcDebugName[i] ?? '';
    c.exportName = d.funcExportName[i];
    c.discarded = excluded(d.funcComdat[i]);
    file.functions.push(c);
  }

  for (const t of d.tables) {
    const e = new InputElement(file, '', gc);
    e.tableType = t;
    file.tables.push(e);
  }
  for (let i = 0; i < d.globals.length; i++) {
    const e = new InputElement(file, d.globalSymbolName[i], gc);
    e.globalType = d.globals[i].type;
    e.init = d.globals[i].init;
    file.globals.push(e);
  }
  for (const t of d.tagTypes) {
    const e = new InputElement(file, '', gc);
    e.sig = d.types[t];
    file.tags.push(e);
  }

}

export function parseFile(ctx: Context, file: ObjFile): void {
  const d = file.data;
  const gc = ctx.config.gcSections;
  const symtab = ctx.symtab;
  if (d.isShared) ctx.diag.fatal(`attempted static link of dynamic object ${file}`, { file: file.toString() });
  if (!d.hasLinking) ctx.diag.fatal(`${file}: not a relocatable wasm file`, { file: file.toString() });
  // lld's checkArch: `!is64` there is "no -m given" (an optional), so -m wasm32 gets the second.
  if (d.is64 && !ctx.config.machineGiven) ctx.diag.fatal(`${file}: must specify -mwasm64 to process wasm64 object files`, { file: file.toString() });
  else if (d.is64 !== ctx.config.is64) ctx.diag.fatal(`${file}: wasm32 object file can't be linked in wasm64 mode`, { file: file.toString() });

  file.keptComdats = d.comdats.map((c) => symtab.addComdat(c.name));
  const excluded = (comdat: number) => comdat >= 0 && !file.keptComdats[comdat];
  const merge = ctx.config.optimize > 0;
  const tpl = templates.get(d);
  // This link's template of the object (its local symbols and `symbols` array to reuse or
  // fill); null for a second copy of an object in one link.
  let own: ChunkTemplate | null = null;
  if (tpl && tpl.epoch !== ctx.epoch && tpl.merge === merge && tpl.gc === gc) {
    // Re-linking a cached object: its chunk objects were made by an earlier link (which is
    // over); reset their per-link state instead of allocating them again.
    tpl.epoch = ctx.epoch;
    // Chunk ci is the object's ci-th of its kind: comdats come straight from the columns.
    for (let ci = 0, customSections = tpl.customSections; ci < customSections.length; ci++)
      resetChunk(customSections[ci], file, gc, excluded(d.customSections[ci].comdat));
    for (let ci = 0, segments = tpl.segments, comdat = d.segComdat; ci < segments.length; ci++) resetChunk(segments[ci], file, gc, excluded(comdat[ci]));
    for (let ci = 0, functions = tpl.functions, comdat = d.funcComdat; ci < functions.length; ci++) resetChunk(functions[ci], file, gc, excluded(comdat[ci]));
    for (let i = 0; i < tpl.tables.length; i++) {
      resetElement(tpl.tables[i], file, gc);
      tpl.tables[i].tableType = d.tables[i];
    }
    for (let ei = 0, globals = tpl.globals; ei < globals.length; ei++) {
      const e = globals[ei];
      resetElement(e, file, gc);
    }
    for (let ei = 0, tags = tpl.tags; ei < tags.length; ei++) {
      const e = tags[ei];
      resetElement(e, file, gc);
    }
    file.customSections = tpl.customSections;
    file.customSectionsByIndex = tpl.byIndex;
    file.segments = tpl.segments;
    file.functions = tpl.functions;
    file.tables = tpl.tables;
    file.globals = tpl.globals;
    file.tags = tpl.tags;
    own = tpl;
  } else {
    buildChunks(ctx, file, excluded);
    // The same object twice in one link gets its own chunks; the template stays with the first.
    if (!tpl || tpl.epoch !== ctx.epoch) {
      own = {
        epoch: ctx.epoch,
        merge,
        gc,
        customSections: file.customSections,
        byIndex: file.customSectionsByIndex!,
        segments: file.segments,
        functions: file.functions,
        tables: file.tables,
        globals: file.globals,
        tags: file.tags,
        locals: [],
        symbols: null,
      };
      templates.set(d, own);
    }
  }

  file.typeMap = new Int32Array(d.types.length).fill(-1);
  file.typeIsUsed = new Uint8Array(d.types.length);

  let tableSymbolCount = 0;
  const nsym = d.symKind.length;
  const last = own !== null ? own.symbols : null;
  if (last !== null) {
    // A cached object's array of the last link (which is over), emptied: no 25,000-entry
    // array per large link. A legacy table symbol may have been appended to it.
    last.length = nsym;
    last.fill(null);
    file.symbols = last;
  } else {
    file.symbols = new Array(nsym).fill(null);
    if (own !== null) own.symbols = file.symbols;
  }
  file.localTemplate = own !== null ? own.locals : null;
  file.gcSections = gc;
  const ids = symtab.idsOf(d);
  for (let i = 0; i < nsym; i++) {
    if (d.symKind[i] === W.SYMTAB_TABLE) tableSymbolCount++;
    const flags = d.symFlags[i];
    if ((flags & W.SYM_UNDEFINED) === 0) {
      // A defined local stays null until asked for (symbolAt).
      if ((flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_LOCAL || d.symKind[i] === W.SYMTAB_SECTION) continue;
      const sym = createDefined(ctx, file, i, ids[i]);
      if (sym) {
        file.symbols[i] = sym;
        continue;
      }
    }
    file.symbols[i] = createUndefined(ctx, file, i, d.calledDirectly[i] === 1, ids[i]);
  }
  addLegacyIndirectFunctionTableIfNeeded(ctx, file, tableSymbolCount);
}

/**
 * Symbol i of `file`: a defined local is made now if this is its first use in the link. Every
 * reader of ObjFile.symbols goes through here, but for the plan, which reads locals' values off
 * their chunks.
 */
export function symbolAt(file: ObjFile, i: number): Symbol {
  const s = file.symbols[i];
  return s !== null ? s : (file.symbols[i] = createLocal(file, i));
}

/** Every local symbol of `file`, made (for what lists them: the -r symbol table, the map). */
export function makeLocals(file: ObjFile): void {
  const syms = file.symbols;
  for (let i = 0; i < syms.length; i++) if (syms[i] === null) syms[i] = createLocal(file, i);
}

/** A local symbol of `file`, reusing the one an earlier link of this cached object made here. */
function localSymbol(locals: (Symbol | undefined)[] | null, i: number, kind: number, name: string, flags: number, file: ObjFile, init: SymbolInit, gc: boolean): Symbol {
  const old = locals !== null ? locals[i] : undefined;
  if (old !== undefined) {
    // Symbol i of this parsed object in an earlier, finished link: its kind, name, flags, chunk
    // or element, offset and size are the object's (resolution never replaces a local), and its
    // chunks are that link's too (reused above). Only what a link sets is reset.
    old.file = file;
    old.resetForLink(!gc);
    return old;
  }
  const s = newSymbol(kind, name, flags, file, init, gc);
  if (locals) locals[i] = s;
  return s;
}

/** Global symbol i of `file` if it is defined here (`id`: its name's, from SymbolTable.idsOf). */
function createDefined(ctx: Context, file: ObjFile, i: number, id: number): Symbol | null {
  const d = file.data;
  let flags = d.symFlags[i];
  const name = symbolName(d, i);
  const index = d.symIndex[i];
  switch (d.symKind[i]) {
    case W.SYMTAB_FUNCTION: {
      const fn = file.functions[index - d.numImportedFunctions];
      if (fn.discarded) return null;
      return ctx.symtab.addDefinedFunction(name, flags, file, fn, id);
    }
    case W.SYMTAB_DATA: {
      const seg = (flags & W.SYM_ABSOLUTE) !== 0 ? null : file.segments[index];
      if (!(flags & W.SYM_TLS) && seg?.isTLS) flags |= W.SYM_TLS;
      if (seg?.discarded) return null;
      return ctx.symtab.addDefinedData(name, flags, file, seg!, smallInt(d.symOffset, i), smallInt(d.symSize, i), id);
    }
    case W.SYMTAB_GLOBAL:
      return ctx.symtab.addDefinedGlobal(name, flags, file, file.globals[index - d.numImportedGlobals], id);
    case W.SYMTAB_TAG:
      return ctx.symtab.addDefinedTag(name, flags, file, file.tags[index - d.numImportedTags], id);
    case W.SYMTAB_TABLE:
      return ctx.symtab.addDefinedTable(name, flags, file, file.tables[index - d.numImportedTables], id);
  }
  return null;
}

/** Defined local (or section) symbol i of `file`, as parseFile would have made it. */
function createLocal(file: ObjFile, i: number): Symbol {
  const d = file.data;
  const gc = file.gcSections;
  const locals = file.localTemplate;
  let flags = d.symFlags[i];
  const name = symbolName(d, i);
  const index = d.symIndex[i];
  switch (d.symKind[i]) {
    case W.SYMTAB_FUNCTION:
      return localSymbol(locals, i, DefinedFunction, name, flags, file, symInit(file.functions[index - d.numImportedFunctions]), gc);
    case W.SYMTAB_DATA: {
      const seg = (flags & W.SYM_ABSOLUTE) !== 0 ? null : file.segments[index];
      if (!(flags & W.SYM_TLS) && seg?.isTLS) flags |= W.SYM_TLS;
      return localSymbol(locals, i, DefinedData, name, flags, file, symInit(seg, null, smallInt(d.symOffset, i), smallInt(d.symSize, i)), gc);
    }
    case W.SYMTAB_GLOBAL:
      return localSymbol(locals, i, DefinedGlobal, name, flags, file, symInit(null, file.globals[index - d.numImportedGlobals]), gc);
    case W.SYMTAB_SECTION: {
      // Only custom sections are addressable; a symbol for CODE/DATA keeps no chunk.
      const section = file.customSectionsByIndex!.get(index) ?? null;
      const s = localSymbol(locals, i, SectionKind, name, flags, file, symInit(), gc);
      s.chunk = section;
      return s;
    }
    case W.SYMTAB_TAG:
      return localSymbol(locals, i, DefinedTag, name, flags, file, symInit(null, file.tags[index - d.numImportedTags]), gc);
    default:
      return localSymbol(locals, i, DefinedTable, name, flags, file, symInit(null, file.tables[index - d.numImportedTables]), gc);
  }
}

function createUndefined(ctx: Context, file: ObjFile, i: number, calledDirectly: boolean, id: number): Symbol {
  const d = file.data;
  const gc = ctx.config.gcSections;
  const flags = d.symFlags[i] | W.SYM_UNDEFINED;
  const local = (flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_LOCAL;
  const name = symbolName(d, i);
  const symtab = ctx.symtab;
  const kind = d.symKind[i];
  if (kind === W.SYMTAB_DATA) {
    if (local) return newSymbol(UndefinedData, name, flags, file, symInit(), gc);
    return symtab.addUndefinedData(name, flags, file, id);
  }
  // Section symbols cannot be undefined; the parser refuses them.
  if (kind === W.SYMTAB_SECTION) throw new Error('unreachable: undefined section symbol');
  // A definition in a comdat that is not kept comes here too: it has no import.
  const imp = (d.symFlags[i] & W.SYM_UNDEFINED) !== 0 ? symImport(d, i) : null;
  // An explicit symbol name keeps the import's own name as the import name.
  const importName = imp !== null && (flags & W.SYM_EXPLICIT_NAME) !== 0 ? imp.field : undefined;
  const importModule = imp?.module;
  switch (kind) {
    case W.SYMTAB_FUNCTION: {
      const sig = importSig(file, i);
      if (local) return newSymbol(UndefinedFunction, name, flags, file, importInit(sig, importName, importModule, calledDirectly), gc);
      return symtab.addUndefinedFunction(name, importName, importModule, flags, file, sig, calledDirectly, id);
    }
    case W.SYMTAB_GLOBAL: {
      const type = imp?.global ?? null;
      if (local) return newSymbol(UndefinedGlobal, name, flags, file, importInit(null, importName, importModule, false, type), gc);
      return symtab.addUndefinedGlobal(name, importName, importModule, flags, file, type, id);
    }
    case W.SYMTAB_TABLE: {
      const type = imp?.table ?? null;
      if (local) return newSymbol(UndefinedTable, name, flags, file, importInit(null, importName, importModule, false, null, type), gc);
      return symtab.addUndefinedTable(name, importName, importModule, flags, file, type, id);
    }
    default: {
      const sig = importSig(file, i);
      if (local) return newSymbol(UndefinedTag, name, flags, file, importInit(sig, importName, importModule), gc);
      return symtab.addUndefinedTag(name, importName, importModule, flags, file, sig, id);
    }
  }
}

/** The signature of an undefined function/tag symbol or of a comdat-excluded definition. */
function importSig(file: ObjFile, i: number) {
  const d = file.data;
  const index = d.symIndex[i];
  const fn = d.symKind[i] === W.SYMTAB_FUNCTION;
  const imported = fn ? d.numImportedFunctions : d.numImportedTags;
  if (index < imported) return d.types[symImport(d, i).typeIndex];
  return d.types[(fn ? d.funcTypes : d.tagTypes)[index - imported]];
}

function addLegacyIndirectFunctionTableIfNeeded(ctx: Context, file: ObjFile, tableSymbolCount: number): void {
  const d = file.data;
  const tableCount = d.numImportedTables + file.tables.length;
  if (tableCount === tableSymbolCount) return;
  const f = file.toString();
  if (tableSymbolCount !== 0) {
    ctx.diag.error(`${f}: expected one symbol table entry for each of the ${tableCount} table(s) present, but got ${tableSymbolCount} symbol(s) instead.`, { file: f });
    return;
  }
  if (file.tables.length) {
    ctx.diag.error(`${f}: unexpected table definition(s) without corresponding symbol-table entries.`, { file: f });
    return;
  }
  if (tableCount !== 1) {
    ctx.diag.error(`${f}: multiple table imports, but no corresponding symbol-table entries.`, { file: f });
    return;
  }
  const imp = d.imports[d.tableImports[0]];
  if (imp.field !== '__indirect_function_table' || imp.table!.elemType !== W.TYPE_FUNCREF) {
    ctx.diag.error(`${f}: table import ${imp.field} is missing a symbol table entry.`, { file: f });
    return;
  }
  const before = ctx.diag.errorCount;
  const sym = ctx.symtab.addUndefinedTable(imp.field, imp.field, imp.module, W.SYM_UNDEFINED | W.SYM_NO_STRIP, file, imp.table!);
  if (ctx.diag.errorCount !== before) return;
  file.symbols.push(sym);
  sym.markLive();
  ctx.legacyFunctionTable = true;
}
