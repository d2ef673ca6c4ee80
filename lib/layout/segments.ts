// Output data segments: input segments merged by name in wasm-ld's order, and string segments
// split and deduplicated exactly as LLVM's StringTableBuilder (RAW, tail-merged) lays them out.

import { InputError } from '../diag.js';
import type { Context } from '../resolve/context.js';
import { CHUNK_MERGED, InputChunk, OutputSegment, alignTo } from '../resolve/model.js';

function outputSegmentName(ctx: Context, seg: InputChunk): string {
  // TLS segments always merge into one .tdata so every TLS symbol is relative to __tls_base.
  if (seg.isTLS) return '.tdata';
  if (!ctx.config.mergeDataSegments) return seg.name;
  if (seg.name.startsWith('.text.')) return '.text';
  if (seg.name.startsWith('.data.')) return '.data';
  if (seg.name.startsWith('.bss.')) return '.bss';
  if (seg.name.startsWith('.rodata.')) return '.rodata';
  return seg.name;
}

function order(name: string): number {
  if (name.startsWith('.tdata')) return 0;
  if (name.startsWith('.rodata')) return 1;
  if (name.startsWith('.data')) return 2;
  if (name.startsWith('.bss')) return 4;
  return 3;
}

export function createOutputSegments(ctx: Context): OutputSegment[] {
  const segments: OutputSegment[] = [];
  const byName = new Map<string, OutputSegment>();
  for (const file of ctx.objectFiles) {
    for (const seg of file.segments) {
      if (!seg.live) continue;
      const name = outputSegmentName(ctx, seg);
      let s = byName.get(name);
      if (!s) {
        s = new OutputSegment(name);
        if (name.startsWith('.bss')) s.isBss = true;
        byName.set(name, s);
        segments.push(s);
      }
      s.addInputSegment(seg);
    }
  }
  // A stable sort: JS Array.prototype.sort is stable.
  segments.sort((a, b) => order(a.name) - order(b.name));
  for (let i = 0; i < segments.length; i++) segments[i].index = i;
  for (const seg of segments) finalizeInputSegments(seg);
  return segments;
}

/** Replaces mergeable inputs with one merged chunk per (flags, alignment), then re-lays out. */
function finalizeInputSegments(out: OutputSegment): void {
  const merged: InputChunk[] = [];
  const next: InputChunk[] = [];
  for (const s of out.inputSegments) {
    if (!s.isMerge) {
      next.push(s);
      continue;
    }
    let m = merged.find((x) => x.flags === s.flags && x.alignment === s.alignment);
    if (!m) {
      m = new InputChunk(CHUNK_MERGED, null, out.name, false);
      m.alignment = s.alignment;
      m.flags = s.flags;
      m.merged = [];
      m.outputSeg = out;
      m.live = true;
      merged.push(m);
      next.push(m);
    }
    addMergeChunk(m, s);
  }
  for (const m of merged) finalizeMerged(m, (c) => c.file!.data.buf.subarray(c.srcStart, c.srcStart + c.size));
  out.inputSegments = next;
  out.size = 0;
  for (const seg of next) {
    out.size = alignTo(out.size, 2 ** seg.alignment);
    seg.outputSegmentOffset = out.size;
    out.size += seg.size;
  }
}

export function addMergeChunk(m: InputChunk, s: InputChunk): void {
  m.comdat = s.comdat;
  m.alignment = Math.max(m.alignment, s.alignment);
  s.parent = m;
  m.merged!.push(s);
}

/** Piece boundaries and hashes of one mergeable chunk, kept per input buffer across links. */
interface Pieces {
  starts: Uint32Array;
  hashes: Uint32Array;
}
const pieceCache = new WeakMap<Uint8Array, Map<number, Pieces>>();

function splitPieces(c: InputChunk, data: Uint8Array, buf: Uint8Array): Pieces {
  let perBuf = pieceCache.get(buf);
  const key = c.srcStart;
  const hit = perBuf?.get(key);
  if (hit && (hit.starts.length === 0 ? data.length === 0 : true)) return hit;
  const starts: number[] = [];
  const hashes: number[] = [];
  let off = 0;
  while (off < data.length) {
    const end = data.indexOf(0, off);
    if (end < 0) {
      const f = c.file ? c.file.toString() : '<internal>';
      throw new InputError(`${f}:(${c.name}): string is not null terminated`, {
        file: c.file?.archiveName || c.file?.name,
        member: c.file?.archiveName ? c.file.name : undefined,
        section: c.name,
      });
    }
    // FNV-1a over the piece including its NUL.
    let h = 0x811c9dc5;
    for (let i = off; i <= end; i++) h = Math.imul(h ^ data[i], 0x01000193);
    starts.push(off);
    hashes.push(h >>> 0);
    off = end + 1;
  }
  const r = { starts: Uint32Array.from(starts), hashes: Uint32Array.from(hashes) };
  if (!perBuf) pieceCache.set(buf, (perBuf = new Map()));
  perBuf.set(key, r);
  return r;
}

/**
 * Splits each merged chunk into NUL-terminated strings and builds the deduplicated,
 * tail-merged table (StringTableBuilder::finalize with kind RAW): strings sorted by their
 * reversed bytes, descending, each placed after the previous unless it is a suffix of it.
 * Works on byte ranges: no string per piece.
 */
