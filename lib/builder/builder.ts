// The module builder: weld's incremental linking API, descended from the seed's self-hosted
// wasm linker (Zig's src/link/Wasm.zig, 2022). A compiler declares symbols, defines atoms
// (function bodies and data) with relocations, and flushes a module after every update.
//
// Symbols live in typed arrays indexed by symbol id; ids of freed symbols go to a free list and
// are reused (most recently freed first). A freed symbol that is still the target of a
// relocation is "pending": its id is not reused until the last reference goes, and flushing
// while it is still referenced is an error.
//
// flush() keeps the previous output. A change that can move anything (declare, free, import,
// export, a first definition, a data size change, a new function-pointer or type reference)
// bumps `epoch` and the next flush rebuilds everything through a WritePlan; redefinitions that
// move nothing only mark their atom dirty, and the next flush re-encodes the dirty atoms (a
// small WritePlan against the cached symbol values) and patches or splices them into the cached
// output. Both paths produce the same bytes as a from-scratch flush of the same state.

import * as P from '../plan/types.js';
import { selectBackend } from '../backend/index.js';
import { ulebSize } from '../util/leb.js';
import { ByteWriter, encodeUtf8 } from '../util/writer.js';
import * as W from '../input/wasm.js';
import { Assembler } from './assembler.js';
import { writeObject, type ObjectOptions } from './object.js';
import { AtomStore } from './store.js';
import * as E from './encode.js';
import {
  BUILDER_RELOC_TYPES,
  BuilderError,
  type DataOptions,
  type FuncSig,
  type GlobalOptions,
  type ImportOptions,
  type MemoryLayout,
  type ModuleBuilderOptions,
  type Reloc,
  type SymbolInfo,
  type ValType,
} from './types.js';

import {
  F_DEFINED,
  F_EXPLICIT_IMPORT,
  F_IMPORTED,
  F_LINKER,
  F_LOCAL,
  FIRST_USER,
  K_DATA,
  K_FUNC,
  K_GLOBAL,
  K_TABLE,
  S_FREE,
  S_LIVE,
  S_PENDING,
  SYM_DATA_END,
  SYM_HEAP_BASE,
  SYM_STACK_POINTER,
  SYM_TABLE,
  isBssName,
  isTableIndexReloc,
  type AtomRelocs,
  type OutSegment,
} from './symbols.js';

const KIND_NAMES = ['free', 'function', 'data', 'global', 'table'] as const;
const KIND_ARTICLE = ['a free', 'a function', 'a data', 'a global', 'a table'];
/** Transient state inside free(). */
const S_DYING = 3;

const TABLE_NAME = '__indirect_function_table';
const MAGIC = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Relocation type code → the symbol kind it needs (0 = a type id). */
const RELOC_NEEDS = new Int8Array(32).fill(-1);
for (const t of [W.R_FUNCTION_INDEX_LEB, W.R_FUNCTION_INDEX_I32]) RELOC_NEEDS[t] = K_FUNC;
for (const t of [W.R_TABLE_INDEX_SLEB, W.R_TABLE_INDEX_I32, W.R_TABLE_INDEX_SLEB64, W.R_TABLE_INDEX_I64]) RELOC_NEEDS[t] = K_FUNC;
for (const t of [W.R_MEMORY_ADDR_LEB, W.R_MEMORY_ADDR_SLEB, W.R_MEMORY_ADDR_I32, W.R_MEMORY_ADDR_LEB64, W.R_MEMORY_ADDR_SLEB64, W.R_MEMORY_ADDR_I64])
  RELOC_NEEDS[t] = K_DATA;
RELOC_NEEDS[W.R_TYPE_INDEX_LEB] = 0;
RELOC_NEEDS[W.R_GLOBAL_INDEX_LEB] = K_GLOBAL;
RELOC_NEEDS[W.R_GLOBAL_INDEX_I32] = K_GLOBAL;
RELOC_NEEDS[W.R_TABLE_NUMBER_LEB] = K_TABLE;

const RELOC_CODE = new Map<string, number>(BUILDER_RELOC_TYPES.map((n) => [n, W.RELOC_NAMES.indexOf(n)]));

function isLebReloc(t: number): boolean {
  const e = P.RELOC_ENCODING[t];
  return e === P.ENC_ULEB5 || e === P.ENC_ULEB10 || e === P.ENC_SLEB5 || e === P.ENC_SLEB10;
}

interface Layout {
  imported: Int32Array;
  defined: Int32Array;
  funcIndex: Int32Array;
  typeOrder: number[];
  typeMap: Int32Array;
  slots: Int32Array;
  tableSlot: Int32Array;
  hasTable: boolean;
  segments: OutSegment[];
  addr: Float64Array;
  globals: number[];
  dataGlobals: number[];
  globalIndex: Int32Array;
  exports: { name: string; kind: number; index: number }[];
  mem: MemoryLayout;
}

interface FlushCache {
  epoch: number;
  out: Uint8Array;
  file: P.PlanFile;
  funcPos: Float64Array;
  funcLen: Float64Array;
  funcOrder: Int32Array;
  dataPos: Float64Array;
  dataAtoms: Int32Array;
  codeStart: number;
  codeHeaderLen: number;
  codePayload: number;
  layout: Layout;
}

interface ResolvedOptions {
  hostModule: string;
  stackSize: number;
  globalBase: number | undefined;
  initialMemory: number | undefined;
  maxMemory: number | undefined;
  importMemory: boolean;
  exportMemory: boolean;
  importTable: boolean;
  exportTable: boolean;
  memory64: boolean;
}

const NO_RELOCS: readonly Reloc[] = [];

function isValType(v: unknown): v is ValType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(E.VALTYPE_CODE, v);
}

function segmentRank(name: string): number {
  if (name === '.rodata') return 0;
  if (name === '.data') return 1;
  if (isBssName(name)) return 3;
  return 2;
}

/** An integer in [-2^(bits-1), 2^bits): representable by a wasm iN.const, read signed or unsigned. */
function fitsInt(v: number | bigint, bits: number): boolean {
  if (typeof v === 'number' && !Number.isInteger(v)) return false;
  const b = BigInt(v);
  return b >= -(1n << BigInt(bits - 1)) && b < 1n << BigInt(bits);
}

export class ModuleBuilder {
  /** The `__stack_pointer` global (R_WASM_GLOBAL_INDEX_LEB/I32). */
  readonly stackPointer = SYM_STACK_POINTER;
  /** The `__indirect_function_table` (R_WASM_TABLE_NUMBER_LEB, e.g. for call_indirect). */
  readonly indirectFunctionTable = SYM_TABLE;
  /** `__heap_base`: the first byte after data and stack (a data symbol). */
  readonly heapBase = SYM_HEAP_BASE;
  /** `__data_end`: the end of the data (a data symbol). */
  readonly dataEnd = SYM_DATA_END;

  /** @internal */ readonly opts: ResolvedOptions;

  // ---- symbols (typed arrays indexed by symbol id) ----
  /** @internal */ count = 0;
  private cap = 0;
  /** @internal */ kind = new Uint8Array(0);
  /** @internal */ state = new Uint8Array(0);
  /** @internal */ flags = new Uint8Array(0);
  /** @internal */ sig = new Int32Array(0);
  /** @internal */ align = new Uint32Array(0);
  /** @internal */ section = new Int32Array(0);
  /** @internal */ owner = new Int32Array(0);
  /** @internal */ refCount = new Int32Array(0);
  /** @internal */ tableRefs = new Int32Array(0);
  /** @internal */ globalType = new Uint8Array(0);
  /** @internal */ globalMut = new Uint8Array(0);
  private dirtyMark = new Uint8Array(0);
  /** @internal */ names: string[] = [];
  /** @internal */ nameBytes: (Uint8Array | undefined)[] = [];
  /** @internal Bodies and relocations of all atoms. */ readonly store = new AtomStore();
  /** @internal */ importModule: (string | undefined)[] = [];
  /** @internal */ importName: (string | undefined)[] = [];
  /** @internal */ locals: (number[] | undefined)[] = [];
  /** @internal */ exportsOf: (string[] | undefined)[] = [];
  /** @internal */ globalInit: (number | bigint | null)[] = [];
  private nameToId = new Map<string, number>();
  private exportMap = new Map<string, number>();
  private freeList: number[] = [];
  private pendingCount = 0;

