// segmentPrefix: the class of a data segment's name the layout merges by (.text./.data./.bss./
// .rodata. and TLS), read off the name's bytes by the parser.

import { describe, expect, it } from 'vitest';
import { SEG_PREFIX_BSS, SEG_PREFIX_DATA, SEG_PREFIX_RODATA, SEG_PREFIX_TEXT, SEG_PREFIX_TLS, segmentPrefix } from '../lib/input/object.js';
import { rng } from './support/rng.js';

/** The rule by string prefixes, as the layout states it. */
function reference(name: string): number {
  let p = 0;
  if (name.startsWith('.text.')) p = SEG_PREFIX_TEXT;
  else if (name.startsWith('.data.')) p = SEG_PREFIX_DATA;
  else if (name.startsWith('.bss.')) p = SEG_PREFIX_BSS;
  else if (name.startsWith('.rodata.')) p = SEG_PREFIX_RODATA;
  if (name.startsWith('.tdata') || name.startsWith('.tbss')) p |= SEG_PREFIX_TLS;
  return p;
}

const prefixOf = (name: string, pad = 3) => {
  // Inside a larger buffer, as in an object: bytes around it must not count.
  const bytes = new TextEncoder().encode(name);
  const buf = new Uint8Array(bytes.length + 2 * pad).fill(0x2e);
  buf.set(bytes, pad);
  return segmentPrefix(buf, pad, pad + bytes.length);
};

describe('segmentPrefix', () => {
  it('classifies the names wasm-ld merges, and no others', () => {
    const cases: [string, number][] = [
      ['.text.f', SEG_PREFIX_TEXT],
      ['.data.x', SEG_PREFIX_DATA],
      ['.bss.y', SEG_PREFIX_BSS],
      ['.rodata.str1.1', SEG_PREFIX_RODATA],
      ['.tdata.t', SEG_PREFIX_TLS],
      ['.tbss.t', SEG_PREFIX_TLS],
      ['.tdata', SEG_PREFIX_TLS],
      ['.text', 0],
      ['.data', 0],
      ['.rodata', 0],
      ['.bss', 0],
      ['.t', 0],
      ['.', 0],
      ['', 0],
      ['data.x', 0],
      ['.Data.x', 0],
      ['.d', 0],
      ['.init_array', 0],
      ['.rodata.é', SEG_PREFIX_RODATA],
    ];
    for (const [name, p] of cases) {
      expect(prefixOf(name), name).toBe(p);
      expect(reference(name), name).toBe(p);
    }
  });

  it('agrees with the string rule on random names', () => {
    const r = rng(11);
    const parts = ['.', 't', 'd', 'b', 'r', 'text', 'data', 'bss', 'rodata', 'tdata', 'tbss', 'x', '.', 'é'];
    for (let n = 0; n < 5000; n++) {
      let name = '';
      for (let k = Math.floor(r() * 5); k >= 0; k--) name += parts[Math.floor(r() * parts.length)];
      expect(prefixOf(name, n % 4), name).toBe(reference(name));
    }
  });
});
