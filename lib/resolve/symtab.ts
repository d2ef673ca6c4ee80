// The global symbol table and its resolution rules (lld/wasm/SymbolTable.cpp): strong/weak/
// undefined/lazy, type checks, signature variants, comdats, stubs for weak-undefined functions.

import type { FuncType, GlobalType, ObjectData, TableType } from '../input/object.js';
import * as W from '../input/wasm.js';
import type { SymbolPool } from '../input/index.js';
import { NameIds } from './nameids.js';
import type { Context } from './context.js';
import { demangleName, sigToString, globalTypeToString, tableTypeToString, SYMBOL_KIND_NAMES } from './names.js';
import {
  CHUNK_FUNCTION,
  DefinedData,
  DefinedFunction,
  DefinedGlobal,
  DefinedTable,
  DefinedTag,
  InputChunk,
  InputElement,
  LazyKind,
  ObjFile,
  type LazyGroup,
  type LazyIndex,
  SharedData,
  SharedFunction,
  Symbol,
  UndefinedData,
  UndefinedFunction,
  UndefinedGlobal,
  UndefinedTable,
  UndefinedTag,
  fileName,
} from './model.js';

const UNREACHABLE_BODY = new Uint8Array([0x03, 0x00, 0x00, 0x0b]);

export interface SymbolInit {
  sig?: FuncType | null;
  chunk?: InputChunk | null;
  element?: InputElement | null;
  value?: number;
  size?: number;
  globalType?: GlobalType | null;
  tableType?: TableType | null;
  importName?: string;
  importModule?: string;
  isCalledDirectly?: boolean;
}

/**
 * The one SymbolInit that symInit/importInit fill and replaceSymbol reads at once: resolution
 * makes tens of thousands of symbols per link, and an object literal each (of a dozen shapes)
 * was both garbage and a megamorphic read in replaceSymbol.
 */
const scratch = {
  sig: null as FuncType | null,
  chunk: null as InputChunk | null,
  element: null as InputElement | null,
  value: 0,
  size: 0,
  globalType: null as GlobalType | null,
  tableType: null as TableType | null,
  importName: undefined as string | undefined,
  importModule: undefined as string | undefined,
  isCalledDirectly: false,
};

/** A defined symbol's init: its chunk or element, and (data) offset and size. Valid until the next call. */
export function symInit(chunk: InputChunk | null = null, element: InputElement | null = null, value = 0, size = 0): SymbolInit {
  const o = scratch;
  o.sig = null;
  o.chunk = chunk;
  o.element = element;
  o.value = value;
  o.size = size;
  o.globalType = null;
  o.tableType = null;
  o.importName = undefined;
  o.importModule = undefined;
  o.isCalledDirectly = false;
  return o;
}

/** An undefined (or shared) symbol's init. Valid until the next call. */
export function importInit(
  sig: FuncType | null,
  importName: string | undefined,
  importModule: string | undefined,
  isCalledDirectly = false,
  globalType: GlobalType | null = null,
  tableType: TableType | null = null,
): SymbolInit {
  const o = symInit();
  o.sig = sig;
  o.importName = importName;
  o.importModule = importModule;
  o.isCalledDirectly = isCalledDirectly;
  o.globalType = globalType;
  o.tableType = tableType;
  return o;
}

/** lld replaceSymbol: re-initialises `s` as a new kind, keeping the bits that survive replacement. */
export function replaceSymbol(s: Symbol, kind: number, name: string, flags: number, file: ObjFile | null, init: SymbolInit, gc: boolean): Symbol {
  s.name = name;
  s.kind = kind;
  s.flags = flags;
  s.file = file;
  s.chunk = init.chunk ?? null;
  s.element = init.element ?? null;
  s.value = init.value ?? 0;
  s.size = init.size ?? 0;
  s.resetReplaced(init.isCalledDirectly ?? false, init.globalType ?? null, init.tableType ?? null, init.importName, init.importModule);
  if (kind === DefinedFunction) s.sig = init.chunk ? init.chunk.sig : init.sig ?? null;
  else if (kind === DefinedTag) s.sig = init.element ? init.element.sig : null;
  else s.sig = init.sig ?? null;
  void gc;
  return s;
}

/** A fresh local (non-table) symbol, as lld's make<DefinedX>/make<UndefinedX>. */
export function newSymbol(kind: number, name: string, flags: number, file: ObjFile | null, init: SymbolInit, gc: boolean): Symbol {
  const s = new Symbol(name, kind, flags, file);
  s.resetNew(!gc);
  return replaceSymbol(s, kind, name, flags, file, init, gc);
}