  // ---- types ----
  /** @internal */ typeKeys: string[] = [];
  /** @internal */ typeEnc: Uint8Array[] = [];
  private typeByKey = new Map<string, number>();
  /** @internal */ typeRefs = new Int32Array(16);

  // ---- data sections ----
  /** @internal */ sectionNames: string[] = [];
  private sectionByName = new Map<string, number>();

  // ---- incremental state ----
  /** Bumped by every change that can move something in the output. */
  private epoch = 0;
  private cache: FlushCache | null = null;
  private dirty: number[] = [];

  constructor(options: ModuleBuilderOptions = {}) {
    this.opts = resolveOptions(options);
    this.grow(64);
    const sp = this.alloc();
    this.initSymbol(sp, K_GLOBAL, '__stack_pointer', F_LINKER | F_DEFINED);
    this.globalType[sp] = this.opts.memory64 ? W.TYPE_I64 : W.TYPE_I32;
    this.globalMut[sp] = 1;
    this.initSymbol(this.alloc(), K_TABLE, TABLE_NAME, F_LINKER | F_DEFINED);
    this.initSymbol(this.alloc(), K_DATA, '__heap_base', F_LINKER | F_DEFINED);
    this.initSymbol(this.alloc(), K_DATA, '__data_end', F_LINKER | F_DEFINED);
  }

  // =============================================================================================
  // Public API

  /** Declares a function; returns its symbol id. Define it with defineFunction or importFunction. */
  declareFunction(name: string, sig: FuncSig): number {
    this.checkNewName(name, 'declareFunction');
    const t = this.internType(sig, `declareFunction('${name}')`);
    const id = this.alloc();
    this.initSymbol(id, K_FUNC, name, 0);
    this.sig[id] = t;
    this.epoch++;
    return id;
  }

  /**
   * Sets a function's body: locals + expression + `end`, without the size prefix. Relocation
   * offsets are relative to `body`. Redefining a function replaces its body.
   */
  defineFunction(f: number, body: Uint8Array, relocs: readonly Reloc[] = NO_RELOCS): void {
    const op = 'defineFunction';
    this.live(f, op);
    this.needKind(f, K_FUNC, op);
    if (this.flags[f] & F_LINKER) throw new BuilderError(`${op}: ${this.desc(f)} is defined by the linker`);
    if (this.flags[f] & F_IMPORTED) throw new BuilderError(`${op}: ${this.desc(f)} is imported; an import has no body`);
    if (!(body instanceof Uint8Array)) throw new BuilderError(`${op}: the body of ${this.desc(f)} must be a Uint8Array`);
    if (body.length < 2 || body[body.length - 1] !== W.OP_END)
      throw new BuilderError(`${op}: the body of ${this.desc(f)} must hold its locals and end with the end opcode (0x0b), without a size prefix`);
    const r = this.parseRelocs(relocs, body, f, op);
    const first = (this.flags[f] & F_DEFINED) === 0;
    const structural = this.swapRelocs(f, r);
    this.store.setBody(f, body);
    this.flags[f] |= F_DEFINED;
    if (first || structural) this.epoch++;
    else this.markDirty(f);
  }

  /** Declares a data symbol; returns its id. */
  declareData(name: string, opts: DataOptions = {}): number {
    this.checkNewName(name, 'declareData');
    const { align, section } = this.checkDataOptions(opts, '.data', `declareData('${name}')`);
    const id = this.alloc();
    this.initSymbol(id, K_DATA, name, 0);
    this.align[id] = align;
    this.section[id] = section;
    this.epoch++;
    return id;
  }

  /** Sets a data symbol's bytes. Relocation offsets are relative to `bytes`. */
  defineData(d: number, bytes: Uint8Array, relocs: readonly Reloc[] = NO_RELOCS): void {
    const op = 'defineData';
    this.live(d, op);
    this.needKind(d, K_DATA, op);
    if (this.flags[d] & F_LINKER) throw new BuilderError(`${op}: ${this.desc(d)} is defined by the linker`);
    if (!(bytes instanceof Uint8Array)) throw new BuilderError(`${op}: the bytes of ${this.desc(d)} must be a Uint8Array`);
    this.checkBss(d, bytes, relocs, op);
    const r = this.parseRelocs(relocs, bytes, d, op);
    const resized = !(this.flags[d] & F_DEFINED) || this.store.len[d] !== bytes.length;
    const structural = this.swapRelocs(d, r);
    this.store.setBody(d, bytes);
    this.flags[d] |= F_DEFINED;
    if (resized || structural) this.epoch++;
    else this.markDirty(d);
  }

  /**
   * A local data atom owned by `owner` (the seed's createLocalSymbol): freed with its owner.
   * Default section ".rodata". Add relocations with defineData(id, bytes, relocs).
   */
  addLocalData(owner: number, bytes: Uint8Array, opts: DataOptions = {}): number {
    const op = 'addLocalData';
    this.live(owner, op);
    if ((this.kind[owner] !== K_FUNC && this.kind[owner] !== K_DATA) || this.flags[owner] & F_LINKER)
      throw new BuilderError(`${op}: the owner must be a function or data symbol, not ${this.desc(owner)}`);
    if (!(bytes instanceof Uint8Array)) throw new BuilderError(`${op}: bytes must be a Uint8Array`);
    const { align, section } = this.checkDataOptions(opts, '.rodata', op);
    if (isBssName(this.sectionNames[section]) && bytes.some((b) => b !== 0))
      throw new BuilderError(`${op}: a ${this.sectionNames[section]} atom must be all zeros`);
    const id = this.alloc();
    this.initSymbol(id, K_DATA, `__unnamed_${this.names[owner]}_${id}`, F_LOCAL | F_DEFINED);
    this.align[id] = align;
    this.section[id] = section;
    this.owner[id] = owner;
    this.store.setBody(id, bytes);
    (this.locals[owner] ??= []).push(id);
    this.epoch++;
    return id;
  }

  /** Makes a declared function an import (an extern declaration) from `module` (default hostModule). */
  importFunction(f: number, opts: ImportOptions = {}): void {
    const op = 'importFunction';
    this.live(f, op);
    this.needKind(f, K_FUNC, op);
    if (this.flags[f] & F_DEFINED) throw new BuilderError(`${op}: ${this.desc(f)} is defined (it has a body); free it and declare it again to import it`);
    if (opts.module !== undefined && (typeof opts.module !== 'string')) throw new BuilderError(`${op}: module must be a string`);
    if (opts.name !== undefined && (typeof opts.name !== 'string' || opts.name === '')) throw new BuilderError(`${op}: name must be a non-empty string`);
    this.flags[f] |= F_IMPORTED;
    this.importModule[f] = opts.module ?? this.opts.hostModule;
    this.importName[f] = opts.name ?? this.names[f];
    if (opts.module !== undefined || opts.name !== undefined) this.flags[f] |= F_EXPLICIT_IMPORT;
    else this.flags[f] &= ~F_EXPLICIT_IMPORT;
    this.epoch++;
  }

