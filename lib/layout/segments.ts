// Output data segments: input segments merged by name in wasm-ld's order, and string segments
// split and deduplicated exactly as LLVM's StringTableBuilder (RAW, tail-merged) lays them out.

import { InputError } from '../diag.js';
import type { Context } from '../resolve/context.js';
import type { MergeStrings } from '../backend/index.js';
import { CHUNK_MERGED, InputChunk, OutputSegment, alignTo, pow2 } from '../resolve/model.js';
import { SEGMENT_IS_PASSIVE } from '../input/wasm.js';
import { SEG_PREFIX_BSS, SEG_PREFIX_DATA, SEG_PREFIX_RODATA, SEG_PREFIX_TEXT } from '../input/object.js';

/** By SEG_PREFIX_*: the output segment a .text./.data./.bss./.rodata. name merges into. */
const MERGED_BY_PREFIX: (string | null)[] = [null, null, null, null, null, null, null, null];
MERGED_BY_PREFIX[SEG_PREFIX_TEXT] = '.text';
MERGED_BY_PREFIX[SEG_PREFIX_DATA] = '.data';
MERGED_BY_PREFIX[SEG_PREFIX_BSS] = '.bss';
MERGED_BY_PREFIX[SEG_PREFIX_RODATA] = '.rodata';

function outputSegmentName(ctx: Context, seg: InputChunk): string {
  // TLS segments always merge into one .tdata so every TLS symbol is relative to __tls_base.
  if (seg.isTLS) return '.tdata';
  if (!ctx.config.mergeDataSegments) return seg.name;
  // The parser classified the name's prefix: no string work (or name decoding) for most.
  return MERGED_BY_PREFIX[seg.file!.data.segPrefix[seg.indexInFile] & 7] ?? seg.name;
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
  // Output segments with string inputs to merge (by index in `segments`); the others are laid
  // out already.
  const withMerge: boolean[] = [];
  // Consecutive inputs mostly share their output segment: the last one found, before the map.
  let lastName: string | null = null;
  let last: OutputSegment | undefined;
  for (const file of ctx.objectFiles) {
    for (let segIndex = 0, inputs = file.segments; segIndex < inputs.length; segIndex++) {
      const seg = inputs[segIndex];
      if (!seg.live) continue;
      const name = outputSegmentName(ctx, seg);
      // A relocatable output keeps comdat segments apart: the final link may drop each.
      const shared = !(ctx.config.relocatable && seg.comdat >= 0);
      let s = !shared ? undefined : name === lastName ? last : byName.get(name);
      if (!s) {
        s = new OutputSegment(name);
        // Shared memory: segments are passive, so a new thread's instantiation cannot reinitialize memory.
        if (ctx.config.sharedMemory) s.initFlags = SEGMENT_IS_PASSIVE;
        if (!ctx.config.relocatable && name.startsWith('.bss')) s.isBss = true;
        if (shared) byName.set(name, s);
        s.index = segments.length;
        segments.push(s);
        withMerge.push(false);
      }
      if (shared) {
        lastName = name;
        last = s;
      }
      s.addInputSegment(seg);
      if (seg.isMerge) withMerge[s.index] = true;
    }
  }
  const merging = new Set(segments.filter((seg) => withMerge[seg.index]));
  // A stable sort: JS Array.prototype.sort is stable.
  segments.sort((a, b) => order(a.name) - order(b.name));
  for (let i = 0; i < segments.length; i++) segments[i].index = i;
  for (const seg of segments) if (merging.has(seg)) finalizeInputSegments(seg, ctx.backend.mergeStrings);
  return segments;
}

