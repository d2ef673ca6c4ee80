// The TypeScript WritePlan executor: the reference the native executor must match byte for byte.
// It checks every index and range of the plan, so a malformed plan is a PlanError, never a
// silent out-of-bounds write.

import * as P from '../plan/types.js';

export class PlanError extends Error {
  constructor(message: string) {
    super(`invalid write plan: ${message}`);
    this.name = 'PlanError';
  }
}

const TWO32 = 4294967296;

function writeI32(out: Uint8Array, p: number, v: number): void {
  const u = v >>> 0;
  out[p] = u & 0xff;
  out[p + 1] = (u >>> 8) & 0xff;
  out[p + 2] = (u >>> 16) & 0xff;
  out[p + 3] = u >>> 24;
}

function writeI64(out: Uint8Array, p: number, v: number): void {
  let lo = v % TWO32;
  if (lo < 0) lo += TWO32;
  writeI32(out, p, lo);
  writeI32(out, p + 4, Math.floor(v / TWO32) >>> 0);
}

function writeUleb5(out: Uint8Array, p: number, v: number): void {
  const u = v >>> 0;
  out[p] = (u & 0x7f) | 0x80;
  out[p + 1] = ((u >>> 7) & 0x7f) | 0x80;
  out[p + 2] = ((u >>> 14) & 0x7f) | 0x80;
  out[p + 3] = ((u >>> 21) & 0x7f) | 0x80;
  out[p + 4] = (u >>> 28) & 0x0f;
}

function writeSleb5(out: Uint8Array, p: number, v: number): void {
  const s = v | 0;
  out[p] = (s & 0x7f) | 0x80;
  out[p + 1] = ((s >> 7) & 0x7f) | 0x80;
  out[p + 2] = ((s >> 14) & 0x7f) | 0x80;
  out[p + 3] = ((s >> 21) & 0x7f) | 0x80;
  out[p + 4] = (s >> 28) & 0x7f;
}

function writeLeb10(out: Uint8Array, p: number, v: number, signed: boolean): void {
  // 64-bit two's complement of the (integral) value; both forms write 10 padded bytes.
  let b = BigInt.asUintN(64, BigInt(Math.trunc(v)));
  for (let i = 0; i < 10; i++) {
    const byte = Number(b & 0x7fn);
    b >>= 7n;
    out[p + i] = i < 9 ? byte | 0x80 : byte & (signed ? 0x7f : 0x01);
  }
  if (signed) {
    // Bits 63.. of the two's complement: the tenth byte holds bit 63 and its sign extension.
    const neg = v < 0;
    out[p + 9] = neg ? 0x7f : 0x00;
  }
}

function mapPieces(pieces: P.PlanPieces, addend: number): number {
  const pin = pieces.inputStart;
  let lo = 0;
  let hi = pin.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pin[mid] <= addend) lo = mid + 1;
    else hi = mid;
  }
  if (lo === 0) throw new PlanError(`merged-string offset ${addend} before the first piece`);
  const i = lo - 1;
  return pieces.outputStart[i] + (addend - pin[i]);
}

/** Executes a plan into a new buffer. */
/**
 * The value relocation `r` of file `f` writes (before its encoding truncates it), in chunk `c`
 * at `rel` bytes into the chunk. Also used by --compress-relocations, which re-encodes it. Kept
 * small, with the errors in badRelocation, so V8 inlines it into the executor's loop.
 */
export function relocValue(f: P.PlanFile, r: number, c: number, nsym: number, tomb: number, chunkVA: number, rel: number, tableBase: number): number {
  const type = f.relocType[r];
  const idx = f.relocIndex[r];
  const slot = P.RELOC_SLOT[type];
  if (slot < 0) return idx < f.typeMap.length ? f.typeMap[idx] : badRelocation(f, r, c, nsym);
  if (idx >= nsym) return badRelocation(f, r, c, nsym);
  const k = idx * P.SLOTS + slot;
  const mode = f.symMode[k];
  const addend = f.relocAddend[r];
  if (mode === P.MODE_VALUE) {
    const v = f.symValue[k] + addend;
    if (type === 12 || type === 24) return v - tableBase;
    return type === 23 ? v - (chunkVA + rel) : v;
  }
  if (mode === P.MODE_ZERO) return 0;
  if (mode === P.MODE_DEAD) return tomb !== 0 ? tomb : addend;
  if (mode === P.MODE_PIECES) {
    const pi = f.symValue[k];
    return pi >= 0 && pi < f.pieces.length ? mapPieces(f.pieces[pi], addend) : badRelocation(f, r, c, nsym);
  }
  return badRelocation(f, r, c, nsym);
}

