import { InputError } from '../diag.js';

/** Buffer's own (long-standing, untyped) slice decoders: one native call, one string. */
type NodeBuffer = Buffer & { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

/** A Buffer view of `buf` (no copy): names decode through it without TextDecoder's per-call cost. */
export function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Whether the bytes of `buf` from `at` (up to `end`) start with the ASCII `text`. */
export function startsWithText(buf: Uint8Array, text: string, at = 0, end = buf.length): boolean {
  if (end - at < text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Bytes [start, end) of `buf` decoded as Reader.str does (invalid sequences become U+FFFD). */
export function utf8Slice(buf: Uint8Array, start: number, end: number): string {
  return (asBuffer(buf) as NodeBuffer).utf8Slice(start, end);
}

/** Bytes [start, end) of `buf` as Latin-1 (one char per byte). */
export function latin1Slice(buf: Uint8Array, start: number, end: number): string {
  return (asBuffer(buf) as NodeBuffer).latin1Slice(start, end);
}

/** Where a reader is, for error messages: the file, archive member and section. */
export interface ReadContext {
  file: string;
  member?: string;
  section?: string;
}

/**
 * A bounds-checked cursor over one input's bytes. Every failure throws InputError naming the
 * file, member, section and the byte offset relative to the start of the file (or member).
 */
export class Reader {
  pos: number;

  readonly buf: Buffer;

  constructor(
    buf: Uint8Array,
    start: number,
    public end: number,
    /** Offset of the file (or archive member) start inside `buf`: error offsets are relative to it. */
    readonly base: number,
    public ctx: ReadContext,
  ) {
    this.buf = asBuffer(buf);
    this.pos = start;
  }

  fail(message: string, at = this.pos): never {
    const where = this.ctx.section ? `${this.ctx.section} section at offset ${at - this.base}` : `offset ${at - this.base}`;
    const file = this.ctx.member ? `${this.ctx.file}(${this.ctx.member})` : this.ctx.file;
    throw new InputError(`${file}: ${where}: ${message}`, {
      file: this.ctx.file,
      member: this.ctx.member,
      section: this.ctx.section,
      offset: at - this.base,
    });
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.buf[this.pos++];
  }

  u32le(): number {
    if (this.pos + 4 > this.end) this.fail('unexpected end of data');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** varuint32: LLVM accepts padded encodings as long as the value fits. */
  uleb32(): number {
    const b = this.buf;
    let p = this.pos;
    if (p < this.end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    const start = p;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (p >= this.end) this.fail('malformed uleb128, extends past end', start);
      const byte = b[p++];
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) break;
      if (p - start >= 10) this.fail('malformed uleb128: too long', start);
    }
    if (result > 0xffffffff) this.fail('LEB is outside Varuint32 range', start);
    this.pos = p;
    return result;
  }

  /** varuint64 as a JS number; values beyond 2^53 are refused (no wasm32 quantity needs them). */
  uleb64(): number {
    const start = this.pos;
    const b = this.buf;
    let p = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      if (p >= this.end) this.fail('malformed uleb128, extends past end', start);
      const byte = b[p++];
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) break;
      if (p - start >= 10) this.fail('malformed uleb128: too long', start);
    }
    if (result > Number.MAX_SAFE_INTEGER) this.fail('uleb128 value too large', start);
    this.pos = p;
    return result;
  }

  /** varint32/varint64 as a JS number (exact within 53 bits). */
  sleb(bits: 32 | 64): number {
    const start = this.pos;
    const b = this.buf;
    let p = this.pos;
    let result = 0;
    let mul = 1;
    let byte: number;
    for (;;) {
      if (p >= this.end) this.fail('malformed sleb128, extends past end', start);
      byte = b[p++];
      result += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) break;
      if (p - start >= (bits === 32 ? 5 : 10)) this.fail('malformed sleb128: too long', start);
    }
    if (byte & 0x40) result -= mul;
    // Beyond 7 bytes the sum above may have rounded (padded encodings of small negative values
    // reach 2^56 before the sign is applied): decode those exactly.
    if (p - start > 7) result = Number(exactSleb(b, start, p));
    if (bits === 32 && (result < -0x80000000 || result > 0x7fffffff)) this.fail('LEB is outside Varint32 range', start);
    if (!Number.isSafeInteger(result)) this.fail('sleb128 value too large', start);
    this.pos = p;
    return result;
  }

  /** Reads `n` bytes and returns the absolute start offset. */
  skip(n: number): number {
    if (n > this.end - this.pos) this.fail(`unexpected end of data (need ${n} bytes, have ${this.end - this.pos})`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** A name: UTF-8, invalid sequences become U+FFFD (as TextDecoder does). */
  str(): string {
    const n = this.uleb32();
    const at = this.skip(n);
    return (this.buf as NodeBuffer).utf8Slice(at, at + n);
  }

  /** Skips a name (what str() would read), making no string. */
  skipStr(): void {
    this.skip(this.uleb32());
  }

  /** A name as raw latin1 (byte-preserving), used for keys. */
  rawStr(): string {
    const n = this.uleb32();
    const at = this.skip(n);
    return (this.buf as NodeBuffer).latin1Slice(at, at + n);
  }

  /** A count that must be plausible: each element takes at least one byte. */
  count(what: string): number {
    const at = this.pos;
    const n = this.uleb32();
    if (n > this.end - this.pos) this.fail(`${what} count ${n} exceeds the section size`, at);
    return n;
  }

  /** A sub-reader over the next `n` bytes. */
  sub(n: number, section?: string): Reader {
    const at = this.skip(n);
    return new Reader(this.buf, at, at + n, this.base, section ? { ...this.ctx, section } : this.ctx);
  }
}

/** The SLEB128 in b[start, end) as an exact integer (LLVM decodeSLEB128, no overflow check). */
function exactSleb(b: Uint8Array, start: number, end: number): bigint {
  let v = 0n;
  let shift = 0n;
  for (let p = start; p < end; p++, shift += 7n) v |= BigInt(b[p] & 0x7f) << shift;
  if (b[end - 1] & 0x40) v -= 1n << shift;
  return v;
}
