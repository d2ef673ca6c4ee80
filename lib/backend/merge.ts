// String-table merging, the TypeScript twin of native/merge.cc (this is the reference): splits
// NUL-terminated string chunks into pieces, deduplicates them and lays them out tail-merged the
// way LLVM's StringTableBuilder (kind RAW) does: strings sorted by their reversed bytes,
// descending, each placed after the previous unless it is a suffix of it. Works on byte ranges:
// no string per piece.

import { alignTo, pow2 } from '../resolve/model.js';

export interface MergedStrings {
  /** The merged table. */
  body: Uint8Array;
  /** Per piece, chunk after chunk: its start in its chunk. */
  starts: Uint32Array;
  /** Per piece, in the same order: its offset in `body`. */
  offsets: Float64Array;
  /** Pieces per chunk. */
  counts: Uint32Array;
}

/** The largest table: the largest output (plan/types.ts, executors). */
export const MAX_MERGED_SIZE = 0x7fffffff;

/**
 * Merges the chunks `ranges` names ((buffer index, start, length) triples into `buffers`) with
 * alignment 2^alignLog2. Returns the table; or the index of the first chunk whose last string has
 * no NUL terminator; or -1 when the table would exceed MAX_MERGED_SIZE (the caller words the
 * errors). A range outside its buffer is a RangeError.
 */
