// Global symbol names as small integers, so that resolution indexes arrays instead of hashing
// strings: each name is interned once per cache (a Linker's links share one NameIds), and each
// cached object's and archive index's names once, as an Int32Array beside it.

import { symbolName, type ObjectData } from '../input/object.js';
import * as W from '../input/wasm.js';
import type { LazyIndex, Symbol } from './model.js';

/**
 * Names are kept while there are at most this many plus four times what the last link used:
 * a Linker that links many different programs drops the names of programs long gone (the next
 * link interns what it needs again).
 */
const KEEP_NAMES = 1 << 18;
/**
 * Ids the arrays have room for at first: a large program's names (and libc's) fit, so a new
 * Linker's first link does not grow them step by step (each step copies, and is garbage).
 */
const INITIAL = 1 << 14;

/**
 * `slot`'s first contents, copied by each NameIds: one allocation of the final size, packed
 * (filled, not sized: a holey array would be slower to index), instead of growing it by pushes.
 */
const INITIAL_SLOTS: (Symbol | number)[] = [];
for (let i = 0; i < INITIAL; i++) INITIAL_SLOTS.push(0);

export class NameIds {
  private readonly ids = new Map<string, number>();
  /** Ids handed out. */
  count = 0;
  /**
   * Per id: the link generation that wrote `slot` (any other: the id has no entry in the table).
   * A generation per link instead of clearing: a link touches only the ids it uses.
   */
  stamp = new Int32Array(INITIAL);
  /** Per id: the symbol table's value (see SymbolTable), valid when `stamp` is the link's. */
  readonly slot: (Symbol | number)[];
  /** Per id: the generation of the last link in which an archive's lazy block offered it. */
  offered = new Int32Array(INITIAL);
  private gen = 0;
  private readonly objectIds = new WeakMap<ObjectData, Int32Array>();
  private readonly indexIds = new WeakMap<LazyIndex, Int32Array>();

  /** `keep`: the names kept beyond four times a link's (see `full`; tests make it small). */
  constructor(readonly keep = KEEP_NAMES) {
    this.slot = INITIAL_SLOTS.slice();
  }

  /** Ids given a table entry in this generation (counted by the symbol table). */
  used = 0;
  private lastUsed = 0;

  /** Whether this table has grown too large to keep (a cache of many different programs). */
  get full(): boolean {
    return this.count > this.keep + 4 * Math.max(this.used, this.lastUsed);
  }

  /** A new link's generation: every id starts without an entry. */
  nextGeneration(): number {
    this.lastUsed = this.used;
    this.used = 0;
    if (this.gen === 0x7fffffff) {
      this.stamp.fill(0);
      this.offered.fill(0);
      this.gen = 0;
    }
    return ++this.gen;
  }

  /** The id of `name`, interned now if new. */
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.count++;
      this.ids.set(name, id);
      if (id >= this.stamp.length) this.grow();
    }
    return id;
  }

  /** The id of `name`, or -1 if it was never interned (so no link has it in its table). */
  peek(name: string): number {
    const id = this.ids.get(name);
    return id === undefined ? -1 : id;
  }

  private grow(): void {
    const n = this.stamp.length * 4;
    const stamp = new Int32Array(n);
    stamp.set(this.stamp);
    this.stamp = stamp;
    const offered = new Int32Array(n);
    offered.set(this.offered);
    this.offered = offered;
    // Filled, not sized: a holey array would be slower to index.
    for (let i = this.slot.length; i < n; i++) this.slot.push(0);
  }

  /** Per symbol of `d`: its name's id, or -1 for a local symbol (never in the table). */
  ofObject(d: ObjectData): Int32Array {
    let ids = this.objectIds.get(d);
    if (ids === undefined) {
      const n = d.symKind.length;
      ids = new Int32Array(n);
      for (let i = 0; i < n; i++)
        ids[i] = (d.symFlags[i] & W.SYM_BINDING_MASK) === W.SYM_BINDING_LOCAL || d.symKind[i] === W.SYMTAB_SECTION ? -1 : this.id(symbolName(d, i));
      this.objectIds.set(d, ids);
    }
    return ids;
  }

  /** Per entry of an archive's lazy index: its name's id. */
  ofIndex(idx: LazyIndex): Int32Array {
    let ids = this.indexIds.get(idx);
    if (ids === undefined) {
      const names = idx.names;
      ids = new Int32Array(names.length);
      for (let i = 0; i < names.length; i++) ids[i] = this.id(names[i]);
      this.indexIds.set(idx, ids);
    }
    return ids;
  }
}
