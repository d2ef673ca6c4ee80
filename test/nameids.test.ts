// NameIds: the interned global names a Linker's links resolve by (lib/resolve/nameids.ts).

import { describe, expect, it } from 'vitest';
import { NameIds } from '../lib/resolve/nameids.js';
import { PersistentCache } from '../lib/input/cache.js';

describe('NameIds', () => {
  it('gives each name one id for good, and -1 from peek for a name never interned', () => {
    const n = new NameIds();
    const a = n.id('malloc');
    const b = n.id('free');
    expect(a).not.toBe(b);
    expect(n.id('malloc')).toBe(a);
    expect(n.peek('free')).toBe(b);
    expect(n.peek('calloc')).toBe(-1);
    expect(n.count).toBe(2);
  });

  it('keeps the table entries of earlier ids when it grows, per link generation', () => {
    const n = new NameIds();
    const gen = n.nextGeneration();
    const first = n.id('first');
    n.stamp[first] = gen;
    n.slot[first] = 7;
    const ids: number[] = [];
    for (let i = 0; i < 40000; i++) ids.push(n.id(`name${i}`));
    expect(new Set(ids).size).toBe(40000);
    expect(n.stamp.length).toBeGreaterThan(40000);
    expect(n.slot.length).toBe(n.stamp.length);
    expect(n.stamp[first]).toBe(gen);
    expect(n.slot[first]).toBe(7);
    // A later link's generation sees no entry of an earlier one.
    expect(n.nextGeneration()).not.toBe(gen);
    expect(n.stamp[ids[39999]]).toBe(0);
  });

  it('counts as full once it holds far more names than the links use (a Linker of many programs)', () => {
    const n = new NameIds();
    n.nextGeneration();
    n.used = 1000;
    for (let i = 0; i < (1 << 18) + 4000; i++) n.id(`n${i}`);
    expect(n.full).toBe(false);
    n.id('one more');
    expect(n.full).toBe(true);
    // What the last link used counts too.
    n.nextGeneration();
    n.used = 0;
    expect(n.full).toBe(true);
    n.used = 2000;
    expect(n.full).toBe(false);
  });

  it('is dropped with the input cache it belongs to', () => {
    const c = new PersistentCache(1 << 20);
    const names = c.symbolPool.names;
    names.id('x');
    c.clear();
    expect(c.symbolPool.names).not.toBe(names);
    expect(c.symbolPool.names.peek('x')).toBe(-1);
  });
});