export function mergeStringsTs(buffers: Uint8Array[], ranges: Uint32Array, alignLog2: number): MergedStrings | number {
  const nchunks = Math.floor(ranges.length / 3);
  for (let ci = 0; ci < nchunks; ci++) {
    const b = buffers[ranges[3 * ci]];
    if (!b || ranges[3 * ci + 1] + ranges[3 * ci + 2] > b.length) throw new RangeError(`mergeStrings: range ${ci} is outside its buffer`);
  }
  // Split: every piece ends with its NUL. Piece starts are absolute in their buffer here.
  const counts = new Uint32Array(nchunks);
  let starts: Uint32Array = new Uint32Array(64);
  let hashes: Uint32Array = new Uint32Array(64);
  let total = 0;
  for (let ci = 0; ci < nchunks; ci++) {
    const data = buffers[ranges[3 * ci]];
    const base = ranges[3 * ci + 1];
    const limit = base + ranges[3 * ci + 2];
    const before = total;
    let off = base;
    while (off < limit) {
      const end = data.indexOf(0, off);
      if (end < 0 || end >= limit) return ci;
      if (total === starts.length) {
        starts = grow(starts);
        hashes = grow(hashes);
      }
      // FNV-1a over the piece including its NUL.
      let h = 0x811c9dc5;
      for (let i = off; i <= end; i++) h = Math.imul(h ^ data[i], 0x01000193);
      starts[total] = off;
      hashes[total++] = h >>> 0;
      off = end + 1;
    }
    counts[ci] = total - before;
  }

  // Deduplicate: a uid per piece, in order of first appearance (buffer, start, length, hash).
  // Each new string's bytes are also copied into `pool`, back to back (ue: its end there): the
  // sort and the placement then read one array, in order, not the input buffers at random.
  const ul = new Uint32Array(total);
  const uh = new Uint32Array(total);
  const ue = new Uint32Array(total);
  let pool = new Uint8Array(1024);
  let poolSize = 0;
  const uidOf = new Int32Array(total);
  let n = 0;
  let cap = 16;
  while (cap < total * 2) cap *= 2;
  const table = new Int32Array(cap).fill(-1);
  const mask = cap - 1;
  let p = 0;
  for (let ci = 0; ci < nchunks; ci++) {
    const data = buffers[ranges[3 * ci]];
    const limit = ranges[3 * ci + 1] + ranges[3 * ci + 2];
    const last = p + counts[ci];
    for (; p < last; p++) {
      const st = starts[p];
      const len = (p + 1 < last ? starts[p + 1] : limit) - st;
      const h = hashes[p];
      let slot = h & mask;
      let uid = -1;
      for (;;) {
        const u = table[slot];
        if (u < 0) break;
        if (uh[u] === h && ul[u] === len) {
          const os = ue[u] - len;
          let k = 0;
          while (k < len && pool[os + k] === data[st + k]) k++;
          if (k === len) {
            uid = u;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (uid < 0) {
        uid = n++;
        ul[uid] = len;
        uh[uid] = h;
        table[slot] = uid;
        if (poolSize + len > pool.length) {
          let cap = pool.length * 2;
          while (cap < poolSize + len) cap *= 2;
          const grown = new Uint8Array(cap);
          grown.set(pool.subarray(0, poolSize));
          pool = grown;
        }
        for (let k = 0; k < len; k++) pool[poolSize + k] = data[st + k];
        poolSize += len;
        ue[uid] = poolSize;
      }
      uidOf[p] = uid;
    }
  }

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  multikeySort(order, 0, n, 0, pool, ue, ul);

  // Place: each string after the previous one, unless it is a suffix of the previously placed
  // string and lands on the alignment.
  const align = pow2(alignLog2);
  const off = new Float64Array(n);
  const placed = new Int32Array(n);
  let nplaced = 0;
  let size = 0;
  let prev = -1;
  for (let k = 0; k < n; k++) {
    const u = order[k];
    if (prev >= 0 && ul[prev] >= ul[u]) {
      const pe = ue[prev];
      const e = ue[u];
      let j = 1;
      while (j <= ul[u] && pool[pe - j] === pool[e - j]) j++;
      if (j > ul[u]) {
        const pos = size - ul[u];
        if (pos % align === 0) {
          off[u] = pos;
          continue;
        }
      }
    }
    size = alignTo(size, align);
    off[u] = size;
    placed[nplaced++] = u;
    size += ul[u];
    prev = u;
  }
  if (size > MAX_MERGED_SIZE) return -1;
  const body = new Uint8Array(size);
  for (let i = 0; i < nplaced; i++) {
    const u = placed[i];
    // A loop, not a subarray per string (short strings, thousands of them).
    for (let k = ue[u] - ul[u], d = off[u], e = ue[u]; k < e; k++, d++) body[d] = pool[k];
  }
  // Starts relative to their chunk, and every piece's offset.
  const relStarts = new Uint32Array(total);
  const offsets = new Float64Array(total);
  p = 0;
  for (let ci = 0; ci < nchunks; ci++) {
    const base = ranges[3 * ci + 1];
    for (const last = p + counts[ci]; p < last; p++) {
      relStarts[p] = starts[p] - base;
      offsets[p] = off[uidOf[p]];
    }
  }
  return { body, starts: relStarts, offsets, counts };
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * LLVM's three-way radix quicksort on reversed strings (larger first), with an explicit stack
 * (hostile inputs would otherwise recurse deeper than the JS stack): the partitions are disjoint,
 * so the order they are sorted in does not matter.
 */
function multikeySort(v: Int32Array, lo0: number, hi0: number, pos0: number, pool: Uint8Array, ue: Uint32Array, ul: Uint32Array): void {
  // String u's byte at `pos` from its end (its NUL is position 0), or -1 before its start.
  const tail = (u: number, pos: number) => (pos >= ul[u] ? -1 : pool[ue[u] - 1 - pos]);
  const todo: number[] = [lo0, hi0, pos0];
  while (todo.length) {
    let pos = todo.pop()!;
    let hi = todo.pop()!;
    let lo = todo.pop()!;
    while (hi - lo > 1) {
      const pivot = tail(v[lo], pos);
      let i = lo;
      let j = hi;
      for (let k = lo + 1; k < j; ) {
        const c = tail(v[k], pos);
        if (c > pivot) {
          const t = v[i];
          v[i++] = v[k];
          v[k++] = t;
        } else if (c < pivot) {
          const t = v[--j];
          v[j] = v[k];
          v[k] = t;
        } else k++;
      }
      if (i - lo > 1) todo.push(lo, i, pos);
      if (hi - j > 1) todo.push(j, hi, pos);
      if (pivot === -1) break;
      lo = i;
      hi = j;
      pos++;
    }
  }
}
