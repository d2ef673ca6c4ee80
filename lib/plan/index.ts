// Layout -> WritePlan: chunk rows for every output byte range, and per input file the values of
// its symbols (so the executor patches relocations without knowing what a symbol is).

import { InputError } from '../diag.js';
import * as W from '../input/wasm.js';
import { smallInt } from '../input/object.js';
import type { Context } from '../resolve/context.js';
import {
  DefinedData,
  DefinedFunction,
  DefinedGlobal,
  DefinedTable,
  DefinedTag,
  INVALID_INDEX,
  CHUNK_FUNCTION,
  CHUNK_SEGMENT,
  chunkRelocs,
  LazyKind,
  NO_INDEX,
  SharedFunction,
  SectionKind,
  UndefinedData,
  UndefinedFunction,
  UndefinedGlobal,
  UndefinedTable,
  UndefinedTag,
  type InputChunk,
  type ObjFile,
} from '../resolve/model.js';
import type { Layout } from '../layout/types.js';
import { symbolAt } from '../resolve/file.js';
import * as P from './types.js';
import { grown } from '../util/typed.js';

class Synth {
  parts: Uint8Array[] = [];
  size = 0;
  add(b: Uint8Array): number {
    const at = this.size;
    this.parts.push(b);
    this.size += b.length;
    return at;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const b of this.parts) {
      out.set(b, p);
      p += b.length;
    }
    return out;
  }
}

/**
 * The chunk rows being built. Its arrays are scratch kept between plans (the plan gets copies
 * of the rows used): a large link has ~25,000 rows, and growing fresh arrays made ~0.9 MB of
 * garbage per link. Plans are built synchronously, one at a time per thread.
 */
class Rows {
  private static data = new Uint32Array(1024 * P.CHUNK_STRIDE);
  private static tomb = new Float64Array(1024);
  private static va = new Float64Array(1024);
  n = 0;
  push(buf: number, src: number, len: number, dst: number, file: number, rs: number, re: number, inputOffset: number, tomb: number, va: number): void {
    if (this.n === Rows.tomb.length) Rows.grow();
    const r = this.n * P.CHUNK_STRIDE;
    const d = Rows.data;
    d[r] = buf;
    d[r + 1] = src;
    d[r + 2] = len;
    d[r + 3] = dst;
    d[r + 4] = file;
    d[r + 5] = rs;
    d[r + 6] = re;
    d[r + 7] = inputOffset;
    Rows.tomb[this.n] = tomb;
    Rows.va[this.n] = va;
    this.n++;
  }
  private static grow(): void {
    const n = Rows.tomb.length * 2;
    Rows.data = grown(Rows.data, n * P.CHUNK_STRIDE);
    Rows.tomb = grown(Rows.tomb, n);
    Rows.va = grown(Rows.va, n);
  }
  chunks(): Uint32Array {
    return Rows.data.slice(0, this.n * P.CHUNK_STRIDE);
  }
  tombstones(): Float64Array {
    return Rows.tomb.slice(0, this.n);
  }
  vas(): Float64Array {
    return Rows.va.slice(0, this.n);
  }
}

