// The symbol table's own helpers, on their own: what the differential tests reach only through
// whole links.

import { describe, expect, it } from 'vitest';
import { mergeByOrder } from '../lib/resolve/symtab.js';
import { alignTo, pow2, type Symbol } from '../lib/resolve/model.js';
import { rng } from './support/rng.js';

const syms = (orders: number[]) => orders.map((order, i) => ({ order, name: `s${i}` }) as unknown as Symbol);
const names = (list: Symbol[]) => list.map((s) => s.name);

describe('mergeByOrder', () => {
  it('merges the out-of-order symbols into the sorted list, in place and stably', () => {
    const list = syms([0, 2, 4, 6, 8]);
    const late = syms([5, 1, 8, 1]).map((s, i) => ({ ...s, name: `late${i}` }) as unknown as Symbol);
    const same = list;
    mergeByOrder(list, late);
    expect(list).toBe(same);
    expect(list.map((s) => s.order)).toEqual([0, 1, 1, 2, 4, 5, 6, 8, 8]);
    // Equal orders: the sorted list's first, then the late ones in the order they came.
    expect(names(list)).toEqual(['s0', 'late1', 'late3', 's1', 's2', 'late0', 's3', 's4', 'late2']);
    expect(late).toEqual([]);
  });

  it('agrees with a stable sort of list then late, on random lists', () => {
    const r = rng(7);
    for (let n = 0; n < 300; n++) {
      const spread = [4, 1000, 10_000_000][n % 3];
      const sorted = syms(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * spread)).sort((a, b) => a - b));
      const late = syms(Array.from({ length: Math.floor(r() * (n % 5 === 0 ? 300 : 20)) }, () => Math.floor(r() * spread))).map(
        (s, i) => ({ ...s, name: `late${i}` }) as unknown as Symbol,
      );
      const expected = names([...sorted, ...late].sort((a, b) => a.order - b.order));
      mergeByOrder(sorted, late);
      expect(names(sorted)).toEqual(expected);
    }
  });
});

describe('alignTo and pow2 (layout arithmetic)', () => {
  it('alignTo agrees with ceil-division at the integer fast path edges and beyond it', () => {
    const reference = (v: number, a: number) => Math.ceil(v / a) * a;
    const values = [0, 1, 2, 3, 7, 8, 9, 1023, 1024, 1025, 0x3ffffffe, 0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32 + 5, 2 ** 40 + 3];
    const aligns = [1, 2, 4, 8, 16, 4096, 65536, 2 ** 29, 2 ** 30, 2 ** 31, 2 ** 32, 3, 12];
    for (const v of values) for (const a of aligns) expect(alignTo(v, a), `alignTo(${v}, ${a})`).toBe(reference(v, a));
  });

  it('pow2 is 2^n, a small integer for small n', () => {
    for (let n = 0; n <= 40; n++) expect(pow2(n)).toBe(2 ** n);
  });
});
