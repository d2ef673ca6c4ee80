// --compress-relocations (lld InputFunction::calculateSize / writeCompressed): every relocation
// site in the CODE section, written padded to 5 or 10 bytes, is re-encoded at its minimal LEB
// width, and function and section sizes shrink to match. It runs on the executed module with the
// plan's values (relocValue, the executors' own computation), untruncated: lld encodes a 32-bit
// SLEB site as the 64-bit value when compressing. Nothing else refers to code offsets once debug
// sections are stripped, which the option requires.

import { relocValue } from '../backend/ts.js';
import type { Layout, OutSection } from '../layout/types.js';
import * as P from '../plan/types.js';
import type { InputChunk } from '../resolve/model.js';
import { ByteWriter } from '../util/writer.js';

/** Where each function went, for --Map after compression. */
export interface CompressedLayout {
  /** The layout with the code section's and later sections' sizes and offsets updated. */
  layout: Layout;
  /** Per function: its offset in the code section contents and its size. */
  functions: Map<InputChunk, { outSecOff: number; size: number }>;
}

/** Returns the module with its code relocations compressed, and the layout that describes it. */
export function compressRelocations(module: Uint8Array, layout: Layout, plan: P.WritePlan): { bytes: Uint8Array; layout: CompressedLayout } {
  const code = layout.sections.find((s) => s.kind === 'code');
  const functions = new Map<InputChunk, { outSecOff: number; size: number }>();
  if (!code || code.kind !== 'code') return { bytes: module, layout: { layout, functions } };
  const content = code.offset + code.header.length;
  // The plan row of each file-backed function, by where it starts in the output.
  const rowAt = new Map<number, number>();
  const nrows = plan.chunks.length / P.CHUNK_STRIDE;
  for (let c = 0; c < nrows; c++) if (plan.chunks[c * P.CHUNK_STRIDE + P.C_FILE] !== P.NO_FILE) rowAt.set(plan.chunks[c * P.CHUNK_STRIDE + P.C_DST], c);
  const body = new ByteWriter(code.bodySize);
  body.bytes(code.prefix);
  for (const fn of code.functions) {
    const start = content + fn.outSecOff;
    const outSecOff = body.length;
    if (!rowAt.has(start)) {
      body.bytes(module.subarray(start, start + fn.size));
      functions.set(fn, { outSecOff, size: fn.size });
      continue;
    }
    const c = rowAt.get(start)!;
    const row = c * P.CHUNK_STRIDE;
    const pf = plan.files[plan.chunks[row + P.C_FILE]];
    const inputOffset = plan.chunks[row + P.C_INPUT_OFFSET];
    const nsym = pf.symMode.length / P.SLOTS;
    // The function's own size prefix, then its body with each LEB site at its minimal width.
    let p = start;
    while (module[p] & 0x80) p++;
    p++;
    const end = start + fn.size;
    const fnBody = new ByteWriter(fn.size);
    for (let r = plan.chunks[row + P.C_RELOC_START]; r < plan.chunks[row + P.C_RELOC_END]; r++) {
      const enc = P.RELOC_ENCODING[pf.relocType[r]];
      // Fixed-width sites (I32, I64) stay as they are.
      if (enc === P.ENC_I32 || enc === P.ENC_I64) continue;
      const rel = pf.relocOffset[r] - inputOffset;
      const v = relocValue(pf, r, c, nsym, plan.chunkTombstone[c], plan.chunkVA[c], rel, plan.tableBase);
      fnBody.bytes(module.subarray(p, start + rel));
      // lld writeCompressedReloc: the uint64 value, as an unsigned or a signed (int64) LEB.
      const big = BigInt(Math.trunc(v));
      if (enc === P.ENC_ULEB5 || enc === P.ENC_ULEB10) fnBody.ulebBig(BigInt.asUintN(64, big));
      else fnBody.slebBig(BigInt.asIntN(64, big));
      p = start + rel + P.ENCODING_WIDTH[enc];
    }
    fnBody.bytes(module.subarray(p, end));
    const bytes = fnBody.finish();
    const sizeLeb = new ByteWriter(5).uleb(bytes.length).finish();
    body.bytes(sizeLeb).bytes(bytes);
    functions.set(fn, { outSecOff, size: sizeLeb.length + bytes.length });
  }
  const newBody = body.finish();
  const header = new ByteWriter(8).u8(code.id).uleb(newBody.length).finish();
  const oldEnd = content + code.bodySize;
  const delta = header.length + newBody.length - (code.header.length + code.bodySize);
  const out = new Uint8Array(module.length + delta);
  out.set(module.subarray(0, code.offset));
  out.set(header, code.offset);
  out.set(newBody, code.offset + header.length);
  out.set(module.subarray(oldEnd), oldEnd + delta);
  const sections: OutSection[] = layout.sections.map((s) => {
    if (s === code) return { ...code, header, bodySize: newBody.length };
    return s.offset > code.offset ? { ...s, offset: s.offset + delta } : s;
  });
  return { bytes: out, layout: { layout: { ...layout, sections, fileSize: out.length }, functions } };
}