export function buildPlan(ctx: Context, layout: Layout): P.WritePlan {
  const synth = new Synth();
  const rows = new Rows();
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const bufferIndex = new Map<Uint8Array, number>();
  const fileIndex = new Map<ObjFile, number>();
  const files: P.PlanFile[] = [];

  const bufOf = (b: Uint8Array): number => {
    let i = bufferIndex.get(b);
    if (i === undefined) {
      i = buffers.length;
      buffers.push(b);
      bufferIndex.set(b, i);
    }
    return i;
  };
  const fileOf = (f: ObjFile): number => {
    let i = fileIndex.get(f);
    if (i === undefined) {
      i = files.length;
      files.push(planFile(ctx, f));
      fileIndex.set(f, i);
    }
    return i;
  };
  const emitSynth = (bytes: Uint8Array, dst: number) => {
    if (bytes.length) rows.push(0, synth.add(bytes), bytes.length, dst, P.NO_FILE, 0, 0, 0, 0, 0);
  };
  // Consecutive chunks mostly come from one file: its buffer's and plan file's index, before
  // the maps.
  let lastFile: ObjFile | null = null;
  let lastBuf = 0;
  let lastPlanFile = -1;
  const emitChunk = (c: InputChunk, dst: number) => {
    if (c.body || !c.file) {
      emitSynth(c.body ?? new Uint8Array(0), dst);
      return;
    }
    const f = c.file;
    if (f !== lastFile) {
      lastFile = f;
      lastBuf = bufOf(f.data.buf);
      lastPlanFile = -1;
    }
    // What the chunk's getters would read, read once off the parsed object.
    const d = f.data;
    const idx = c.indexInFile;
    const kind = c.kind;
    const ranges = chunkRelocs(d, kind)!;
    const relocStart = ranges[idx << 1];
    const relocEnd = ranges[(idx << 1) + 1];
    let sectionOffset = 0;
    let srcStart: number;
    if (kind === CHUNK_FUNCTION) {
      sectionOffset = d.funcOffset[idx];
      srcStart = d.codeStart + sectionOffset;
    } else if (kind === CHUNK_SEGMENT) {
      sectionOffset = d.segSectionOffset[idx];
      srcStart = d.base + d.segDataStart[idx];
    } else srcStart = c.srcStart;
    let planned: number = P.NO_FILE;
    if (relocEnd > relocStart) planned = lastPlanFile >= 0 ? lastPlanFile : (lastPlanFile = fileOf(f));
    // The chunk's segment's start address plus its offset in it (va(0) less its own offset).
    const va = (c.outputSeg !== null ? c.outputSeg.startVA : 0) + c.outputSegmentOffset;
    rows.push(lastBuf, srcStart, c.size, dst, planned, relocStart, relocEnd, sectionOffset, c.tombstone, va);
  };

  emitSynth(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), 0);
  // Index loops: a large link emits tens of thousands of chunks here, once per link.
  for (let si = 0, sections = layout.sections; si < sections.length; si++) {
    const s = sections[si];
    emitSynth(s.header, s.offset);
    const content = s.offset + s.header.length;
    switch (s.kind) {
      case 'bytes':
        emitSynth(s.body, content);
        break;
      case 'code':
        emitSynth(s.prefix, content);
        for (let fi = 0, fns = s.functions; fi < fns.length; fi++) emitChunk(fns[fi], content + fns[fi].outSecOff);
        break;
      case 'data':
        emitSynth(s.prefix, content);
        for (let i = 0; i < s.segments.length; i++) {
          emitSynth(s.segmentHeaders[i], content + s.segmentOffsets[i]);
          for (let ci = 0, inputs = s.segments[i].inputSegments; ci < inputs.length; ci++) emitChunk(inputs[ci], content + inputs[ci].outSecOff);
        }
        break;
      case 'custom':
        emitSynth(s.prefix, content);
        for (let ci = 0, chunks = s.chunks; ci < chunks.length; ci++) emitChunk(chunks[ci], content + s.prefix.length + chunks[ci].outSecOff);
        break;
    }
  }
  buffers[0] = synth.finish();
  return {
    version: P.PLAN_VERSION,
    size: layout.fileSize,
    buffers,
    chunks: rows.chunks(),
    chunkTombstone: rows.tombstones(),
    chunkVA: rows.vas(),
    files,
    tableBase: layout.tableBase,
  };
}

/** lld MergeInputChunk::getSectionPiece: offsets into merged strings must fall inside them. */
function checkPieceOffsets(f: ObjFile, mode: Uint8Array): void {
  const d = f.data;
  for (const c of f.customSections) {
    for (let r = c.relocStart, end = c.relocEnd; r < end; r++) {
      const sym = d.relocIndex[r];
      if (d.relocType[r] !== 9 || mode[sym * P.SLOTS] !== P.MODE_PIECES) continue;
      const target = symbolAt(f, sym).chunk!;
      const addend = d.relocAddend[r];
      if (addend < 0 || addend >= target.size)
        throw new InputError(`${f}:(${target.name}): offset is outside the section`, {
          file: f.archiveName || f.name,
          member: f.archiveName ? f.name : undefined,
          section: c.name,
        });
    }
  }
}

/** The value table of one file's symbols (ObjFile::calcNewValue, per symbol and slot). */
/** One slot of a symbol's plan values (no closure per symbol: this runs for every symbol). */
function put(value: Float64Array, mode: Uint8Array, at: number, v: number, m: number): void {
  value[at] = v;
  mode[at] = m;
}

/** All SLOTS (4) modes of a symbol. */
function fill4(mode: Uint8Array, k: number, m: number): void {
  mode[k] = m;
  mode[k + 1] = m;
  mode[k + 2] = m;
  mode[k + 3] = m;
}

/**
 * The values of local symbol i of `f`, which has no Symbol, if it is a function or a segment's
 * data (what a Symbol would give: see the switch in planFile); false for the other kinds.
 */
