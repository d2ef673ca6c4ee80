// The iteration order of an llvm::StringMap, for the few diagnostics wasm-ld prints while walking
// one (StringMap buckets are xxh3_64bits(key) truncated to 32 bits, with quadratic probing).
// Only error paths use this, so the hash is written for clarity with BigInt, not speed.

const M64 = (1n << 64n) - 1n;

const SECRET = Uint8Array.from([
  0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c, 0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb,
  0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f, 0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
  0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c, 0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb,
  0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3, 0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
  0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d, 0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31,
  0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64, 0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
  0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e, 0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc,
  0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce, 0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
]);

const PRIME32_1 = 0x9e3779b1n;
const PRIME32_2 = 0x85ebca77n;
const PRIME32_3 = 0xc2b2ae3dn;
const PRIME64_1 = 11400714785074694791n;
const PRIME64_2 = 14029467366897019727n;
const PRIME64_3 = 1609587929392839161n;
const PRIME64_4 = 9650029242287828579n;
const PRIME64_5 = 2870177450012600261n;
const PRIME_MX1 = 0x165667919e3779f9n;
const PRIME_MX2 = 0x9fb21c651e98df25n;

function r64(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}
function r32(b: Uint8Array, at: number): bigint {
  return BigInt((b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0);
}
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;
const mul = (a: bigint, b: bigint) => (a * b) & M64;
const fold = (a: bigint, b: bigint) => {
  const p = a * b;
  return (p & M64) ^ (p >> 64n);
};
function swap64(x: bigint): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return v;
}
function xxh64Avalanche(h: bigint): bigint {
  h ^= h >> 33n;
  h = mul(h, PRIME64_2);
  h ^= h >> 29n;
  h = mul(h, PRIME64_3);
  return h ^ (h >> 32n);
}
function avalanche(h: bigint): bigint {
  h ^= h >> 37n;
  h = mul(h, PRIME_MX1);
  return h ^ (h >> 32n);
}
function mix16(input: Uint8Array, at: number, s: number): bigint {
  return fold(r64(input, at) ^ r64(SECRET, s), r64(input, at + 8) ^ r64(SECRET, s + 8));
}

/** llvm::xxh3_64bits (XXH3, 64-bit, seed 0, default secret). */
export function xxh3_64(input: Uint8Array): bigint {
  const len = input.length;
  if (len === 0) return xxh64Avalanche(r64(SECRET, 56) ^ r64(SECRET, 64));
  if (len <= 3) {
    const combined = BigInt(((input[0] << 16) | (input[len >> 1] << 24) | input[len - 1] | (len << 8)) >>> 0);
    return xxh64Avalanche(combined ^ (r32(SECRET, 0) ^ r32(SECRET, 4)));
  }
  if (len <= 8) {
    let acc = (r64(SECRET, 8) ^ r64(SECRET, 16)) ^ (r32(input, len - 4) | (r32(input, 0) << 32n));
    acc ^= rotl(acc, 49n) ^ rotl(acc, 24n);
    acc = mul(acc, PRIME_MX2);
    acc ^= ((acc >> 35n) + BigInt(len)) & M64;
    acc = mul(acc, PRIME_MX2);
    return acc ^ (acc >> 28n);
  }
  if (len <= 16) {
    const lo = (r64(SECRET, 24) ^ r64(SECRET, 32)) ^ r64(input, 0);
    const hi = (r64(SECRET, 40) ^ r64(SECRET, 48)) ^ r64(input, len - 8);
    return avalanche((BigInt(len) + swap64(lo) + hi + fold(lo, hi)) & M64);
  }
  if (len <= 128) {
    let acc = mul(BigInt(len), PRIME64_1);
    let end = 0n;
    acc += mix16(input, 0, 0);
    end += mix16(input, len - 16, 16);
    if (len > 32) {
      acc += mix16(input, 16, 32);
      end += mix16(input, len - 32, 48);
      if (len > 64) {
        acc += mix16(input, 32, 64);
        end += mix16(input, len - 48, 80);
        if (len > 96) {
          acc += mix16(input, 48, 96);
          end += mix16(input, len - 64, 112);
        }
      }
    }
    return avalanche((acc + end) & M64);
  }
  if (len <= 240) {
    let acc = mul(BigInt(len), PRIME64_1);
    for (let i = 0; i < 8; i++) acc = (acc + mix16(input, 16 * i, 16 * i)) & M64;
    acc = avalanche(acc);
    const rounds = len >> 4;
    for (let i = 8; i < rounds; i++) acc = (acc + mix16(input, 16 * i, 16 * (i - 8) + 3)) & M64;
    acc = (acc + mix16(input, len - 16, 136 - 17)) & M64;
    return avalanche(acc);
  }
  return hashLong(input);
}