  /** Exports a function (as a function), a data symbol (as a global holding its address) or a global. */
  exportSymbol(sym: number, exportName?: string): void {
    const op = 'exportSymbol';
    this.live(sym, op);
    const k = this.kind[sym];
    if (k !== K_FUNC && k !== K_DATA && k !== K_GLOBAL)
      throw new BuilderError(`${op}: ${this.desc(sym)} cannot be exported; use the exportTable option for the table`);
    if (k === K_DATA && this.flags[sym] & F_LINKER) throw new BuilderError(`${op}: ${this.desc(sym)} cannot be exported`);
    const name = exportName ?? this.names[sym];
    if (typeof name !== 'string' || name === '') throw new BuilderError(`${op}: the export name must be a non-empty string`);
    const taken = this.exportMap.get(name);
    if (taken === sym) return;
    if (taken !== undefined) throw new BuilderError(`${op}: export name '${name}' is already used by ${this.desc(taken)}`);
    if ((name === 'memory' && this.opts.exportMemory) || (name === TABLE_NAME && this.opts.exportTable))
      throw new BuilderError(`${op}: export name '${name}' is used by the ${name === 'memory' ? 'memory' : 'table'}`);
    this.exportMap.set(name, sym);
    (this.exportsOf[sym] ??= []).push(name);
    this.epoch++;
  }

  /** Removes an export added by exportSymbol. */
  unexport(exportName: string): void {
    const sym = this.exportMap.get(exportName);
    if (sym === undefined) throw new BuilderError(`unexport: no export named '${exportName}'`);
    this.exportMap.delete(exportName);
    const list = this.exportsOf[sym]!;
    list.splice(list.indexOf(exportName), 1);
    if (list.length === 0) this.exportsOf[sym] = undefined;
    this.epoch++;
  }

  /** Declares a global with a constant initial value; returns its symbol id. */
  declareGlobal(name: string, opts: GlobalOptions): number {
    const op = `declareGlobal('${name}')`;
    this.checkNewName(name, 'declareGlobal');
    const type = opts?.type;
    if (type !== 'i32' && type !== 'i64' && type !== 'f32' && type !== 'f64') throw new BuilderError(`${op}: type must be i32, i64, f32 or f64`);
    const init = opts.init ?? 0;
    if (typeof init === 'bigint' ? type !== 'i64' : typeof init !== 'number') throw new BuilderError(`${op}: init must be a number (or a bigint for i64)`);
    // Integers must fit, signed or unsigned (0xffffffff is -1): nothing is rounded or wrapped.
    const bits = type === 'i32' ? 32 : type === 'i64' ? 64 : 0;
    if (bits && !fitsInt(init, bits)) throw new BuilderError(`${op}: init ${String(init)} is not an integer that fits ${type} (signed or unsigned)`);
    const id = this.alloc();
    this.initSymbol(id, K_GLOBAL, name, F_DEFINED);
    this.globalType[id] = E.VALTYPE_CODE[type];
    this.globalMut[id] = opts.mutable ? 1 : 0;
    this.globalInit[id] = init;
    this.epoch++;
    return id;
  }

  /** The type id of a signature, for R_WASM_TYPE_INDEX_LEB (e.g. call_indirect). */
  typeIndex(sig: FuncSig): number {
    return this.internType(sig, 'typeIndex');
  }

  /**
   * Frees a symbol (the seed's freeDecl) and the local data it owns: its id goes to the free list
   * and is reused. Relocations that still refer to it must be removed (by redefining or freeing
   * their atoms) before the next flush.
   */
  free(sym: number): void {
    const op = 'free';
    this.live(sym, op);
    if (this.flags[sym] & F_LINKER) throw new BuilderError(`${op}: ${this.desc(sym)} is defined by the linker and cannot be freed`);
    const all: number[] = [];
    const collect = (s: number) => {
      all.push(s);
      for (const l of this.locals[s] ?? []) collect(l);
    };
    collect(sym);
    if (this.flags[sym] & F_LOCAL) {
      const list = this.locals[this.owner[sym]]!;
      list.splice(list.indexOf(sym), 1);
    }
    for (const s of all) this.state[s] = S_DYING;
    for (const s of all) {
      this.countStored(s, -1);
      this.store.clearRelocs(s);
      this.store.clearBody(s);
      for (const e of this.exportsOf[s] ?? []) this.exportMap.delete(e);
      this.exportsOf[s] = undefined;
      this.locals[s] = undefined;
      if (!(this.flags[s] & F_LOCAL) && this.nameToId.get(this.names[s]) === s) this.nameToId.delete(this.names[s]);
    }
    for (const s of all) {
      if (this.refCount[s] === 0) this.release(s);
      else {
        this.state[s] = S_PENDING;
        this.pendingCount++;
      }
    }
    this.epoch++;
  }

  /** The id of a live (non-local) symbol by name. */
  lookup(name: string): number | undefined {
    return this.nameToId.get(name);
  }

  /** Whether `sym` is a live symbol id. */
  isLive(sym: number): boolean {
    return Number.isInteger(sym) && sym >= 0 && sym < this.count && this.state[sym] === S_LIVE;
  }

  /** Where a symbol landed in the last successful flush. */
  symbolInfo(sym: number): SymbolInfo {
    this.live(sym, 'symbolInfo');
    const k = this.kind[sym];
    const info: SymbolInfo = {
      id: sym,
      name: this.names[sym],
      kind: KIND_NAMES[k] as SymbolInfo['kind'],
      defined: (this.flags[sym] & F_DEFINED) !== 0,
      imported: (this.flags[sym] & F_IMPORTED) !== 0,
    };
    if (this.flags[sym] & F_LOCAL) info.owner = this.owner[sym];
    if (k === K_DATA && this.flags[sym] & F_DEFINED && sym >= FIRST_USER) info.size = this.store.len[sym];
    const c = this.cache;
    if (!c || sym >= c.layout.funcIndex.length) return info;
    const L = c.layout;
    if (k === K_FUNC && L.funcIndex[sym] >= 0) {
      info.functionIndex = L.funcIndex[sym];
      if (L.tableSlot[sym] > 0) info.tableIndex = L.tableSlot[sym];
    } else if (k === K_DATA && (L.addr[sym] >= 0 || sym < FIRST_USER)) info.address = L.addr[sym];
    if (L.globalIndex[sym] >= 0) info.globalIndex = L.globalIndex[sym];
    return info;
  }

  /** The memory layout of the last successful flush. */
  memoryLayout(): MemoryLayout {
    if (!this.cache) throw new BuilderError('memoryLayout: flush() first');
    return { ...this.cache.layout.mem };
  }

  /** Links the current state into a module. Call again after any update. */
  flush(): Uint8Array {
    const c = this.cache;
    if (c && c.epoch === this.epoch) {
      const out = this.incrementalFlush(c);
      if (out) return out;
    }
    return this.fullFlush();
  }

  /** How the last flush ran: a full rebuild, a patch of the cached output, or nothing to do. */
  lastFlushKind: 'full' | 'incremental' | 'unchanged' | 'none' = 'none';
  /** Milliseconds spent in the phases of the last full flush (layout, plan building, plan execution). */
  lastFlushTimings: { layout: number; plan: number; execute: number; total: number } | null = null;

  // =============================================================================================
  // Symbol table

