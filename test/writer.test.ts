// ByteWriter: the byte encodings the synthesized sections are made of.

import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../lib/util/writer.js';

describe('ByteWriter.str', () => {
  it('writes a wasm name (LEB length, UTF-8 bytes) for ASCII and non-ASCII strings', () => {
    for (const s of ['', 'main', '_ZN3foo3barEv', 'héllo', '日本', 'a😀b', 'x'.repeat(200), 'é'.repeat(100)]) {
      const w = new ByteWriter(1);
      w.u8(0xaa).str(s).u8(0xbb);
      const bytes = new TextEncoder().encode(s);
      const len: number[] = [];
      let n = bytes.length;
      do {
        len.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
        n >>>= 7;
      } while (n);
      expect([...w.finish()]).toEqual([0xaa, ...len, ...bytes, 0xbb]);
    }
  });
});