/** relocValue's errors, in its order of checks. */
function badRelocation(f: P.PlanFile, r: number, c: number, nsym: number): never {
  const idx = f.relocIndex[r];
  const slot = P.RELOC_SLOT[f.relocType[r]];
  if (slot < 0) throw new PlanError(`chunk ${c}: relocation ${r} type index ${idx} out of range`);
  if (idx >= nsym) throw new PlanError(`chunk ${c}: relocation ${r} symbol ${idx} out of range`);
  const k = idx * P.SLOTS + slot;
  const mode = f.symMode[k];
  if (mode === P.MODE_PIECES) throw new PlanError(`chunk ${c}: relocation ${r} pieces ${f.symValue[k]} out of range`);
  throw new PlanError(`chunk ${c}: relocation ${r} has invalid mode ${mode}`);
}

export function executeTs(plan: P.WritePlan): Uint8Array {
  if (plan.version !== P.PLAN_VERSION) throw new PlanError(`version ${plan.version}, expected ${P.PLAN_VERSION}`);
  const size = plan.size;
  if (!Number.isInteger(size) || size < 0 || size > 0x7fffffff) throw new PlanError(`bad output size ${size}`);
  const out = new Uint8Array(size);
  const chunks = plan.chunks;
  if (chunks.length % P.CHUNK_STRIDE !== 0) throw new PlanError('chunk table length is not a multiple of its stride');
  const nchunks = chunks.length / P.CHUNK_STRIDE;
  if (plan.chunkTombstone.length < nchunks || plan.chunkVA.length < nchunks) throw new PlanError('chunk side tables are too short');
  const buffers = plan.buffers;
  const files = plan.files;
  const tableBase = plan.tableBase;

  for (let c = 0; c < nchunks; c++) {
    const row = c * P.CHUNK_STRIDE;
    const bi = chunks[row + P.C_BUF];
    const src = chunks[row + P.C_SRC];
    const len = chunks[row + P.C_LEN];
    const dst = chunks[row + P.C_DST];
    if (bi >= buffers.length) throw new PlanError(`chunk ${c}: buffer ${bi} out of range`);
    const buf = buffers[bi];
    if (src + len > buf.length) throw new PlanError(`chunk ${c}: source range ${src}+${len} outside buffer ${bi} (${buf.length} bytes)`);
    if (dst + len > size) throw new PlanError(`chunk ${c}: destination range ${dst}+${len} outside the output (${size} bytes)`);
    // Most chunks are small function bodies: a loop copies them without making a view per chunk
    // (a Node Buffer's subarray is a FastBuffer: ~1.7 MB of garbage a large link).
    if (len <= 128) for (let i = 0; i < len; i++) out[dst + i] = buf[src + i];
    else out.set(buf.subarray(src, src + len), dst);

    const fi = chunks[row + P.C_FILE];
    if (fi === P.NO_FILE) continue;
    if (fi >= files.length) throw new PlanError(`chunk ${c}: file ${fi} out of range`);
    const f = files[fi];
    const rs = chunks[row + P.C_RELOC_START];
    const re = chunks[row + P.C_RELOC_END];
    if (rs > re || re > f.relocType.length || re > f.relocOffset.length || re > f.relocIndex.length || re > f.relocAddend.length)
      throw new PlanError(`chunk ${c}: relocation range ${rs}..${re} out of range`);
    const inputOffset = chunks[row + P.C_INPUT_OFFSET];
    const tomb = plan.chunkTombstone[c];
    const chunkVA = plan.chunkVA[c];
    const nsym = f.symMode.length / P.SLOTS;
    for (let r = rs; r < re; r++) {
      const type = f.relocType[r];
      if (type >= P.RELOC_SLOT.length) throw new PlanError(`chunk ${c}: relocation ${r} has invalid type ${type}`);
      const off = f.relocOffset[r];
      const rel = off - inputOffset;
      const enc = P.RELOC_ENCODING[type];
      const width = P.ENCODING_WIDTH[enc];
      if (off < inputOffset || rel + width > len) throw new PlanError(`chunk ${c}: relocation ${r} at ${off} is outside the chunk`);
      const v = relocValue(f, r, c, nsym, tomb, chunkVA, rel, tableBase);
      const p = dst + rel;
      switch (enc) {
        case P.ENC_ULEB5:
          writeUleb5(out, p, v);
          break;
        case P.ENC_SLEB5:
          writeSleb5(out, p, v);
          break;
        case P.ENC_I32:
          writeI32(out, p, v);
          break;
        case P.ENC_I64:
          writeI64(out, p, v);
          break;
        case P.ENC_ULEB10:
          writeLeb10(out, p, v, false);
          break;
        case P.ENC_SLEB10:
          writeLeb10(out, p, v, true);
          break;
      }
    }
  }
  return out;
}