/**
 * The long-input path. The stripe loop (all the work on large inputs: build ids hash whole
 * modules) runs on 32-bit halves in a Uint32Array, not BigInts; the per-block scramble and the
 * final merge, a few per KiB, stay in BigInt.
 */
function hashLong(input: Uint8Array): bigint {
  const len = input.length;
  const secretSize = SECRET.length;
  const stripesPerBlock = (secretSize - 64) / 8;
  const blockLen = 64 * stripesPerBlock;
  const blocks = Math.floor((len - 1) / blockLen);
  // acc[i] as (lo, hi) at 2i, 2i + 1.
  const acc = new Uint32Array(16);
  const init = [PRIME32_3, PRIME64_1, PRIME64_2, PRIME64_3, PRIME64_4, PRIME32_2, PRIME64_5, PRIME32_1];
  const put = (i: number, v: bigint) => {
    acc[2 * i] = Number(v & 0xffffffffn);
    acc[2 * i + 1] = Number(v >> 32n);
  };
  const get = (i: number) => (BigInt(acc[2 * i + 1]) << 32n) | BigInt(acc[2 * i]);
  for (let i = 0; i < 8; i++) put(i, init[i]);
  const u32 = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
  const accumulate512 = (at: number, s: number) => {
    for (let i = 0; i < 8; i++) {
      const dlo = u32(input, at + 8 * i);
      const dhi = u32(input, at + 8 * i + 4);
      const klo = (dlo ^ u32(SECRET, s + 8 * i)) >>> 0;
      const khi = (dhi ^ u32(SECRET, s + 8 * i + 4)) >>> 0;
      // acc[i ^ 1] += data
      const j = 2 * (i ^ 1);
      let lo = acc[j] + dlo;
      acc[j] = lo;
      acc[j + 1] = acc[j + 1] + dhi + (lo > 0xffffffff ? 1 : 0);
      // acc[i] += klo * khi (a full 64-bit product, from 16-bit halves)
      const a0 = klo & 0xffff;
      const a1 = klo >>> 16;
      const b0 = khi & 0xffff;
      const b1 = khi >>> 16;
      const p00 = a0 * b0;
      const p01 = a0 * b1;
      const p10 = a1 * b0;
      const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
      const plo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
      const phi = a1 * b1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(mid / 65536);
      lo = acc[2 * i] + plo;
      acc[2 * i] = lo;
      acc[2 * i + 1] = acc[2 * i + 1] + phi + (lo > 0xffffffff ? 1 : 0);
    }
  };
  for (let n = 0; n < blocks; n++) {
    for (let s = 0; s < stripesPerBlock; s++) accumulate512(n * blockLen + s * 64, s * 8);
    for (let i = 0; i < 8; i++) {
      let v = get(i);
      v ^= v >> 47n;
      v ^= r64(SECRET, secretSize - 64 + 8 * i);
      put(i, mul(v, PRIME32_1));
    }
  }
  const stripes = Math.floor((len - 1 - blockLen * blocks) / 64);
  for (let s = 0; s < stripes; s++) accumulate512(blocks * blockLen + s * 64, s * 8);
  accumulate512(len - 64, secretSize - 64 - 7);
  let result = mul(BigInt(len), PRIME64_1);
  for (let i = 0; i < 4; i++) result = (result + fold(get(2 * i) ^ r64(SECRET, 11 + 16 * i), get(2 * i + 1) ^ r64(SECRET, 11 + 16 * i + 8))) & M64;
  return avalanche(result);
}

/**
 * The order in which an llvm::StringMap that had `keys` inserted (in this order; repeats are
 * ignored, nothing removed) iterates them.
 */
export function stringMapOrder(keys: Iterable<string>): string[] {
  const enc = new TextEncoder();
  let size = 16;
  let table: (string | undefined)[] = new Array(size);
  let hashes = new Uint32Array(size);
  let items = 0;
  for (const key of keys) {
    const full = Number(xxh3_64(enc.encode(key)) & 0xffffffffn);
    let b = full & (size - 1);
    let found = false;
    for (let probe = 1; table[b] !== undefined; probe++) {
      if (hashes[b] === full && table[b] === key) {
        found = true;
        break;
      }
      b = (b + probe) & (size - 1);
    }
    if (found) continue;
    table[b] = key;
    hashes[b] = full;
    items++;
    if (items * 4 > size * 3) {
      const newSize = size * 2;
      const t: (string | undefined)[] = new Array(newSize);
      const h = new Uint32Array(newSize);
      for (let i = 0; i < size; i++) {
        if (table[i] === undefined) continue;
        let nb = hashes[i] & (newSize - 1);
        for (let probe = 1; t[nb] !== undefined; probe++) nb = (nb + probe) & (newSize - 1);
        t[nb] = table[i];
        h[nb] = hashes[i];
      }
      table = t;
      hashes = h;
      size = newSize;
    }
  }
  return table.filter((k): k is string => k !== undefined);
}