/**
 * Merges `late` (any order) into `list` (sorted by `order`), in place and stably: on equal
 * orders, `list`'s entries first, then `late`'s in their order. The symbols made out of order
 * (archive offers materialized later) are few, and they land near the end: only the tail moves.
 */
export function mergeByOrder(list: Symbol[], late: Symbol[]): void {
  if (late.length === 0) return;
  // Array.prototype.sort is stable.
  if (late.length > 1) late.sort((a, b) => a.order - b.order);
  let i = list.length - 1;
  let j = late.length - 1;
  for (let k = 0; k < late.length; k++) list.push(late[k]);
  for (let k = list.length - 1; j >= 0; k--) {
    if (i >= 0 && list[i].order > late[j].order) list[k] = list[i--];
    else list[k] = late[j--];
  }
  late.length = 0;
}

/** Table value of a traced name that has no symbol yet. */
const TRACED = -1;

export class SymbolTable {
  /**
   * The table, by name id (NameIds): names.slot[id] is the name's Symbol, or (a number >= 0) a
   * lazy archive symbol not materialized yet, or TRACED, when names.stamp[id] is this link's
   * generation; else the name has no entry. An object's symbols come with their ids, so most
   * lookups index arrays instead of hashing a string.
   * Archive members offer thousands of names nobody asks for: they cost a table entry, and become
   * Symbols (at the place in symbol order they were offered) only when looked up.
   */
  private readonly names: NameIds;
  private readonly gen: number;
  /**
   * Archives whose lazy names were offered as a block (addLazyGroup), oldest first: a name not
   * in the table may be offered by one of them (names.offered says whether any did), which
   * costs nothing until somebody asks.
   */
  private layers: LazyGroup[] = [];
  /** The symbols in order; `late` holds those made out of order, merged in when asked for. */
  private list: Symbol[] = [];
  private late: Symbol[] = [];
  private lazyFile: ObjFile[] = [];
  private lazyOrder: number[] = [];
  private nextOrder = 0;
  private variants = new Map<string, Symbol[]>();
  private comdatGroups = new Set<string>();
  private stubFunctions = new Map<string, Symbol>();

  /**
   * Symbols of earlier links through the same input cache, reset and reused by newEntry in the
   * order they were made (a repeated link gets the same objects for the same names); new ones
   * are appended. Null: no pool.
   */
  private readonly pool: Symbol[] | null;
  private poolNext = 0;

  constructor(
    private readonly ctx: Context,
    pool?: SymbolPool,
  ) {
    this.pool = pool ? pool.symbols : null;
    if (pool && pool.names.full) pool.names = new NameIds(pool.names.keep);
    this.names = pool ? pool.names : new NameIds();
    this.gen = this.names.nextGeneration();
  }

  /** The ids of `d`'s symbols (-1 for locals), for the add* methods' `id` argument. */
  idsOf(d: ObjectData): Int32Array {
    return this.names.ofObject(d);
  }

  /** The table's value for name id `id`; undefined if it has none. */
  private get(id: number): Symbol | number | undefined {
    const n = this.names;
    return n.stamp[id] === this.gen ? n.slot[id] : undefined;
  }

  private set(id: number, v: Symbol | number): void {
    const n = this.names;
    if (n.stamp[id] !== this.gen) {
      n.stamp[id] = this.gen;
      n.used++;
    }
    n.slot[id] = v;
  }

  /** Every symbol, in insertion order (lld's symtab->symbols()). */
  get symbols(): Symbol[] {
    mergeByOrder(this.list, this.late);
    return this.list;
  }

  private newEntry(name: string, id: number, order: number, traced: boolean): Symbol {
    const pool = this.pool;
    let s: Symbol;
    if (pool !== null && this.poolNext < pool.length) {
      s = pool[this.poolNext++];
      replaceSymbol(s, UndefinedFunction, name, 0, null, symInit(), false);
    } else {
      s = new Symbol(name, UndefinedFunction, 0, null);
      if (pool !== null) {
        pool.push(s);
        this.poolNext++;
      }
    }
    // Not used in a regular object, no forced export or import (of a pooled symbol's last link).
    s.resetNew(!this.ctx.config.gcSections);
    s.canInline = true;
    s.traced = traced;
    s.order = order;
    const list = this.list;
    if (list.length && order < list[list.length - 1].order) this.late.push(s);
    else list.push(s);
    this.set(id, s);
    return s;
  }

  /** Turns a lazy entry into the LazyKind Symbol it stands for. */
  private materialize(name: string, id: number, lazy: number): Symbol {
    return this.materializeAt(name, id, this.lazyOrder[lazy], this.lazyFile[lazy]);
  }