export function finalizeMerged(m: InputChunk, bytesOf: (c: InputChunk) => Uint8Array): void {
  const chunks = m.merged!;
  // The table depends only on which chunks (of which cached inputs) are merged, in which order:
  // a Linker re-linking the same inputs reuses it.
  const memoKey = chunks.map((c) => c.srcStart).join(',') + `|${m.alignment}`;
  const memoBuf = chunks[0].file ? chunks[0].file.data.buf : null;
  const memoHit = memoBuf ? mergeMemo.get(memoBuf)?.get(memoKey) : undefined;
  if (memoHit && memoHit.bufs.length === chunks.length && memoHit.bufs.every((b, i) => b === chunks[i].file?.data.buf)) {
    m.body = memoHit.body;
    m.size = memoHit.body.length;
    for (let i = 0; i < chunks.length; i++) {
      chunks[i].pieceIn = memoHit.pieceIn[i];
      chunks[i].pieceOut = memoHit.pieceOut[i];
    }
    return;
  }
  const datas: Uint8Array[] = [];
  const split: Pieces[] = [];
  let total = 0;
  for (const c of chunks) {
    const data = bytesOf(c);
    const p = splitPieces(c, data, c.file ? c.file.data.buf : data);
    datas.push(data);
    split.push(p);
    total += p.starts.length;
  }
  // Unique pieces: data index, start, length, hash.
  const ud = new Int32Array(total);
  const us = new Uint32Array(total);
  const ul = new Uint32Array(total);
  const uh = new Uint32Array(total);
  let n = 0;
  let cap = 16;
  while (cap < total * 2) cap *= 2;
  const table = new Int32Array(cap).fill(-1);
  const mask = cap - 1;
  const pieceUid: Int32Array[] = [];
  for (let ci = 0; ci < chunks.length; ci++) {
    const data = datas[ci];
    const { starts, hashes } = split[ci];
    const uids = new Int32Array(starts.length);
    for (let i = 0; i < starts.length; i++) {
      const st = starts[i];
      const len = (i + 1 < starts.length ? starts[i + 1] : data.length) - st;
      const h = hashes[i];
      let slot = h & mask;
      let uid = -1;
      for (;;) {
        const u = table[slot];
        if (u < 0) break;
        if (uh[u] === h && ul[u] === len) {
          const other = datas[ud[u]];
          const os = us[u];
          let k = 0;
          while (k < len && other[os + k] === data[st + k]) k++;
          if (k === len) {
            uid = u;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (uid < 0) {
        uid = n++;
        ud[uid] = ci;
        us[uid] = st;
        ul[uid] = len;
        uh[uid] = h;
        table[slot] = uid;
      }
      uids[i] = uid;
    }
    pieceUid.push(uids);
  }

  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const tail = (u: number, pos: number) => (pos >= ul[u] ? -1 : datas[ud[u]][us[u] + ul[u] - 1 - pos]);
  multikeySort(order, 0, n, 0, tail);

  const align = 2 ** m.alignment;
  const off = new Float64Array(n);
  let size = 0;
  let prev = -1;
  const placed: number[] = [];
  for (let k = 0; k < n; k++) {
    const u = order[k];
    if (prev >= 0 && ul[prev] >= ul[u]) {
      // Is u a suffix of the previously placed string?
      const pd = datas[ud[prev]];
      const pe = us[prev] + ul[prev];
      const d = datas[ud[u]];
      const e = us[u] + ul[u];
      let j = 1;
      while (j <= ul[u] && pd[pe - j] === d[e - j]) j++;
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
    placed.push(u);
    size += ul[u];
    prev = u;
  }
  const body = new Uint8Array(size);
  for (const u of placed) body.set(datas[ud[u]].subarray(us[u], us[u] + ul[u]), off[u]);
  m.body = body;
  m.size = size;
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci];
    const uids = pieceUid[ci];
    c.pieceIn = split[ci].starts;
    const out = new Float64Array(uids.length);
    for (let i = 0; i < uids.length; i++) out[i] = off[uids[i]];
    c.pieceOut = out;
  }
  if (memoBuf && chunks.every((c) => c.file)) {
    let perBuf = mergeMemo.get(memoBuf);
    if (!perBuf) mergeMemo.set(memoBuf, (perBuf = new Map()));
    // One table per first-buffer is plenty: it is the one a repeated link needs.
    perBuf.clear();
    perBuf.set(memoKey, { bufs: chunks.map((c) => c.file!.data.buf), body, pieceIn: chunks.map((c) => c.pieceIn!), pieceOut: chunks.map((c) => c.pieceOut!) });
  }
}

interface MergeMemo {
  bufs: Uint8Array[];
  body: Uint8Array;
  pieceIn: Uint32Array[];
  pieceOut: Float64Array[];
}
const mergeMemo = new WeakMap<Uint8Array, Map<string, MergeMemo>>();

/** LLVM's three-way radix quicksort on reversed strings (larger first). */
function multikeySort(v: Int32Array, lo: number, hi: number, pos: number, tail: (u: number, pos: number) => number): void {
  for (;;) {
    if (hi - lo <= 1) return;
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
    multikeySort(v, lo, i, pos, tail);
    multikeySort(v, j, hi, pos, tail);
    if (pivot === -1) return;
    lo = i;
    hi = j;
    pos++;
  }
}