function planLocal(f: ObjFile, i: number, value: Float64Array, mode: Uint8Array, k: number): boolean {
  const d = f.data;
  const kind = d.symKind[i];
  const flags = d.symFlags[i];
  if (kind === W.SYMTAB_FUNCTION) {
    const fn = f.functions[d.symIndex[i] - d.numImportedFunctions];
    if (!fn.live) {
      fill4(mode, k, P.MODE_DEAD);
      return true;
    }
    fill4(mode, k, P.MODE_ZERO);
    put(value, mode, k + P.SLOT_GLOBAL, INVALID_INDEX, P.MODE_VALUE);
    if (fn.functionIndex >= 0) put(value, mode, k + P.SLOT_PRIMARY, fn.functionIndex, P.MODE_VALUE);
    if (fn.tableIndex !== NO_INDEX) put(value, mode, k + P.SLOT_TABLE, fn.tableIndex, P.MODE_VALUE);
    put(value, mode, k + P.SLOT_FUNC_OFFSET, fn.offsetInSection(fn.codeOffset), P.MODE_VALUE);
    return true;
  }
  if (kind !== W.SYMTAB_DATA || (flags & W.SYM_ABSOLUTE) !== 0) return false;
  const seg = f.segments[d.symIndex[i]];
  if (!seg.live) {
    fill4(mode, k, P.MODE_DEAD);
    return true;
  }
  fill4(mode, k, P.MODE_ZERO);
  put(value, mode, k + P.SLOT_GLOBAL, INVALID_INDEX, P.MODE_VALUE);
  const offset = smallInt(d.symOffset, i);
  const tls = (flags & W.SYM_TLS) !== 0 || seg.isTLS;
  put(value, mode, k + P.SLOT_PRIMARY, tls ? seg.chunkOffset(offset) : seg.va(offset), P.MODE_VALUE);
  return true;
}

function planFile(ctx: Context, f: ObjFile): P.PlanFile {
  const d = f.data;
  const n = f.symbols.length;
  const value = new Float64Array(n * P.SLOTS);
  const mode = new Uint8Array(n * P.SLOTS);
  const pieces: P.PlanPieces[] = [];
  for (let i = 0; i < n; i++) {
    let s = f.symbols[i];
    const k = i * P.SLOTS;
    if (s === null) {
      // A local nobody made a Symbol for: its values are its chunk's (as the Symbol's would be).
      if (planLocal(f, i, value, mode, k)) continue;
      s = symbolAt(f, i);
    }
    if (s.kind !== SectionKind && !s.isLive()) {
      fill4(mode, k, P.MODE_DEAD);
      continue;
    }
    fill4(mode, k, P.MODE_ZERO);
    // A global index relocation against anything but a global names its GOT entry; without one
    // (debug info of -fPIC code naming __memory_base in a static link) lld writes its
    // getGOTIndex() all the same: INVALID_INDEX.
    put(value, mode, k + P.SLOT_GLOBAL, s.gotIndex >= 0 ? s.gotIndex : INVALID_INDEX, P.MODE_VALUE);
    switch (s.kind) {
      case DefinedFunction:
      case UndefinedFunction:
      case SharedFunction: {
        const fi = (s.kind === UndefinedFunction && !s.stubFunction) || s.kind === SharedFunction ? s.functionIndex : s.getFunctionIndex();
        if (fi >= 0) put(value, mode, k + P.SLOT_PRIMARY, fi, P.MODE_VALUE);
        if (s.hasTableIndex()) put(value, mode, k + P.SLOT_TABLE, s.getTableIndex(), P.MODE_VALUE);
        if (s.kind !== DefinedFunction) put(value, mode, k + P.SLOT_FUNC_OFFSET, 0, P.MODE_DEAD);
        else {
          const fn = s.chunk!;
          put(value, mode, k + P.SLOT_FUNC_OFFSET, fn.offsetInSection(fn.codeOffset), P.MODE_VALUE);
        }
        break;
      }
      case DefinedData:
        put(value, mode, k + P.SLOT_PRIMARY, s.getVA(), P.MODE_VALUE);
        break;
      case UndefinedData:
      case LazyKind:
        break;
      case DefinedGlobal:
      case UndefinedGlobal:
        put(value, mode, k + P.SLOT_GLOBAL, s.getGlobalIndex(), P.MODE_VALUE);
        break;
      case DefinedTag:
      case UndefinedTag:
        put(value, mode, k + P.SLOT_PRIMARY, s.getTagIndex(), P.MODE_VALUE);
        break;
      case DefinedTable:
      case UndefinedTable:
        put(value, mode, k + P.SLOT_PRIMARY, s.getTableNumber(), P.MODE_VALUE);
        break;
      case SectionKind: {
        const c = s.chunk;
        if (!c) break;
        if (c.parent) {
          // Offsets into merged strings move piece by piece: the executor maps each addend.
          const base = c.outSecOff + c.parent.outputSegmentOffset;
          const out = new Float64Array(c.pieceEnd - c.pieceStart);
          for (let j = 0; j < out.length; j++) out[j] = base + c.pieceOut![c.pieceStart + j];
          put(value, mode, k + P.SLOT_PRIMARY, pieces.length, P.MODE_PIECES);
          pieces.push({ inputStart: c.pieceIn!.subarray(c.pieceStart, c.pieceEnd), outputStart: out });
        } else put(value, mode, k + P.SLOT_PRIMARY, c.offsetInSection(0), P.MODE_VALUE);
        break;
      }
    }
  }
  if (pieces.length) checkPieceOffsets(f, mode);
  void ctx;
  return {
    relocType: d.relocType,
    relocOffset: d.relocOffset,
    relocIndex: d.relocIndex,
    relocAddend: d.relocAddend,
    symValue: value,
    symMode: mode,
    typeMap: f.typeMap,
    pieces,
  };
}
