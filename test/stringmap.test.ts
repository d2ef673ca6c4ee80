// llvm::xxh3_64bits and llvm::StringMap iteration order (wasm-ld prints some errors in that order).

import { describe, expect, it } from 'vitest';
import { stringMapOrder, xxh3_64 } from '../lib/util/stringmap.js';

// XXH3_64bits of bytes 0, 1, 2, ... (n bytes, i & 0xff), from the reference libxxhash 0.8.1: every
// length class of the algorithm (0, 1-3, 4-8, 9-16, 17-128, 129-240, long, long with blocks).
const VECTORS: [number, string][] = [
  [0, '2d06800538d394c2'],
  [1, 'c44bdff4074eecdb'],
  [2, 'd6645fc3051a9457'],
  [3, '5f4299fc161c9cbb'],
  [4, '60dab036a58211f2'],
  [7, '0cd2084a62406b69'],
  [8, '3a1c2d7c85af88f8'],
  [9, 'e9612598145bb9dc'],
  [15, '55ecedc2b87bb042'],
  [16, '8355e3a6f61770db'],
  [17, '9ef341a99de37328'],
  [32, '3523581fe96e4c05'],
  [33, 'e68c56ba88991e58'],
  [64, '6187eb9089b0ed55'],
  [65, '6928c76ce90422d0'],
  [96, '278a3e12ea046dfb'],
  [97, 'e7220282dc4e14f4'],
  [128, '85c6174c7ff4c46b'],
  [129, 'ec7642b431ba3e5a'],
  [200, 'f42a8864feaf0703'],
  [240, '375a384d957fe865'],
  [241, '02e8cd95421c6d02'],
  [500, 'c12fd3e43ffdd5a1'],
  [1024, 'a870f92984398d22'],
  [1025, '78c86e91ee939852'],
  [2048, 'dd420471ff96bd00'],
  [5000, '1b74bda2c82a8c7a'],
  // Large inputs (build ids hash whole modules), from libxxhash.
  [3 * 65536 + 5, '3cdc7e4742c8415a'],
  [1048576, 'd36c0e13a3df139e'],
  [1048576 + 777, '8d74e21ba9c30d30'],
];

describe('xxh3_64 (llvm::xxh3_64bits)', () => {
  it('matches the reference implementation on every length class', () => {
    for (const [n, hex] of VECTORS) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => i & 0xff);
      expect(xxh3_64(bytes).toString(16).padStart(16, '0'), `length ${n}`).toBe(hex);
    }
  });
});

describe('stringMapOrder (llvm::StringMap iteration)', () => {
  it('keeps every key once, in bucket order, also across table growth', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `feature-${i}`);
    const order = stringMapOrder([...keys, ...keys.slice(0, 5)]);
    expect(order).toHaveLength(40);
    expect([...order].sort()).toEqual([...keys].sort());
    // Bucket order is by the low bits of the 32-bit hash, not by insertion.
    expect(order).not.toEqual(keys);
    // Insertion order matters only where keys collide: another order is still a permutation.
    expect([...stringMapOrder([...keys].reverse())].sort()).toEqual([...keys].sort());
  });
  it('orders the WebAssembly feature names as wasm-ld 22 reports them', () => {
    // wasm-ld 22 linking wasi-libc's crt1-command.o, then a clang 22 object for the generic CPU,
    // with --features=mutable-globals: its "Target feature 'X' used by ... is not allowed." errors
    // come in this order.
    const crt1 = ['bulk-memory-opt', 'call-indirect-overlong', 'extended-const', 'multivalue', 'mutable-globals', 'nontrapping-fptoint', 'sign-ext'];
    const object = ['bulk-memory', 'bulk-memory-opt', 'call-indirect-overlong', 'multivalue', 'mutable-globals', 'nontrapping-fptoint', 'reference-types', 'sign-ext'];
    expect(stringMapOrder([...crt1, ...object]).filter((f) => f !== 'mutable-globals')).toEqual([
      'call-indirect-overlong',
      'extended-const',
      'nontrapping-fptoint',
      'reference-types',
      'bulk-memory',
      'multivalue',
      'sign-ext',
      'bulk-memory-opt',
    ]);
  });
});
