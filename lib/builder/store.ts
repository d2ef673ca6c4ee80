// Atom storage: every body lives in one byte arena and every relocation in one set of columns
// (type, offset, target, addend), with per-symbol [start, length] in typed arrays. No objects
// per atom: a 10,000-function module is a handful of arrays for the garbage collector, and a
// WritePlan can reference the arena and the relocation columns directly (chunks name ranges).
//
// Redefinitions append; the old range becomes garbage. When an append does not fit, the store
// compacts (live ranges in symbol order) if at least half of it is garbage, else it grows.

import type { PlanFile } from '../plan/types.js';
import type { AtomRelocs } from './symbols.js';
import { grown } from '../util/typed.js';

export class AtomStore {
  /** Bodies. */
  bytes = new Uint8Array(1 << 16);
  private used = 0;
  private garbage = 0;
  /** Relocation columns. */
  rType = new Uint8Array(1024);
  rOffset = new Uint32Array(1024);
  rTarget = new Uint32Array(1024);
  rAddend = new Float64Array(1024);
  private rUsed = 0;
  private rGarbage = 0;
  /** Per symbol: body range and relocation range. */
  off = new Float64Array(0);
  len = new Uint32Array(0);
  relStart = new Uint32Array(0);
  relCount = new Uint32Array(0);

  /** Symbols [0, count) are scanned when compacting. */
  count = 0;

  /** The plan's view of the atoms' relocations, with the given per-symbol values. */
  planFile(symValue: Float64Array, symMode: Uint8Array, typeMap: Int32Array): PlanFile {
    const relocs = { relocType: this.rType, relocOffset: this.rOffset, relocIndex: this.rTarget, relocAddend: this.rAddend };
    return { ...relocs, symValue, symMode, typeMap, pieces: [] };
  }

  growSymbols(cap: number): void {
    this.off = grown(this.off, cap);
    this.len = grown(this.len, cap);
    this.relStart = grown(this.relStart, cap);
    this.relCount = grown(this.relCount, cap);
  }

  /** The body of `s` (a view into the arena, valid until the next store change). */
  body(s: number): Uint8Array {
    return this.bytes.subarray(this.off[s], this.off[s] + this.len[s]);
  }

  setBody(s: number, src: Uint8Array): void {
    this.clearBody(s);
    const n = src.length;
    if (this.used + n > this.bytes.length) this.makeRoom(n);
    this.bytes.set(src, this.used);
    this.off[s] = this.used;
    this.len[s] = n;
    this.used += n;
  }

  clearBody(s: number): void {
    this.garbage += this.len[s];
    this.len[s] = 0;
    this.off[s] = 0;
  }

  setRelocs(s: number, r: AtomRelocs | null): void {
    this.clearRelocs(s);
    if (!r) return;
    const n = r.type.length;
    if (this.rUsed + n > this.rType.length) this.makeRelocRoom(n);
    const at = this.rUsed;
    this.rType.set(r.type, at);
    this.rOffset.set(r.offset, at);
    this.rTarget.set(r.target, at);
    this.rAddend.set(r.addend, at);
    this.relStart[s] = at;
    this.relCount[s] = n;
    this.rUsed += n;
  }

  clearRelocs(s: number): void {
    this.rGarbage += this.relCount[s];
    this.relCount[s] = 0;
    this.relStart[s] = 0;
  }

  private makeRoom(n: number): void {
    const live = this.used - this.garbage;
    const compact = this.garbage >= this.used / 2;
    let cap = this.bytes.length;
    while (cap < (compact ? live : this.used) + n) cap *= 2;
    const next = new Uint8Array(cap);
    if (!compact) next.set(this.bytes.subarray(0, this.used));
    else {
      let at = 0;
      for (let s = 0; s < this.count; s++) {
        const len = this.len[s];
        if (!len) continue;
        const o = this.off[s];
        next.set(this.bytes.subarray(o, o + len), at);
        this.off[s] = at;
        at += len;
      }
      this.used = at;
      this.garbage = 0;
    }
    this.bytes = next;
  }

  private makeRelocRoom(n: number): void {
    const live = this.rUsed - this.rGarbage;
    const compact = this.rGarbage >= this.rUsed / 2;
    let cap = this.rType.length;
    while (cap < (compact ? live : this.rUsed) + n) cap *= 2;
    const t = new Uint8Array(cap);
    const o = new Uint32Array(cap);
    const g = new Uint32Array(cap);
    const a = new Float64Array(cap);
    if (!compact) {
      t.set(this.rType.subarray(0, this.rUsed));
      o.set(this.rOffset.subarray(0, this.rUsed));
      g.set(this.rTarget.subarray(0, this.rUsed));
      a.set(this.rAddend.subarray(0, this.rUsed));
    } else {
      let at = 0;
      for (let s = 0; s < this.count; s++) {
        const c = this.relCount[s];
        if (!c) continue;
        const from = this.relStart[s];
        for (let i = 0; i < c; i++) {
          t[at + i] = this.rType[from + i];
          o[at + i] = this.rOffset[from + i];
          g[at + i] = this.rTarget[from + i];
          a[at + i] = this.rAddend[from + i];
        }
        this.relStart[s] = at;
        at += c;
      }
      this.rUsed = at;
      this.rGarbage = 0;
    }
    this.rType = t;
    this.rOffset = o;
    this.rTarget = g;
    this.rAddend = a;
  }
}