/** Replaces mergeable inputs with one merged chunk per (flags, alignment), then re-lays out. */
function finalizeInputSegments(out: OutputSegment, merge: MergeStrings): void {
  const merged: InputChunk[] = [];
  const next: InputChunk[] = [];
  // Index loops, no closure per input: thousands of string segments come through here.
  for (let si = 0, inputs = out.inputSegments; si < inputs.length; si++) {
    const s = inputs[si];
    if (!s.isMerge) {
      next.push(s);
      continue;
    }
    let m: InputChunk | undefined;
    for (let mi = 0; mi < merged.length; mi++)
      if (merged[mi].flags === s.flags && merged[mi].alignment === s.alignment) {
        m = merged[mi];
        break;
      }
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
  for (const m of merged) finalizeMerged(m, merge);
  out.inputSegments = next;
  out.size = 0;
  for (let si = 0; si < next.length; si++) {
    const seg = next[si];
    out.size = alignTo(out.size, pow2(seg.alignment));
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

/**
 * Lays out a merged chunk's table with the backend's string merger (LLVM's StringTableBuilder,
 * RAW, tail-merged): each input chunk gets its piece starts and their output offsets.
 */
export function finalizeMerged(m: InputChunk, merge: MergeStrings): void {
  const chunks = m.merged!;
  // The table depends only on which chunks (of which cached inputs) are merged, in which order:
  // a Linker re-linking the same inputs reuses it.
  const memoBuf = chunks[0].file ? chunks[0].file.data.buf : null;
  const memoHit = memoBuf ? findMergeMemo(mergeMemo.get(memoBuf), chunks, m.alignment) : undefined;
  if (memoHit) {
    m.body = memoHit.body;
    m.size = memoHit.body.length;
    setPieces(chunks, memoHit.starts, memoHit.offsets, memoHit.counts);
    return;
  }
  const buffers: Uint8Array[] = [];
  const index = new Map<Uint8Array, number>();
  const ranges = new Uint32Array(chunks.length * 3);
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    const buf = c.file!.data.buf;
    // Ranges are 32-bit: an in-memory input beyond 4 GiB cannot be merged.
    if (c.srcStart + c.size > 0xffffffff) throw new InputError(`${c.file}:(${c.name}): string section beyond 4 GiB into its input`, { file: c.file?.name, section: c.name });
    let bi = index.get(buf);
    if (bi === undefined) index.set(buf, (bi = buffers.push(buf) - 1));
    ranges[3 * i] = bi;
    ranges[3 * i + 1] = c.srcStart;
    ranges[3 * i + 2] = c.size;
  }
  const r = merge(buffers, ranges, m.alignment);
  if (r === -1) throw new InputError(`merged strings of ${m.name} exceed 2 GiB`, { section: m.name });
  if (typeof r === 'number') {
    const c = chunks[r];
    const f = c.file ? c.file.toString() : '<internal>';
    throw new InputError(`${f}:(${c.name}): string is not null terminated`, {
      file: c.file?.archiveName || c.file?.name,
      member: c.file?.archiveName ? c.file.name : undefined,
      section: c.name,
    });
  }
  m.body = r.body;
  m.size = r.body.length;
  setPieces(chunks, r.starts, r.offsets, r.counts);
  if (memoBuf && chunks.every((c) => c.file)) {
    let perBuf = mergeMemo.get(memoBuf);
    if (!perBuf) mergeMemo.set(memoBuf, (perBuf = []));
    // A few tables per first buffer: a repeated link needs its data segments' and its
    // .debug_str's, which may start in the same input.
    if (perBuf.length >= 4) perBuf.shift();
    perBuf.push({
      alignment: m.alignment,
      bufs: chunks.map((c) => c.file!.data.buf),
      srcStarts: chunks.map((c) => c.srcStart),
      body: r.body,
      starts: r.starts,
      offsets: r.offsets,
      counts: r.counts,
    });
  }
}

/** Each chunk's pieces: its run of the merged table's piece arrays, in chunk order. */
function setPieces(chunks: InputChunk[], starts: Uint32Array, offsets: Float64Array, counts: ArrayLike<number>): void {
  let p = 0;
  for (let ci = 0; ci < chunks.length; ci++) {
    const end = p + counts[ci];
    chunks[ci].setPieces(starts, offsets, p, end);
    p = end;
  }
}

interface MergeMemo {
  alignment: number;
  /** Each merged chunk's input buffer and offset in it: what identifies the table. */
  bufs: Uint8Array[];
  srcStarts: number[];
  body: Uint8Array;
  /** The table's pieces (MergedStrings starts, offsets, counts per chunk). */
  starts: Uint32Array;
  offsets: Float64Array;
  counts: ArrayLike<number>;
}
const mergeMemo = new WeakMap<Uint8Array, MergeMemo[]>();

/** The memo of this very list of chunks, compared in place (a key string cost a large link 0.3 ms). */
function findMergeMemo(list: MergeMemo[] | undefined, chunks: InputChunk[], alignment: number): MergeMemo | undefined {
  if (!list) return undefined;
  search: for (let k = list.length - 1; k >= 0; k--) {
    const memo = list[k];
    if (memo.alignment !== alignment || memo.bufs.length !== chunks.length) continue;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i];
      if (c.srcStart !== memo.srcStarts[i] || c.file?.data.buf !== memo.bufs[i]) continue search;
    }
    return memo;
  }
  return undefined;
}
