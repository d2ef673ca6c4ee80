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

const latin1 = new TextDecoder('latin1');

/**
 * Splits each merged chunk into NUL-terminated strings and builds the deduplicated,
 * tail-merged table (StringTableBuilder::finalize with kind RAW): strings sorted by their
 * reversed bytes, descending, each placed after the previous unless it is a suffix of it.
 */
export function finalizeMerged(m: InputChunk, bytesOf: (c: InputChunk) => Uint8Array): void {
  const strings = new Map<string, number>();
  for (const c of m.merged!) {
    const data = bytesOf(c);
    const starts: number[] = [];
    let off = 0;
    while (off < data.length) {
      let end = data.indexOf(0, off);
      if (end < 0) {
        const f = c.file ? c.file.toString() : '<internal>';
        throw new InputError(`${f}:(${c.name}): string is not null terminated`, {
          file: c.file?.archiveName || c.file?.name,
          member: c.file?.archiveName ? c.file.name : undefined,
          section: c.name,
        });
      }
      end++;
      starts.push(off);
      strings.set(latin1.decode(data.subarray(off, end)), -1);
      off = end;
    }
    c.pieceIn = Uint32Array.from(starts);
    c.pieceOut = new Float64Array(starts.length);
  }
  const keys = [...strings.keys()];
  multikeySort(keys, 0, keys.length, 0);
  const align = 2 ** m.alignment;
  let size = 0;
  let previous = '';
  const layout: [string, number][] = [];
  for (const s of keys) {
    if (previous.endsWith(s)) {
      const pos = size - s.length;
      if (pos % align === 0) {
        strings.set(s, pos);
        continue;
      }
    }
    size = alignTo(size, align);
    strings.set(s, size);
    layout.push([s, size]);
    size += s.length;
    previous = s;
  }
  const body = new Uint8Array(size);
  for (const [s, at] of layout) for (let i = 0; i < s.length; i++) body[at + i] = s.charCodeAt(i);
  m.body = body;
  m.size = size;
  for (const c of m.merged!) {
    const data = bytesOf(c);
    const pin = c.pieceIn!;
    for (let i = 0; i < pin.length; i++) {
      const end = i + 1 < pin.length ? pin[i + 1] : data.length;
      c.pieceOut![i] = strings.get(latin1.decode(data.subarray(pin[i], end)))!;
    }
  }
}

function charTailAt(s: string, pos: number): number {
  return pos >= s.length ? -1 : s.charCodeAt(s.length - pos - 1);
}

/** LLVM's three-way radix quicksort on reversed strings (larger first). */
function multikeySort(v: string[], lo: number, hi: number, pos: number): void {
  for (;;) {
    if (hi - lo <= 1) return;
    const pivot = charTailAt(v[lo], pos);
    let i = lo;
    let j = hi;
    for (let k = lo + 1; k < j; ) {
      const c = charTailAt(v[k], pos);
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
    multikeySort(v, lo, i, pos);
    multikeySort(v, j, hi, pos);
    if (pivot === -1) return;
    lo = i;
    hi = j;
    pos++;
  }
}