  private materializeAt(name: string, id: number, order: number, file: ObjFile): Symbol {
    const s = this.newEntry(name, id, order, false);
    return this.replace(s, LazyKind, name, 0, file, symInit());
  }

  /** The group (oldest first) whose offered entries include `name`; its entry in layerEntry. */
  private findLayer(name: string, id: number): LazyGroup | null {
    if (this.names.offered[id] !== this.gen) return null;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const g = layers[i];
      const p = g.idx!.first.get(name);
      if (p !== undefined && p < g.cursor) {
        this.layerEntry = p;
        return g;
      }
    }
    return null;
  }
  private layerEntry = 0;

  /** The lazy symbol an archive group offers for `name`, made now; undefined if none does. */
  private fromLayers(name: string, id: number): Symbol | undefined {
    const g = this.findLayer(name, id);
    if (!g) return undefined;
    const p = this.layerEntry;
    return this.materializeAt(name, id, g.orderOf(p), g.file(g.idx!.member[p]));
  }

  find(name: string): Symbol | undefined {
    // A name never interned is in no link's table, nor in an archive's offer.
    const id = this.names.peek(name);
    if (id < 0) return undefined;
    const v = this.get(id);
    if (v === undefined) return this.layers.length ? this.fromLayers(name, id) : undefined;
    if (v === TRACED) return undefined;
    return typeof v === 'number' ? this.materialize(name, id, v) : v;
  }

  private replaceEntry(name: string, sym: Symbol): void {
    const id = this.names.id(name);
    const old = this.get(id) as Symbol;
    this.set(id, sym);
    let i = this.list.indexOf(old);
    if (i >= 0) this.list[i] = sym;
    else if ((i = this.late.indexOf(old)) >= 0) this.late[i] = sym;
  }

  /** Whether the last insertName/insert made a new entry (a field, not a tuple: no allocation). */
  private inserted = false;

  /** The symbol named `name` (its id, if the caller has it), made now (undefined) if new. */
  insertName(name: string, id = -1): Symbol {
    if (id < 0) id = this.names.id(name);
    const v = this.get(id);
    if (v !== undefined && v !== TRACED) {
      this.inserted = false;
      return typeof v === 'number' ? this.materialize(name, id, v) : v;
    }
    if (v === undefined && this.layers.length) {
      const lazy = this.fromLayers(name, id);
      if (lazy) {
        this.inserted = false;
        return lazy;
      }
    }
    const s = this.newEntry(name, id, this.nextOrder++, v === TRACED);
    this.inserted = true;
    return s;
  }

  private insert(name: string, file: ObjFile | null, id: number): Symbol {
    const s = this.insertName(name, id);
    s.isUsedInRegularObj = true; // every file here is an object (no bitcode)
    void file;
    return s;
  }

  replace(s: Symbol, kind: number, name: string, flags: number, file: ObjFile | null, init: SymbolInit): Symbol {
    // replaceSymbol keeps the bits a replacement preserves (used in a regular object, forced
    // export or import, can inline, traced, referenced).
    replaceSymbol(s, kind, name, flags, file, init, this.ctx.config.gcSections);
    if (s.traced) this.printTraceSymbol(s);
    return s;
  }

  private printTraceSymbol(s: Symbol): void {
    if (s.isUndefined()) return;
    this.ctx.diag.message(`${fileName(s.file)}: ${s.isLazy() ? 'lazy definition of' : 'definition of'} ${s.name}`);
  }

  private traceUndefined(name: string, file: ObjFile | null): void {
    this.ctx.diag.message(`${fileName(file)}: reference to ${name}`);
  }

  trace(name: string): void {
    const id = this.names.id(name);
    if (this.get(id) === undefined) this.set(id, TRACED);
  }

  private reportTypeError(existing: Symbol, file: ObjFile | null, type: number): void {
    this.ctx.diag.error(
      `symbol type mismatch: ${demangleName(this.ctx, existing.name)}\n>>> defined as ${SYMBOL_KIND_NAMES[existing.wasmType()]} in ${fileName(existing.file)}\n>>> defined as ${SYMBOL_KIND_NAMES[type]} in ${fileName(file)}`,
      { symbol: existing.name, file: file?.toString() },
    );
  }

  private checkGlobalType(existing: Symbol, file: ObjFile | null, newType: GlobalType | null): void {
    if (!existing.isGlobal()) return this.reportTypeError(existing, file, W.SYMTAB_GLOBAL);
    const old = existing.getGlobalType();
    if (!old || !newType || old.valType !== newType.valType || old.mutable !== newType.mutable)
      this.ctx.diag.error(
        `Global type mismatch: ${existing.name}\n>>> defined as ${globalTypeToString(old)} in ${fileName(existing.file)}\n>>> defined as ${globalTypeToString(newType)} in ${fileName(file)}`,
        { symbol: existing.name, file: file?.toString() },
      );
  }

  private checkTagType(existing: Symbol, file: ObjFile | null, newSig: FuncType | null): void {
    if (!existing.isTag()) return this.reportTypeError(existing, file, W.SYMTAB_TAG);
    if (existing.sig?.key !== newSig?.key)
      this.ctx.diag.warn(
        `Tag signature mismatch: ${existing.name}\n>>> defined as ${sigToString(existing.sig)} in ${fileName(existing.file)}\n>>> defined as ${sigToString(newSig)} in ${fileName(file)}`,
        { symbol: existing.name },
      );
  }

  private checkTableType(existing: Symbol, file: ObjFile | null, newType: TableType | null): void {
    if (!existing.isTable()) return this.reportTypeError(existing, file, W.SYMTAB_TABLE);
    const old = existing.getTableType();
    if (old && newType && old.elemType !== newType.elemType)
      this.ctx.diag.error(
        `Table type mismatch: ${existing.name}\n>>> defined as ${tableTypeToString(old)} in ${fileName(existing.file)}\n>>> defined as ${tableTypeToString(newType)} in ${fileName(file)}`,
        { symbol: existing.name },
      );
  }

  private checkDataType(existing: Symbol, file: ObjFile | null): void {
    if (!existing.isData()) this.reportTypeError(existing, file, W.SYMTAB_DATA);
  }

  addSyntheticFunction(name: string, flags: number, fn: InputChunk): Symbol {
    this.ctx.syntheticFunctions.push(fn);
    return this.replace(this.insertName(name), DefinedFunction, name, flags, null, symInit(fn));
  }

  addOptionalDataSymbol(name: string, value = 0): Symbol | null {
    let s = this.find(name);
    if (!s && (this.ctx.config.exportAll || this.ctx.exportedSymbols.has(name))) s = this.insertName(name);
    else if (!s || s.isDefined()) return null;
    this.replace(s, DefinedData, name, W.SYM_VISIBILITY_HIDDEN | W.SYM_ABSOLUTE, null, symInit(null, null, value));
    s.referenced = true;
    return s;
  }

  addSyntheticDataSymbol(name: string, flags: number): Symbol {
    return this.replace(this.insertName(name), DefinedData, name, flags | W.SYM_ABSOLUTE, null, symInit());
  }

  addSyntheticGlobal(name: string, flags: number, g: InputElement): Symbol {
    this.ctx.syntheticGlobals.push(g);
    return this.replace(this.insertName(name), DefinedGlobal, name, flags, null, symInit(null, g));
  }

  /** An optional global exists only when an input refers to it (wasm-ld 22: not for --export). */
  addOptionalGlobalSymbol(name: string, g: InputElement): Symbol | null {
    const s = this.find(name);
    if (!s || s.isDefined()) return null;
    this.ctx.syntheticGlobals.push(g);
    return this.replace(s, DefinedGlobal, name, W.SYM_VISIBILITY_HIDDEN, null, symInit(null, g));
  }

  addSyntheticTable(name: string, flags: number, t: InputElement): Symbol {
    let s = this.find(name);
    if (!s) s = this.insertName(name);
    this.ctx.syntheticTables.push(t);
    return this.replace(s, DefinedTable, name, flags, null, symInit(null, t));
  }

  private shouldReplace(existing: Symbol, newFile: ObjFile | null, newFlags: number): boolean {
    if (!existing.isDefined()) return true;
    if ((newFlags & W.SYM_BINDING_MASK) === W.SYM_BINDING_WEAK) return false;
    if (existing.isWeak()) return true;
    // A definition here beats a shared library's.
    if (existing.isShared()) return true;
    if (this.ctx.config.allowMultipleDefinition) return false;
    const msg = `duplicate symbol: ${demangleName(this.ctx, existing.name)}\n>>> defined in ${fileName(existing.file)}\n>>> defined in ${fileName(newFile)}`;
    if (this.ctx.config.noinhibitExec) this.ctx.diag.warn(msg, { symbol: existing.name, file: newFile?.toString() });
    else this.ctx.diag.error(msg, { symbol: existing.name, file: newFile?.toString() });
    return true;
  }

  private reportSignatureMismatch(name: string, sym: Symbol, sig: FuncType | null, file: ObjFile | null, isError: boolean): void {
    const msg = `function signature mismatch: ${name}\n>>> defined as ${sigToString(sym.sig)} in ${fileName(sym.file)}\n>>> defined as ${sigToString(sig)} in ${fileName(file)}`;
    if (isError) this.ctx.diag.error(msg, { symbol: name });
    else this.ctx.diag.warn(msg, { symbol: name });
  }

  addDefinedFunction(name: string, flags: number, file: ObjFile, fn: InputChunk, id = -1): Symbol {
    let s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (inserted || s.isLazy()) return this.replace(s, DefinedFunction, name, flags, file, symInit(fn));
    if (!s.isFunction()) {
      this.reportTypeError(s, file, W.SYMTAB_FUNCTION);
      return s;
    }
    let checkSig = true;
    if (s.kind === UndefinedFunction) checkSig = s.isCalledDirectly;
    if (checkSig && s.sig && fn.sig && s.sig.key !== fn.sig.key) {
      const [variant, added] = this.getFunctionVariant(s, fn.sig, file);
      if (added || this.shouldReplace(variant, file, flags)) this.replace(variant, DefinedFunction, name, flags, file, symInit(fn));
      this.replaceEntry(name, variant);
      return variant;
    }
    if (this.shouldReplace(s, file, flags)) this.replace(s, DefinedFunction, name, flags, file, symInit(fn));
    return s;
  }

  addDefinedData(name: string, flags: number, file: ObjFile, seg: InputChunk, offset: number, size: number, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (!inserted && !s.isLazy()) {
      this.checkDataType(s, file);
      if (!this.shouldReplace(s, file, flags)) return s;
    }
    return this.replace(s, DefinedData, name, flags, file, symInit(seg, null, offset, size));
  }

  addDefinedGlobal(name: string, flags: number, file: ObjFile | null, g: InputElement, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (!inserted && !s.isLazy()) {
      this.checkGlobalType(s, file, g.globalType);
      if (!this.shouldReplace(s, file, flags)) return s;
    }
    return this.replace(s, DefinedGlobal, name, flags, file, symInit(null, g));
  }

  addDefinedTag(name: string, flags: number, file: ObjFile, t: InputElement, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (!inserted && !s.isLazy()) {
      this.checkTagType(s, file, t.sig);
      if (!this.shouldReplace(s, file, flags)) return s;
    }
    return this.replace(s, DefinedTag, name, flags, file, symInit(null, t));
  }

  addDefinedTable(name: string, flags: number, file: ObjFile, t: InputElement, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (!inserted && !s.isLazy()) {
      this.checkTableType(s, file, t.tableType);
      if (!this.shouldReplace(s, file, flags)) return s;
    }
    return this.replace(s, DefinedTable, name, flags, file, symInit(null, t));
  }

  private updateExistingUndefined(existing: Symbol, flags: number, file: ObjFile | null, importName?: string, importModule?: string): void {
    if (importName !== undefined) {
      if (existing.importName === undefined) existing.importName = importName;
      if (existing.importName !== importName)
        this.ctx.diag.error(
          `import name mismatch for symbol: ${demangleName(this.ctx, existing.name)}\n>>> defined as ${existing.importName} in ${fileName(existing.file)}\n>>> defined as ${importName} in ${fileName(file)}`,
          { symbol: existing.name },
        );
    }
    if (importModule !== undefined) {
      if (existing.importModule === undefined) existing.importModule = importModule;
      if (existing.importModule !== importModule)
        this.ctx.diag.error(
          `import module mismatch for symbol: ${demangleName(this.ctx, existing.name)}\n>>> defined as ${existing.importModule} in ${fileName(existing.file)}\n>>> defined as ${importModule} in ${fileName(file)}`,
          { symbol: existing.name },
        );
    }
    const binding = flags & W.SYM_BINDING_MASK;
    if (existing.isWeak() && binding !== W.SYM_BINDING_WEAK) existing.flags = (existing.flags & ~W.SYM_BINDING_MASK) | binding;
    // wasm-ld 22 keeps the first reference's NO_STRIP (later lld sources OR it in): it shows in a
    // relocatable output's symbol table and in which undefined symbols are GC roots.
  }

  /** lld addSharedFunction: a shared library's function, unless this link defines the name. */
  addSharedFunction(name: string, flags: number, file: ObjFile, sig: FuncType): Symbol {
    // A shared library's own references do not make a symbol "used in a regular object".
    const s = this.insertName(name);
    if (this.inserted || s.isLazy()) return this.replace(s, SharedFunction, name, flags, file, importInit(sig, undefined, undefined));
    if (!s.isFunction()) {
      this.reportTypeError(s, file, W.SYMTAB_FUNCTION);
      return s;
    }
    if (s.isDefined()) return s;
    const checkSig = s.kind === UndefinedFunction ? s.isCalledDirectly : true;
    if (checkSig && s.sig && s.sig.key !== sig.key) {
      // --no-shlib-sigcheck: the program's idea of the signature wins.
      if (this.ctx.config.shlibSigCheck) this.reportSignatureMismatch(name, s, sig, file, true);
      else sig = s.sig;
    }
    return this.replace(s, SharedFunction, name, flags, file, importInit(sig, undefined, undefined));
  }

  /** lld addSharedData. */
  addSharedData(name: string, flags: number, file: ObjFile): Symbol {
    const s = this.insertName(name);
    if (this.inserted || s.isLazy()) return this.replace(s, SharedData, name, flags, file, symInit());
    if (s.isDefined()) return s;
    this.checkDataType(s, file);
    return this.replace(s, SharedData, name, flags, file, symInit());
  }

  addUndefinedFunction(
    name: string,
    importName: string | undefined,
    importModule: string | undefined,
    flags: number,
    file: ObjFile | null,
    sig: FuncType | null,
    isCalledDirectly: boolean,
    id = -1,
  ): Symbol {
    let s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (s.traced) this.traceUndefined(name, file);
    // No closure for the three replacements below: this runs for every undefined reference.
    if (inserted) {
      this.replace(s, UndefinedFunction, name, flags, file, importInit(sig, importName, importModule, isCalledDirectly));
    } else if (s.isLazy()) {
      if ((flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_WEAK) {
        s.flags |= W.SYM_BINDING_WEAK;
        s.sig = sig;
      } else {
        this.extract(s);
        if (this.ctx.config.whyExtract) this.recordWhy(fileName(file), s);
      }
    } else {
      if (!s.isFunction()) {
        this.reportTypeError(s, file, W.SYMTAB_FUNCTION);
        return s;
      }
      if (!s.sig && sig) s.sig = sig;
      const existingUndefined = s.kind === UndefinedFunction ? s : null;
      if (isCalledDirectly && s.sig && sig && s.sig.key !== sig.key) {
        let replace = true;
        if (!existingUndefined || existingUndefined.isCalledDirectly) {
          const [v, added] = this.getFunctionVariant(s, sig, file);
          s = v;
          replace = added;
        }
        if (replace) this.replace(s, UndefinedFunction, name, flags, file, importInit(sig, importName, importModule, isCalledDirectly));
      }
      if (existingUndefined) {
        this.updateExistingUndefined(existingUndefined, flags, file, importName, importModule);
        if (isCalledDirectly) existingUndefined.isCalledDirectly = true;
      }
    }
    return s;
  }

  addUndefinedData(name: string, flags: number, file: ObjFile | null, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (s.traced) this.traceUndefined(name, file);
    if (inserted) this.replace(s, UndefinedData, name, flags, file, symInit());
    else if (s.isLazy()) {
      if ((flags & W.SYM_BINDING_MASK) === W.SYM_BINDING_WEAK) s.flags |= W.SYM_BINDING_WEAK;
      else this.extract(s);
    } else if (s.isDefined()) this.checkDataType(s, file);
    else this.updateExistingUndefined(s, flags, file);
    return s;
  }

  addUndefinedGlobal(name: string, importName: string | undefined, importModule: string | undefined, flags: number, file: ObjFile | null, type: GlobalType | null, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (s.traced) this.traceUndefined(name, file);
    if (inserted) this.replace(s, UndefinedGlobal, name, flags, file, importInit(null, importName, importModule, false, type));
    else if (s.isLazy()) this.extract(s);
    else if (s.isDefined()) this.checkGlobalType(s, file, type);
    else this.updateExistingUndefined(s, flags, file, importName, importModule);
    return s;
  }

  addUndefinedTable(name: string, importName: string | undefined, importModule: string | undefined, flags: number, file: ObjFile | null, type: TableType | null, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (s.traced) this.traceUndefined(name, file);
    if (inserted) this.replace(s, UndefinedTable, name, flags, file, importInit(null, importName, importModule, false, null, type));
    else if (s.isLazy()) this.extract(s);
    else if (s.isDefined()) this.checkTableType(s, file, type);
    else this.updateExistingUndefined(s, flags, file, importName, importModule);
    return s;
  }

  addUndefinedTag(name: string, importName: string | undefined, importModule: string | undefined, flags: number, file: ObjFile | null, sig: FuncType | null, id = -1): Symbol {
    const s = this.insert(name, file, id);
    const inserted = this.inserted;
    if (s.traced) this.traceUndefined(name, file);
    if (inserted) this.replace(s, UndefinedTag, name, flags, file, importInit(sig, importName, importModule));
    else if (s.isLazy()) this.extract(s);
    else if (s.isDefined()) this.checkTagType(s, file, sig);
    else this.updateExistingUndefined(s, flags, file, importName, importModule);
    return s;
  }

  /** LazySymbol::extract: loads the archive member (once). */
  extract(s: Symbol): void {
    const file = s.file!;
    if (!file.lazy) return;
    file.lazy = false;
    this.ctx.addFile(file, s.name);
  }

  /** A --why-extract row; taken after extraction, so nested extractions come first, as in lld. */
  recordWhy(reference: string, s: Symbol): void {
    this.ctx.whyExtract.push([reference, fileName(s.file), demangleName(this.ctx, s.name)]);
  }

  addLazy(name: string, file: ObjFile): void {
    const id = this.names.id(name);
    const v = this.get(id);
    if (v === undefined) {
      if (this.layers.length && this.findLayer(name, id)) return; // an archive offered it first
      // A name nobody has asked for: remember who offers it, make no Symbol yet.
      this.set(id, this.lazyFile.length);
      this.lazyFile.push(file);
      this.lazyOrder.push(this.nextOrder++);
      return;
    }
    if (typeof v === 'number' && v !== TRACED) return; // already offered: not undefined
    this.offerExisting(name, file);
  }

  /**
   * parseLazy for every member of an archive at once, with the same outcome: only names that
   * already have a symbol (or are traced) need work now, in offer order; the others become
   * lazy symbols when looked up (fromLayers), at the place in symbol order their offer had.
   */
  addLazyGroup(group: LazyGroup, idx: LazyIndex): void {
    group.idx = idx;
    group.base = this.nextOrder;
    this.layers.push(group);
    const names = idx.names;
    const ids = this.names.ofIndex(idx);
    const offered = this.names.offered;
    const gen = this.gen;
    for (let p = 0; p < ids.length; p++) offered[ids[p]] = gen;
    const member = idx.member;
    let delta = 0;
    for (let p = 0; p < names.length; p++) {
      const v = this.get(ids[p]);
      if (v === undefined || (typeof v === 'number' && v !== TRACED)) continue;
      const name = names[p];
      // parseLazy stops offering a member's names once the member is extracted.
      if (!group.isLazy(member[p])) continue;
      group.cursor = p;
      // Symbols made while this offer extracts members come between it and the next offer.
      const order = group.base + p + delta;
      this.nextOrder = order + 1;
      this.offerExisting(name, group.file(member[p]));
      const made = this.nextOrder - (order + 1);
      if (made > 0) {
        delta += made;
        group.breakPos.push(p + 1);
        group.breakDelta.push(delta);
      }
    }
    group.cursor = names.length;
    this.nextOrder = group.base + names.length + delta;
  }

  /** addLazy for a name that has a symbol (or is traced). */
  private offerExisting(name: string, file: ObjFile): void {
    const s = this.insertName(name);
    const inserted = this.inserted;
    if (inserted) {
      this.replace(s, LazyKind, name, 0, file, symInit());
      return;
    }
    if (!s.isUndefined()) return;
    if (s.isWeak()) {
      const oldSig = s.kind === UndefinedFunction ? s.sig : null;
      this.replace(s, LazyKind, name, W.SYM_BINDING_WEAK, file, symInit());
      s.sig = oldSig;
      return;
    }
    const oldFile = s.file;
    if (file.lazy) {
      file.lazy = false;
      this.ctx.addFile(file, name);
    }
    if (this.ctx.config.whyExtract) this.recordWhy(fileName(oldFile), s);
  }

  addComdat(name: string): boolean {
    if (this.comdatGroups.has(name)) return false;
    this.comdatGroups.add(name);
    return true;
  }

  private getFunctionVariant(sym: Symbol, sig: FuncType, file: ObjFile | null): [Symbol, boolean] {
    let vs = this.variants.get(sym.name);
    if (!vs) {
      vs = [];
      this.variants.set(sym.name, vs);
    }
    if (vs.length === 0) vs.push(sym);
    for (const v of vs) if (v.sig?.key === sig.key) return [v, false];
    // lld value-initialises variants: `referenced` starts false even without --gc-sections.
    const variant = new Symbol(sym.name, UndefinedFunction, 0, null);
    variant.isUsedInRegularObj = true;
    variant.canInline = true;
    variant.order = sym.order;
    vs.push(variant);
    void file;
    return [variant, true];
  }

  /** Replaces `sym` with a local function whose body is `unreachable` (stubs). */
  private replaceWithUnreachable(sym: Symbol, sig: FuncType, debugName: string): InputChunk {
    const fn = new InputChunk(CHUNK_FUNCTION, null, sym.name, this.ctx.config.gcSections);
    fn.sig = sig;
    fn.debugName = debugName;
    fn.body = UNREACHABLE_BODY;
    fn.size = UNREACHABLE_BODY.length;
    this.ctx.syntheticFunctions.push(fn);
    this.replace(sym, DefinedFunction, debugName, W.SYM_BINDING_LOCAL, null, symInit(fn));
    sym.isStub = true;
    return fn;
  }

  private replaceWithUndefined(sym: Symbol): void {
    const debugName = 'undefined_weak:' + demangleName(this.ctx, sym.name);
    this.replaceWithUnreachable(sym, sym.sig!, debugName);
    sym.setHidden(true);
  }

  handleWeakUndefines(): void {
    for (let symIndex = 0, symbols = this.symbols; symIndex < symbols.length; symIndex++) {
      const sym = symbols[symIndex];
      if (sym.isUndefWeak() && sym.isUsedInRegularObj && sym.sig) {
        this.replaceWithUndefined(sym);
      }
    }
  }

  createUndefinedStub(sig: FuncType): Symbol {
    const existing = this.stubFunctions.get(sig.key);
    if (existing) return existing;
    const sym = new Symbol('undefined_stub', DefinedFunction, W.SYM_VISIBILITY_HIDDEN, null);
    sym.isUsedInRegularObj = true;
    sym.canInline = true;
    sym.sig = sig;
    this.replaceWithUnreachable(sym, sig, 'undefined_stub');
    this.stubFunctions.set(sig.key, sym);
    return sym;
  }

  handleSymbolVariants(): void {
    for (const [symName, variants] of this.variants) {
      let defined: Symbol | undefined;
      for (const v of variants) {
        if (v.kind === DefinedFunction) {
          defined = v;
          break;
        }
      }
      const display = demangleName(this.ctx, symName);
      if (!defined) {
        this.reportSignatureMismatch(display, variants[0], variants[1].sig, variants[1].file, true);
        return;
      }
      for (const v of variants) {
        if (v === defined) continue;
        this.reportSignatureMismatch(display, v, defined.sig, defined.file, false);
        this.replaceWithUnreachable(v, v.sig!, 'signature_mismatch:' + display);
      }
    }
  }

  /** --wrap: names resolve to the swapped symbols from now on. */
  wrap(sym: Symbol, real: Symbol, wrap: Symbol): void {
    const names = this.names;
    const orig = this.get(names.id(sym.name))!;
    const w = this.get(names.id(wrap.name))!;
    this.set(names.id(real.name), orig);
    this.set(names.id(sym.name), w);
  }

  /** The indirect function table, created if needed (lld resolveIndirectFunctionTable). */
  resolveIndirectFunctionTable(required: boolean): Symbol | null {
    const ctx = this.ctx;
    const name = '__indirect_function_table';
    const existing = this.find(name);
    if (existing) {
      if (!existing.isTable()) {
        ctx.diag.error(`reserved symbol must be of type table: \`${name}\``);
        return null;
      }
      if (existing.isDefined()) {
        ctx.diag.error(`reserved symbol must not be defined in input files: \`${name}\``);
        return null;
      }
    }
    if (ctx.config.importTable) {
      if (existing) {
        existing.importModule = 'env';
        existing.importName = name;
        return existing;
      }
      if (required) return this.createUndefinedIndirectFunctionTable(name);
    } else if ((existing && existing.isLive()) || ctx.config.exportTable || required) {
      return this.createDefinedIndirectFunctionTable(name);
    }
    return null;
  }

  private createUndefinedIndirectFunctionTable(name: string): Symbol {
    const type: TableType = { elemType: W.TYPE_FUNCREF, limits: { flags: 0, min: 0, max: 0 } };
    let flags = this.ctx.config.exportTable ? 0 : W.SYM_VISIBILITY_HIDDEN;
    flags |= W.SYM_UNDEFINED;
    const sym = this.addUndefinedTable(name, name, 'env', flags, null, type);
    sym.markLive();
    sym.forceExport = this.ctx.config.exportTable;
    return sym;
  }

  private createDefinedIndirectFunctionTable(name: string): Symbol {
    const t = new InputElement(null, name, this.ctx.config.gcSections);
    t.tableType = { elemType: W.TYPE_FUNCREF, limits: { flags: 0, min: 0, max: 0 } };
    const flags = this.ctx.config.exportTable ? 0 : W.SYM_VISIBILITY_HIDDEN;
    const sym = this.addSyntheticTable(name, flags, t);
    sym.markLive();
    sym.forceExport = this.ctx.config.exportTable;
    return sym;
  }
}
