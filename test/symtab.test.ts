// The symbol table's own helpers, on their own: what the differential tests reach only through
// whole links.

import { describe, expect, it } from 'vitest';
import { sortByOrder } from '../lib/resolve/symtab.js';
import { alignTo, pow2, type Symbol } from '../lib/resolve/model.js';
import { rng } from './support/rng.js';

const syms = (orders: number[]) => orders.map((order, i) => ({ order, name: `s${i}` }) as unknown as Symbol);
const names = (list: Symbol[]) => list.map((s) => s.name);

describe('sortByOrder', () => {
  it('sorts by order, keeps the list object, and is stable for equal orders', () => {
    const list = syms([5, 1, 3, 1, 0, 5, 2]);
    const same = list;
    sortByOrder(list);
    expect(list).toBe(same);
    expect(list.map((s) => s.order)).toEqual([0, 1, 1, 2, 3, 5, 5]);
    expect(names(list)).toEqual(['s4', 's1', 's3', 's6', 's2', 's0', 's5']);
  });

  it('agrees with a stable comparison sort on random lists, sparse orders and negative ones included', () => {
    const r = rng(7);
    for (let n = 0; n < 200; n++) {
      const len = Math.floor(r() * 300);
      const spread = [4, 1000, 10_000_000][n % 3];
      const orders = Array.from({ length: len }, () => Math.floor(r() * spread) - (n % 17 === 0 ? 2 : 0));
      const list = syms(orders);
      const expected = names([...list].sort((a, b) => a.order - b.order));
      sortByOrder(list);
      expect(names(list)).toEqual(expected);
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