  private grow(min: number): void {
    let cap = Math.max(64, this.cap);
    while (cap < min) cap *= 2;
    if (cap === this.cap) return;
    const g8 = (a: Uint8Array) => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array, fill = 0) => {
      const b = new Int32Array(cap);
      if (fill) b.fill(fill);
      b.set(a);
      return b;
    };
    this.kind = g8(this.kind);
    this.state = g8(this.state);
    this.flags = g8(this.flags);
    this.globalType = g8(this.globalType);
    this.globalMut = g8(this.globalMut);
    this.dirtyMark = g8(this.dirtyMark);
    this.sig = g32(this.sig, -1);
    this.section = g32(this.section, -1);
    this.owner = g32(this.owner, -1);
    this.refCount = g32(this.refCount);
    this.tableRefs = g32(this.tableRefs);
    const al = new Uint32Array(cap);
    al.set(this.align);
    this.align = al;
    this.store.growSymbols(cap);
    this.cap = cap;
  }

  private alloc(): number {
    const id = this.freeList.length ? this.freeList.pop()! : this.count++;
    if (id >= this.cap) this.grow(id + 1);
    this.store.count = this.count;
    return id;
  }

  private initSymbol(id: number, kind: number, name: string, flags: number): void {
    this.kind[id] = kind;
    this.state[id] = S_LIVE;
    this.flags[id] = flags;
    this.sig[id] = -1;
    this.align[id] = 1;
    this.section[id] = -1;
    this.owner[id] = -1;
    this.globalType[id] = 0;
    this.globalMut[id] = 0;
    this.names[id] = name;
    this.nameBytes[id] = undefined;
    this.store.clearBody(id);
    this.store.clearRelocs(id);
    this.importModule[id] = undefined;
    this.importName[id] = undefined;
    this.locals[id] = undefined;
    this.exportsOf[id] = undefined;
    this.globalInit[id] = null;
    if (!(flags & F_LOCAL)) this.nameToId.set(name, id);
  }

  private release(s: number): void {
    this.state[s] = S_FREE;
    this.kind[s] = 0;
    this.flags[s] = 0;
    this.freeList.push(s);
  }

  /** @internal */ desc(s: number): string {
    const what = KIND_NAMES[this.kind[s]] ?? 'symbol';
    return `${what} '${this.names[s]}' (id ${s})`;
  }

  private live(id: number, op: string): void {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.count)
      throw new BuilderError(`${op}: unknown symbol id ${String(id)}`);
    if (this.state[id] !== S_LIVE) throw new BuilderError(`${op}: symbol ${id} ('${this.names[id]}') has been freed (use after free)`);
  }

  private needKind(id: number, k: number, op: string): void {
    if (this.kind[id] !== k) throw new BuilderError(`${op} needs ${KIND_ARTICLE[k]} symbol, but ${this.desc(id)} is not one`);
  }

  private checkNewName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '') throw new BuilderError(`${op}: the name must be a non-empty string`);
    const other = this.nameToId.get(name);
    if (other !== undefined) throw new BuilderError(`${op}: '${name}' is already declared (${this.desc(other)})`);
  }

  private checkDataOptions(opts: DataOptions, defSection: string, op: string): { align: number; section: number } {
    const align = opts?.align ?? 1;
    if (typeof align !== 'number' || !Number.isInteger(align) || align < 1 || align > 2 ** 16 || (align & (align - 1)) !== 0)
      throw new BuilderError(`${op}: align must be a power of two between 1 and 65536, got ${String(align)}`);
    const sname = opts?.section ?? defSection;
    if (typeof sname !== 'string' || sname === '') throw new BuilderError(`${op}: section must be a non-empty string`);
    let section = this.sectionByName.get(sname);
    if (section === undefined) {
      section = this.sectionNames.length;
      this.sectionNames.push(sname);
      this.sectionByName.set(sname, section);
    }
    return { align, section };
  }

  private checkBss(d: number, bytes: Uint8Array, relocs: readonly Reloc[], op: string): void {
    const sname = this.sectionNames[this.section[d]];
    if (!isBssName(sname)) return;
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i] !== 0) throw new BuilderError(`${op}: ${this.desc(d)} is in ${sname}, so its bytes must be all zeros (byte ${i} is ${bytes[i]})`);
    if (relocs.length) throw new BuilderError(`${op}: ${this.desc(d)} is in ${sname} and cannot have relocations`);
  }

  private internType(sig: FuncSig, op: string): number {
    if (!sig || !Array.isArray(sig.params) || !Array.isArray(sig.results))
      throw new BuilderError(`${op}: a signature needs params and results arrays`);
    const params: readonly unknown[] = sig.params;
    const results: readonly unknown[] = sig.results;
    for (const v of params) if (!isValType(v)) throw new BuilderError(`${op}: invalid parameter type ${JSON.stringify(v)}`);
    for (const v of results) if (!isValType(v)) throw new BuilderError(`${op}: invalid result type ${JSON.stringify(v)}`);
    const key = `${params.join(',')}:${results.join(',')}`;
    let t = this.typeByKey.get(key);
    if (t === undefined) {
      t = this.typeKeys.length;
      this.typeKeys.push(key);
      const code = (v: unknown) => E.VALTYPE_CODE[v as ValType];
      this.typeEnc.push(E.encodeFuncType(params.map(code), results.map(code)));
      this.typeByKey.set(key, t);
      if (t >= this.typeRefs.length) {
        const next = new Int32Array(this.typeRefs.length * 2);
        next.set(this.typeRefs);
        this.typeRefs = next;
      }
    }
    return t;
  }

  /** Validates relocations against an atom's bytes; nothing is modified. */
  private parseRelocs(relocs: readonly Reloc[], body: Uint8Array, atom: number, op: string): AtomRelocs | null {
    if (!Array.isArray(relocs)) throw new BuilderError(`${op}: relocations must be an array`);
    const n = relocs.length;
    if (n === 0) return null;
    const r: AtomRelocs = {
      type: new Uint8Array(n),
      offset: new Uint32Array(n),
      target: new Uint32Array(n),
      addend: new Float64Array(n),
    };
    let sorted = true;
    const where = (i: number) => `${op}: relocation ${i} of ${this.desc(atom)}`;
    for (let i = 0; i < n; i++) {
      const x = relocs[i];
      const code = typeof x?.type === 'string' ? RELOC_CODE.get(x.type) : undefined;
      if (code === undefined) {
        const known = typeof x?.type === 'string' && W.RELOC_NAMES.includes(x.type);
        throw new BuilderError(`${where(i)}: ${known ? `${x.type} is not supported by the module builder` : `unknown relocation type ${JSON.stringify(x?.type)}`}`);
      }
      const width = W.RELOC_WIDTH[code];
      const off = x.offset;
      if (typeof off !== 'number' || !Number.isInteger(off) || off < 0) throw new BuilderError(`${where(i)}: bad offset ${String(off)}`);
      if (off + width > body.length)
        throw new BuilderError(`${where(i)}: ${x.type} at offset ${off} needs ${width} bytes, past the end of the ${body.length}-byte body`);
      if (isLebReloc(code)) {
        for (let j = 0; j < width - 1; j++)
          if ((body[off + j] & 0x80) === 0)
            throw new BuilderError(`${where(i)}: ${x.type} at offset ${off} must be a LEB padded to ${width} bytes (byte ${j} has no continuation bit)`);
        if (body[off + width - 1] & 0x80) throw new BuilderError(`${where(i)}: ${x.type} at offset ${off} is longer than ${width} bytes`);
      }
      const need = RELOC_NEEDS[code];
      const s = x.symbol;
      if (need === 0) {
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= this.typeKeys.length)
          throw new BuilderError(`${where(i)}: unknown type id ${String(s)} (get one from typeIndex())`);
      } else {
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= this.count) throw new BuilderError(`${where(i)}: unknown symbol id ${String(s)}`);
        if (this.state[s] !== S_LIVE) throw new BuilderError(`${where(i)}: symbol ${s} ('${this.names[s]}') has been freed (use after free)`);
        if (this.kind[s] !== need)
          throw new BuilderError(`${where(i)}: ${x.type} needs ${KIND_ARTICLE[need]} symbol, but ${this.desc(s)} is not one`);
      }
      const addend = x.addend ?? 0;
      if (typeof addend !== 'number' || !Number.isInteger(addend)) throw new BuilderError(`${where(i)}: bad addend ${String(addend)}`);
      if (addend !== 0 && need !== K_DATA) throw new BuilderError(`${where(i)}: ${x.type} takes no addend`);
      r.type[i] = code;
      r.offset[i] = off;
      r.target[i] = s;
      r.addend[i] = addend;
      if (i > 0 && off < r.offset[i - 1]) sorted = false;
    }
    if (!sorted) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r.offset[a] - r.offset[b]);
      const t = r.type.slice(), o = r.offset.slice(), g = r.target.slice(), a = r.addend.slice();
      for (let i = 0; i < n; i++) {
        r.type[i] = t[order[i]];
        r.offset[i] = o[order[i]];
        r.target[i] = g[order[i]];
        r.addend[i] = a[order[i]];
      }
    }
    for (let i = 1; i < n; i++)
      if (r.offset[i - 1] + W.RELOC_WIDTH[r.type[i - 1]] > r.offset[i])
        throw new BuilderError(`${op}: relocations of ${this.desc(atom)} at offsets ${r.offset[i - 1]} and ${r.offset[i]} overlap`);
    return r;
  }

  /** Replaces an atom's relocations; true when that changes the module's structure. */
  private swapRelocs(s: number, r: AtomRelocs | null): boolean {
    let structural = false;
    if (r) structural = this.countRelocs(r.type, r.target, 0, r.type.length, 1);
    structural = this.countStored(s, -1) || structural;
    this.store.setRelocs(s, r);
    return structural;
  }

  /** Counts (d = 1) or uncounts (d = -1) the stored relocations of `s`. */
  private countStored(s: number, d: number): boolean {
    const st = this.store;
    const n = st.relCount[s];
    return n ? this.countRelocs(st.rType, st.rTarget, st.relStart[s], n, d) : false;
  }

  /** Reference counts of relocation targets; true when a count crosses zero where that matters. */
  private countRelocs(types: Uint8Array, targets: Uint32Array, start: number, n: number, d: number): boolean {
    let structural = false;
    for (let i = start; i < start + n; i++) {
      const t = types[i];
      const x = targets[i];
      if (t === W.R_TYPE_INDEX_LEB) {
        const before = this.typeRefs[x];
        this.typeRefs[x] = before + d;
        if (before === 0 || before + d === 0) structural = true;
        continue;
      }
      const before = this.refCount[x];
      this.refCount[x] = before + d;
      if (x === SYM_TABLE && (before === 0 || before + d === 0)) structural = true;
      if (isTableIndexReloc(t)) {
        const tb = this.tableRefs[x];
        this.tableRefs[x] = tb + d;
        if (tb === 0 || tb + d === 0) structural = true;
      }
      if (d < 0 && before + d === 0 && this.state[x] === S_PENDING) {
        this.pendingCount--;
        this.release(x);
        structural = true;
      }
    }
    return structural;
  }

  private markDirty(s: number): void {
    if (this.dirtyMark[s]) return;
    this.dirtyMark[s] = 1;
    this.dirty.push(s);
  }

  private clearDirty(): void {
    for (const s of this.dirty) this.dirtyMark[s] = 0;
    this.dirty.length = 0;
  }

  /** @internal */ encodedName(s: number): Uint8Array {
    return (this.nameBytes[s] ??= encodeUtf8(this.names[s]));
  }

  /** Writes a symbol's name as a wasm `name` (ASCII directly, anything else through UTF-8). */
  private writeName(w: ByteWriter, s: number): void {
    const name = this.names[s];
    const n = name.length;
    if (n < 128) {
      let ascii = true;
      for (let i = 0; i < n; i++) if (name.charCodeAt(i) >= 0x80) ascii = false;
      if (ascii) {
        w.u8(n);
        for (let i = 0; i < n; i++) w.u8(name.charCodeAt(i));
        return;
      }
    }
    const nb = this.encodedName(s);
    w.uleb(nb.length).bytes(nb);
  }

  // =============================================================================================
  // Layout (shared checks with toObject)

  /** @internal Throws when the state cannot be linked: pending frees, undefined symbols. */
  checkLinkable(): void {
    if (this.pendingCount > 0) {
      for (let s = 0; s < this.count; s++) {
        if (this.state[s] !== S_PENDING) continue;
        let by = -1;
        const st = this.store;
        for (let a = 0; a < this.count && by < 0; a++) {
          if (this.state[a] !== S_LIVE) continue;
          for (let i = st.relStart[a]; i < st.relStart[a] + st.relCount[a]; i++) if (st.rTarget[i] === s && st.rType[i] !== W.R_TYPE_INDEX_LEB) by = a;
        }
        throw new BuilderError(`symbol ${s} ('${this.names[s]}') was freed but ${by >= 0 ? this.desc(by) : 'an atom'} still refers to it`);
      }
    }
    const n = this.count;
    for (let s = FIRST_USER; s < n; s++) {
      if (this.state[s] !== S_LIVE) continue;
      const k = this.kind[s];
      const f = this.flags[s];
      if (k === K_FUNC && !(f & (F_DEFINED | F_IMPORTED))) throw new BuilderError(`${this.desc(s)} is declared but neither defined nor imported`);
      if (k === K_DATA && !(f & F_DEFINED)) throw new BuilderError(`${this.desc(s)} is declared but not defined`);
    }
  }

  /** @internal Imported and defined functions in index order. */
  functionLists(): { imported: Int32Array; defined: Int32Array } {
    const n = this.count;
    let ni = 0;
    let nd = 0;
    for (let s = FIRST_USER; s < n; s++) {
      if (this.state[s] !== S_LIVE || this.kind[s] !== K_FUNC) continue;
      if (this.flags[s] & F_IMPORTED) ni++;
      else nd++;
    }
    const imported = new Int32Array(ni);
    const defined = new Int32Array(nd);
    ni = nd = 0;
    for (let s = FIRST_USER; s < n; s++) {
      if (this.state[s] !== S_LIVE || this.kind[s] !== K_FUNC) continue;
      if (this.flags[s] & F_IMPORTED) imported[ni++] = s;
      else defined[nd++] = s;
    }
    return { imported, defined };
  }

  /**
   * @internal Output type order: signatures in function-index order, then types only
   * relocations name, by signature. typeMap: type id → output index (or -1).
   */
  typeLayout(imported: Int32Array, defined: Int32Array): { order: number[]; map: Int32Array } {
    const map = new Int32Array(this.typeKeys.length).fill(-1);
    const order: number[] = [];
    const use = (t: number) => {
      if (map[t] < 0) {
        map[t] = order.length;
        order.push(t);
      }
    };
    for (let i = 0; i < imported.length; i++) use(this.sig[imported[i]]);
    for (let i = 0; i < defined.length; i++) use(this.sig[defined[i]]);
    const extra: number[] = [];
    for (let t = 0; t < this.typeKeys.length; t++) if (this.typeRefs[t] > 0 && map[t] < 0) extra.push(t);
    extra.sort((a, b) => (this.typeKeys[a] < this.typeKeys[b] ? -1 : this.typeKeys[a] > this.typeKeys[b] ? 1 : 0));
    for (const t of extra) use(t);
    return { order, map };
  }

  /** @internal Live data atoms grouped into output segments, in output order. */
  dataSegments(): OutSegment[] {
    const byName = new Map<number, OutSegment>();
    const importMemory = this.opts.importMemory;
    for (let s = FIRST_USER; s < this.count; s++) {
      if (this.state[s] !== S_LIVE || this.kind[s] !== K_DATA) continue;
      let seg = byName.get(this.section[s]);
      if (!seg) {
        const name = this.sectionNames[this.section[s]];
        const bss = isBssName(name);
        seg = { name, bss, emitted: !bss || importMemory, align: 1, addr: 0, size: 0, atoms: [] };
        byName.set(this.section[s], seg);
      }
      seg.atoms.push(s);
      if (this.align[s] > seg.align) seg.align = this.align[s];
    }
    return [...byName.values()].sort((a, b) => segmentRank(a.name) - segmentRank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private computeLayout(): Layout {
    this.checkLinkable();
    const n = this.count;
    const o = this.opts;
    const { imported, defined } = this.functionLists();
    const funcIndex = new Int32Array(n).fill(-1);
    for (let i = 0; i < imported.length; i++) funcIndex[imported[i]] = i;
    for (let i = 0; i < defined.length; i++) funcIndex[defined[i]] = imported.length + i;
    const { order: typeOrder, map: typeMap } = this.typeLayout(imported, defined);

    // Indirect function table: slot 0 stays null; address-taken functions in id order.
    const tableSlot = new Int32Array(n);
    let nslots = 0;
    for (let s = FIRST_USER; s < n; s++) if (this.state[s] === S_LIVE && this.kind[s] === K_FUNC && this.tableRefs[s] > 0) nslots++;
    const slots = new Int32Array(nslots);
    nslots = 0;
    for (let s = FIRST_USER; s < n; s++)
      if (this.state[s] === S_LIVE && this.kind[s] === K_FUNC && this.tableRefs[s] > 0) {
        slots[nslots] = s;
        tableSlot[s] = ++nslots;
      }
    const hasTable = nslots > 0 || o.importTable || o.exportTable || this.refCount[SYM_TABLE] > 0;

    // Memory (the seed's setupMemory): stack first unless globalBase is given.
    const segments = this.dataSegments();
    const addr = new Float64Array(n).fill(-1);
    const stackFirst = o.globalBase === undefined;
    let ptr = stackFirst ? 0 : o.globalBase!;
    let stackLow = 0;
    if (stackFirst) ptr += o.stackSize;
    const dataStart = ptr;
    for (const seg of segments) {
      ptr = E.alignUp(ptr, seg.align);
      seg.addr = ptr;
      for (const d of seg.atoms) {
        ptr = E.alignUp(ptr, this.align[d]);
        addr[d] = ptr;
        ptr += this.store.len[d];
      }
      seg.size = ptr - seg.addr;
    }
    const dataEnd = ptr;
    if (!stackFirst) {
      ptr = E.alignUp(ptr, 16);
      stackLow = ptr;
      ptr += o.stackSize;
    }
    const stackHigh = stackFirst ? o.stackSize : ptr;
    const heapBase = E.alignUp(ptr, 16);
    addr[SYM_HEAP_BASE] = heapBase;
    addr[SYM_DATA_END] = dataEnd;
    const limit = memoryLimit(o.memory64);
    const limitText = limitName(o.memory64);
    let initialPages: number;
    if (o.initialMemory !== undefined) {
      if (heapBase > o.initialMemory)
        throw new BuilderError(`initial memory too small: ${o.initialMemory} bytes given, the module needs ${heapBase} bytes`);
      initialPages = o.initialMemory / E.PAGE_SIZE;
    } else {
      if (heapBase > limit) throw new BuilderError(`the module needs ${heapBase} bytes of memory, above ${limitText}`);
      initialPages = Math.ceil(heapBase / E.PAGE_SIZE);
    }
    let maxPages: number | undefined;
    if (o.maxMemory !== undefined) {
      if (initialPages * E.PAGE_SIZE > o.maxMemory)
        throw new BuilderError(`maximum memory too small: ${o.maxMemory} bytes given, the module needs ${Math.max(heapBase, initialPages * E.PAGE_SIZE)} bytes`);
      maxPages = o.maxMemory / E.PAGE_SIZE;
    }
    const mem: MemoryLayout = { stackPointer: stackHigh, stackLow, stackHigh, dataStart, dataEnd, heapBase, initialPages };
    if (maxPages !== undefined) mem.maxPages = maxPages;

    // Globals: __stack_pointer, user globals, then one address global per exported data symbol.
    const globalIndex = new Int32Array(n).fill(-1);
    globalIndex[SYM_STACK_POINTER] = 0;
    let g = 1;
    const globals: number[] = [];
    const dataGlobals: number[] = [];
    for (let s = FIRST_USER; s < n; s++)
      if (this.state[s] === S_LIVE && this.kind[s] === K_GLOBAL) {
        globals.push(s);
        globalIndex[s] = g++;
      }
    for (let s = 0; s < n; s++)
      if (this.state[s] === S_LIVE && this.kind[s] === K_DATA && this.exportsOf[s]) {
        dataGlobals.push(s);
        globalIndex[s] = g++;
      }

    const exports: Layout['exports'] = [];
    if (o.exportMemory) exports.push({ name: 'memory', kind: W.EXTERNAL_MEMORY, index: 0 });
    if (o.exportTable) exports.push({ name: TABLE_NAME, kind: W.EXTERNAL_TABLE, index: 0 });
    for (let s = 0; s < n; s++) {
      const names = this.exportsOf[s];
      if (!names || this.state[s] !== S_LIVE) continue;
      const k = this.kind[s];
      const kind = k === K_FUNC ? W.EXTERNAL_FUNCTION : W.EXTERNAL_GLOBAL;
      const index = k === K_FUNC ? funcIndex[s] : globalIndex[s];
      for (const name of [...names].sort()) exports.push({ name, kind, index });
    }
    return { imported, defined, funcIndex, typeOrder, typeMap, slots, tableSlot, hasTable, segments, addr, globals, dataGlobals, globalIndex, exports, mem };
  }

  // =============================================================================================
  // Flush

  private planValues(L: Layout): P.PlanFile {
    const n = this.count;
    const symValue = new Float64Array(n * P.SLOTS);
    const symMode = new Uint8Array(n * P.SLOTS).fill(P.MODE_ZERO);
    for (let s = 0; s < n; s++) {
      if (this.state[s] !== S_LIVE) continue;
      const k = this.kind[s];
      const b = s * P.SLOTS;
      if (k === K_FUNC) {
        symValue[b + P.SLOT_PRIMARY] = L.funcIndex[s];
        symMode[b + P.SLOT_PRIMARY] = P.MODE_VALUE;
        if (L.tableSlot[s] > 0) {
          symValue[b + P.SLOT_TABLE] = L.tableSlot[s];
          symMode[b + P.SLOT_TABLE] = P.MODE_VALUE;
        }
      } else if (k === K_DATA) {
        symValue[b + P.SLOT_PRIMARY] = L.addr[s];
        symMode[b + P.SLOT_PRIMARY] = P.MODE_VALUE;
      } else if (k === K_GLOBAL) {
        symValue[b + P.SLOT_GLOBAL] = L.globalIndex[s];
        symMode[b + P.SLOT_GLOBAL] = P.MODE_VALUE;
      } else if (k === K_TABLE) {
        symValue[b + P.SLOT_PRIMARY] = 0;
        symMode[b + P.SLOT_PRIMARY] = P.MODE_VALUE;
      }
    }
    return this.store.planFile(symValue, symMode, L.typeMap);
  }

  /** Emits atom `s` (its body and relocations, straight from the store). */
  private emitAtom(A: Assembler, arena: number, s: number): void {
    const st = this.store;
    A.ref(arena, st.off[s], st.len[s], st.relStart[s], st.relStart[s] + st.relCount[s]);
  }

  private fullFlush(): Uint8Array {
    const t0 = performance.now();
    const L = this.computeLayout();
    const t1 = performance.now();
    const o = this.opts;
    const is64 = o.memory64;
    const n = this.count;
    const addrType = is64 ? W.TYPE_I64 : W.TYPE_I32;

    // Data atoms in output order (those of emitted segments).
    let ndata = 0;
    for (const seg of L.segments) if (seg.emitted) ndata += seg.atoms.length;
    const dataAtoms = new Int32Array(ndata);
    let ai = 0;
    for (const seg of L.segments) if (seg.emitted) for (const d of seg.atoms) dataAtoms[ai++] = d;
    const file = this.planValues(L);
    const st = this.store;

    let synEstimate = 4096 + L.defined.length * 8;
    for (let i = 0; i < L.imported.length; i++) synEstimate += 16 + this.names[L.imported[i]].length * 2;
    for (let i = 0; i < L.defined.length; i++) synEstimate += 8 + this.names[L.defined[i]].length;
    const A = new Assembler(L.defined.length * 2 + ndata + L.segments.length + 32, synEstimate);
    const arena = A.addBuffer(st.bytes);
    const w = A.syn;
    const sec = new ByteWriter(1024);
    const emit = (id: number) => {
      E.section(w, id, sec.finish());
      sec.pos = 0;
    };
    w.bytes(MAGIC);

    // type
    if (L.typeOrder.length) {
      sec.uleb(L.typeOrder.length);
      for (const t of L.typeOrder) sec.bytes(this.typeEnc[t]);
      emit(W.SEC_TYPE);
    }
    // import
    const importTable = o.importTable && L.hasTable;
    const nimports = L.imported.length + (o.importMemory ? 1 : 0) + (importTable ? 1 : 0);
    const tableMin = L.slots.length + 1;
    if (nimports) {
      sec.uleb(nimports);
      if (o.importMemory) {
        sec.str(o.hostModule).str('memory').u8(W.EXTERNAL_MEMORY);
        E.limits(sec, L.mem.initialPages, L.mem.maxPages, is64);
      }
      if (importTable) {
        sec.str(o.hostModule).str(TABLE_NAME).u8(W.EXTERNAL_TABLE).u8(W.TYPE_FUNCREF);
        E.limits(sec, tableMin, undefined, false);
      }
      for (let i = 0; i < L.imported.length; i++) {
        const f = L.imported[i];
        sec.str(this.importModule[f]!).str(this.importName[f]!).u8(W.EXTERNAL_FUNCTION).uleb(L.typeMap[this.sig[f]]);
      }
      emit(W.SEC_IMPORT);
    }
    // function
    if (L.defined.length) {
      sec.uleb(L.defined.length);
      for (let i = 0; i < L.defined.length; i++) sec.uleb(L.typeMap[this.sig[L.defined[i]]]);
      emit(W.SEC_FUNCTION);
    }
    // table
    if (L.hasTable && !importTable) {
      sec.uleb(1).u8(W.TYPE_FUNCREF);
      E.limits(sec, tableMin, tableMin, false);
      emit(W.SEC_TABLE);
    }
    // memory
    if (!o.importMemory) {
      sec.uleb(1);
      E.limits(sec, L.mem.initialPages, L.mem.maxPages, is64);
      emit(W.SEC_MEMORY);
    }
    // global
    {
      sec.uleb(1 + L.globals.length + L.dataGlobals.length);
      sec.u8(addrType).u8(1);
      E.addrExpr(sec, L.mem.stackPointer, is64);
      for (const g of L.globals) {
        sec.u8(this.globalType[g]).u8(this.globalMut[g]);
        E.constExpr(sec, this.globalType[g], this.globalInit[g]);
      }
      for (const d of L.dataGlobals) {
        sec.u8(addrType).u8(0);
        E.addrExpr(sec, L.addr[d], is64);
      }
      emit(W.SEC_GLOBAL);
    }
    // export
    if (L.exports.length) {
      sec.uleb(L.exports.length);
      for (const e of L.exports) sec.str(e.name).u8(e.kind).uleb(e.index);
      emit(W.SEC_EXPORT);
    }
    // elem
    if (L.slots.length) {
      sec.uleb(1).uleb(0);
      E.addrExpr(sec, 1, false);
      sec.uleb(L.slots.length);
      for (let i = 0; i < L.slots.length; i++) sec.uleb(L.funcIndex[L.slots[i]]);
      emit(W.SEC_ELEM);
    }

    // code
    const funcPos = new Float64Array(n).fill(-1);
    const funcLen = new Float64Array(n).fill(-1);
    let codeStart = -1;
    let codeHeaderLen = 0;
    let codePayload = 0;
    if (L.defined.length) {
      codePayload = ulebSize(L.defined.length);
      for (let i = 0; i < L.defined.length; i++) {
        const len = st.len[L.defined[i]];
        codePayload += ulebSize(len) + len;
      }
      A.sync();
      codeStart = A.pos;
      w.u8(W.SEC_CODE).uleb(codePayload);
      codeHeaderLen = 1 + ulebSize(codePayload);
      w.uleb(L.defined.length);
      for (let i = 0; i < L.defined.length; i++) {
        const f = L.defined[i];
        const len = st.len[f];
        A.sync();
        funcPos[f] = A.pos;
        funcLen[f] = ulebSize(len) + len;
        w.uleb(len);
        this.emitAtom(A, arena, f);
      }
    }

    // data
    const dataPos = new Float64Array(n).fill(-1);
    const emitted = L.segments.filter((s) => s.emitted);
    if (emitted.length) {
      let payload = ulebSize(emitted.length);
      for (const seg of emitted) payload += 1 + E.addrExprSize(seg.addr, is64) + ulebSize(seg.size) + seg.size;
      w.u8(W.SEC_DATA).uleb(payload).uleb(emitted.length);
      for (const seg of emitted) {
        w.u8(0);
        E.addrExpr(w, seg.addr, is64);
        w.uleb(seg.size);
        let at = seg.addr;
        for (const d of seg.atoms) {
          A.skip(L.addr[d] - at);
          A.sync();
          dataPos[d] = A.pos;
          this.emitAtom(A, arena, d);
          at = L.addr[d] + st.len[d];
        }
        A.skip(seg.addr + seg.size - at);
      }
    }

    // name
    {
      const nw = new ByteWriter(256 + L.defined.length * 16);
      nw.str('name');
      const sub = new ByteWriter(256 + L.defined.length * 16);
      const subsection = (id: number) => {
        nw.u8(id).uleb(sub.pos).bytes(sub.finish());
        sub.pos = 0;
      };
      const nfuncs = L.imported.length + L.defined.length;
      if (nfuncs) {
        sub.uleb(nfuncs);
        let idx = 0;
        for (const list of [L.imported, L.defined])
          for (let i = 0; i < list.length; i++) {
            sub.uleb(idx++);
            this.writeName(sub, list[i]);
          }
        subsection(1);
      }
      sub.uleb(1 + L.globals.length + L.dataGlobals.length);
      sub.uleb(0).str('__stack_pointer');
      let gi = 1;
      for (const g of [...L.globals, ...L.dataGlobals]) {
        sub.uleb(gi++);
        this.writeName(sub, g);
      }
      subsection(7);
      if (emitted.length) {
        sub.uleb(emitted.length);
        emitted.forEach((seg, i) => sub.uleb(i).str(seg.name));
        subsection(9);
      }
      E.section(w, W.SEC_CUSTOM, nw.finish());
    }

    const plan = A.finish(file);
    const t2 = performance.now();
    const out = selectBackend().execute(plan);
    const t3 = performance.now();
    this.cache = {
      epoch: this.epoch,
      out,
      file,
      funcPos,
      funcLen,
      funcOrder: L.defined,
      dataPos,
      dataAtoms,
      codeStart,
      codeHeaderLen,
      codePayload,
      layout: L,
    };
    this.clearDirty();
    this.lastFlushKind = 'full';
    const copy = E.copyOf(out);
    this.lastFlushTimings = { layout: t1 - t0, plan: t2 - t1, execute: t3 - t2, total: performance.now() - t0 };
    return copy;
  }

  /** Re-encodes dirty atoms into the cached output; null when a full flush is needed. */
  private incrementalFlush(c: FlushCache): Uint8Array | null {
    const dirty = this.dirty;
    if (dirty.length === 0) {
      this.lastFlushKind = 'unchanged';
      return E.copyOf(c.out);
    }
    const nd = dirty.length;
    for (let i = 0; i < nd; i++) {
      const s = dirty[i];
      if (s >= c.funcPos.length || this.state[s] !== S_LIVE) return null;
      if (this.kind[s] === K_FUNC ? c.funcPos[s] < 0 : this.kind[s] !== K_DATA) return null;
    }
    const atoms = dirty.slice();
    const st = this.store;
    // The cached symbol values still hold (nothing moved); the relocation columns may have been
    // reallocated since.
    const file: P.PlanFile = { ...c.file, relocType: st.rType, relocOffset: st.rOffset, relocIndex: st.rTarget, relocAddend: st.rAddend };
    const A = new Assembler(nd * 2 + 4, 16 + nd * 5);
    const arena = A.addBuffer(st.bytes);
    const start = new Float64Array(nd).fill(-1);
    const len = new Float64Array(nd);
    for (let i = 0; i < nd; i++) {
      const s = atoms[i];
      const blen = st.len[s];
      if (this.kind[s] === K_FUNC) {
        A.sync();
        start[i] = A.pos;
        len[i] = ulebSize(blen) + blen;
        A.syn.uleb(blen);
      } else {
        if (c.dataPos[s] < 0) continue; // an unwritten .bss atom
        A.sync();
        start[i] = A.pos;
        len[i] = blen;
      }
      this.emitAtom(A, arena, s);
    }
    const mini = selectBackend().execute(A.finish(file));

    // Same-size atoms are patched in place; resized functions are spliced.
    const out = c.out;
    const resized: number[] = [];
    for (let i = 0; i < nd; i++) {
      if (start[i] < 0) continue;
      const s = atoms[i];
      const bytes = mini.subarray(start[i], start[i] + len[i]);
      if (this.kind[s] === K_DATA) out.set(bytes, c.dataPos[s]);
      else if (len[i] === c.funcLen[s]) out.set(bytes, c.funcPos[s]);
      else resized.push(i);
    }
    if (resized.length) this.splice(c, resized.map((i) => ({ s: atoms[i], bytes: mini.subarray(start[i], start[i] + len[i]) })));
    this.clearDirty();
    this.lastFlushKind = 'incremental';
    return E.copyOf(c.out);
  }

  /** Rebuilds the cached output with resized function entries; shifts what follows them. */
  private splice(c: FlushCache, entries: { s: number; bytes: Uint8Array }[]): void {
    entries.sort((a, b) => c.funcPos[a.s] - c.funcPos[b.s]);
    let delta = 0;
    for (const e of entries) delta += e.bytes.length - c.funcLen[e.s];
    const old = c.out;
    const payload = c.codePayload + delta;
    const headerLen = 1 + ulebSize(payload);
    const shift0 = headerLen - c.codeHeaderLen;
    const out = E.uninitialized(old.length + delta + shift0); // every byte is written below
    out.set(old.subarray(0, c.codeStart));
    const hw = new ByteWriter(16);
    hw.u8(W.SEC_CODE).uleb(payload);
    out.set(hw.finish(), c.codeStart);
    let src = c.codeStart + c.codeHeaderLen;
    let dst = c.codeStart + headerLen;
    for (const e of entries) {
      const at = c.funcPos[e.s];
      out.set(old.subarray(src, at), dst);
      dst += at - src;
      out.set(e.bytes, dst);
      dst += e.bytes.length;
      src = at + c.funcLen[e.s];
    }
    out.set(old.subarray(src), dst);

    // Positions: every function after a resized one moves.
    let shift = shift0;
    let k = 0;
    const order = c.funcOrder;
    for (let i = 0; i < order.length; i++) {
      const f = order[i];
      const oldLen = c.funcLen[f];
      c.funcPos[f] += shift;
      if (k < entries.length && entries[k].s === f) {
        shift += entries[k].bytes.length - oldLen;
        c.funcLen[f] = entries[k].bytes.length;
        k++;
      }
    }
    const total = delta + shift0;
    for (let i = 0; i < c.dataAtoms.length; i++) c.dataPos[c.dataAtoms[i]] += total;
    c.codePayload = payload;
    c.codeHeaderLen = headerLen;
    c.out = out;
  }

  /** A relocatable object (linking v2, reloc.CODE/DATA) that weld and wasm-ld link. */
  toObject(opts: ObjectOptions = {}): Uint8Array {
    return writeObject(this, opts);
  }
}

function memoryLimit(is64: boolean): number {
  return is64 ? 2 ** 34 : 2 ** 32;
}

function limitName(is64: boolean): string {
  return is64 ? `the 16 GiB limit of memory64 (${2 ** 34} bytes)` : `the 4 GiB limit of wasm32 (${2 ** 32} bytes)`;
}

function resolveOptions(o: ModuleBuilderOptions): ResolvedOptions {
  const bad = (msg: string): never => {
    throw new BuilderError(msg);
  };
  if (o === null || typeof o !== 'object') bad('ModuleBuilder options must be an object');
  const memory64 = !!o.memory64;
  const limit = memoryLimit(memory64);
  const hostModule = o.hostModule ?? 'env';
  if (typeof hostModule !== 'string') bad('hostModule must be a string');
  const stackSize = o.stackSize ?? E.PAGE_SIZE;
  if (typeof stackSize !== 'number' || !Number.isInteger(stackSize) || stackSize < 0 || stackSize % 16 !== 0)
    bad(`stackSize must be a non-negative multiple of 16 (the stack alignment), got ${String(stackSize)}`);
  if (stackSize > limit) bad(`stackSize ${stackSize} is above ${limitName(memory64)}`);
  const globalBase = o.globalBase;
  if (globalBase !== undefined) {
    if (typeof globalBase !== 'number' || !Number.isInteger(globalBase) || globalBase < 0) bad(`globalBase must be a non-negative integer, got ${String(globalBase)}`);
    if (globalBase > limit) bad(`globalBase ${globalBase} is above ${limitName(memory64)}`);
  }
  const checkMem = (what: string, v: number | undefined) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(`${what} must be a non-negative integer, got ${String(v)}`);
    if (v % E.PAGE_SIZE !== 0) bad(`${what} must be ${E.PAGE_SIZE}-byte aligned (a whole number of pages), got ${v}`);
    if (v > limit) bad(`${what} ${v} is above ${limitName(memory64)}`);
  };
  checkMem('initialMemory', o.initialMemory);
  checkMem('maxMemory', o.maxMemory);
  if (o.initialMemory !== undefined && o.maxMemory !== undefined && o.maxMemory < o.initialMemory)
    bad(`maxMemory (${o.maxMemory}) is below initialMemory (${o.initialMemory})`);
  const importMemory = !!o.importMemory;
  return {
    hostModule,
    stackSize,
    globalBase,
    initialMemory: o.initialMemory,
    maxMemory: o.maxMemory,
    importMemory,
    exportMemory: o.exportMemory ?? !importMemory,
    importTable: !!o.importTable,
    exportTable: !!o.exportTable,
    memory64,
  };
}
