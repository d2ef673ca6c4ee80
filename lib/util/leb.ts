// LEB128 encoders used by both the plan builder and the TS backend.
// Values are JS numbers: every wasm32 quantity fits in 53 bits.

/** Number of bytes the minimal unsigned LEB128 encoding of `v` takes. */
export function ulebSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Number of bytes the minimal signed LEB128 encoding of `v` takes. */
export function slebSize(v: number): number {
  if (!Number.isFinite(v)) throw new Error(`internal error: signed LEB128 of ${v}`);
  let n = 1;
  for (;;) {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) return n;
    n++;
  }
}

/** Writes `v` as unsigned LEB128, padded to `width` bytes (0 = minimal). Returns the end offset. */
export function writeUleb(buf: Uint8Array, pos: number, v: number, width = 0): number {
  // A negative (or NaN) value would never reach 0: an unassigned index (-1) must fail, not hang.
  if (width === 0 && !(v >= 0)) throw new Error(`internal error: unsigned LEB128 of ${v}`);
  let n = 0;
  for (;;) {
    let byte = v % 128;
    v = Math.floor(v / 128);
    n++;
    const more = width ? n < width : v !== 0;
    if (more) byte |= 0x80;
    buf[pos++] = byte;
    if (!more) return pos;
  }
}

/** Writes `v` as signed LEB128, padded to `width` bytes (0 = minimal). Returns the end offset. */
export function writeSleb(buf: Uint8Array, pos: number, v: number, width = 0): number {
  if (width === 0 && !Number.isFinite(v)) throw new Error(`internal error: signed LEB128 of ${v}`);
  let n = 0;
  for (;;) {
    let byte = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    n++;
    let more: boolean;
    if (width) more = n < width;
    else more = !((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0));
    if (more) byte |= 0x80;
    buf[pos++] = byte;
    if (!more) return pos;
  }
}

/** Signed 64-bit two's complement of `v` truncated to 32 bits, as LLVM's static_cast<int32_t>. */
export function toInt32(v: number): number {
  return v | 0; // ToInt32 is exact modulo 2^32 for integral doubles
}

/** Unsigned 32-bit truncation, as static_cast<uint32_t>. */
export function toUint32(v: number): number {
  return v >>> 0;
}
