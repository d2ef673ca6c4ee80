// A WritePlan on disk (--dump-plan, and the plan of a parity failure), so any executor
// difference can be replayed: "WELDPLAN", a little-endian u32 header length, a JSON header
// describing every array, then the arrays' bytes (8-byte aligned).

import type { PlanFile, PlanPieces, WritePlan } from './types.js';

const MAGIC = 'WELDPLAN';

type ArrayKind = 'u8' | 'u32' | 'i32' | 'f64';
interface ArrayRef {
  k: ArrayKind;
  off: number;
  len: number;
}

const ctor = { u8: Uint8Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array };

function kindOf(a: ArrayBufferView): ArrayKind {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int32Array) return 'i32';
  return 'f64';
}

export function dumpPlan(plan: WritePlan): Uint8Array {
  const parts: [number, Uint8Array][] = [];
  let off = 0;
  const put = (a: Uint8Array | Uint32Array | Int32Array | Float64Array): ArrayRef => {
    off = (off + 7) & ~7;
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    parts.push([off, bytes]);
    const ref = { k: kindOf(a), off, len: a.length };
    off += bytes.length;
    return ref;
  };
  const header = {
    version: plan.version,
    size: plan.size,
    tableBase: plan.tableBase,
    buffers: plan.buffers.map(put),
    chunks: put(plan.chunks),
    chunkTombstone: put(plan.chunkTombstone),
    chunkVA: put(plan.chunkVA),
    files: plan.files.map((f) => ({
      relocType: put(f.relocType),
      relocOffset: put(f.relocOffset),
      relocIndex: put(f.relocIndex),
      relocAddend: put(f.relocAddend),
      symValue: put(f.symValue),
      symMode: put(f.symMode),
      typeMap: put(f.typeMap),
      pieces: f.pieces.map((p) => ({ inputStart: put(p.inputStart), outputStart: put(p.outputStart) })),
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = 8 + 4 + json.length;
  const base = (head + 7) & ~7;
  const out = new Uint8Array(base + off);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  for (const [at, p] of parts) out.set(p, base + at);
  return out;
}

export function loadPlan(bytes: Uint8Array): WritePlan {
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error('not a weld plan dump');
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + n)));
  const base = (12 + n + 7) & ~7;
  const data = bytes.slice(base);
  const get = (r: ArrayRef) => {
    const C = ctor[r.k];
    return new C(data.buffer, data.byteOffset + r.off, r.len) as never;
  };
  const files: PlanFile[] = h.files.map((f: Record<string, ArrayRef> & { pieces: Record<string, ArrayRef>[] }) => ({
    relocType: get(f.relocType),
    relocOffset: get(f.relocOffset),
    relocIndex: get(f.relocIndex),
    relocAddend: get(f.relocAddend),
    symValue: get(f.symValue),
    symMode: get(f.symMode),
    typeMap: get(f.typeMap),
    pieces: f.pieces.map((p): PlanPieces => ({ inputStart: get(p.inputStart), outputStart: get(p.outputStart) })),
  }));
  return {
    version: h.version,
    size: h.size,
    tableBase: h.tableBase,
    buffers: h.buffers.map(get),
    chunks: get(h.chunks),
    chunkTombstone: get(h.chunkTombstone),
    chunkVA: get(h.chunkVA),
    files,
  };
}
