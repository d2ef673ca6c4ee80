import { writeSleb, writeUleb } from './leb.js';

const utf8 = new TextEncoder();

/**
 * Scratch memory for writers whose bytes never leave a link (see scratchWriter): views into one
 * shared buffer. A typed array of its own over 64 bytes lives outside the V8 heap and costs about
 * half a microsecond to make; a link makes dozens.
 */
let slab = new ArrayBuffer(0);
let slabPos = 0;
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX = 4096;

function scratchBytes(n: number): Uint8Array {
  if (n > SLAB_MAX) return new Uint8Array(n);
  if (slabPos + n > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabPos = 0;
  }
  const b = new Uint8Array(slab, slabPos, n);
  slabPos += (n + 7) & ~7;
  return b;
}

/** A growable byte buffer for the small sections the linker synthesizes. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  /** `scratch`: the bytes may share an ArrayBuffer with others (never hand them to a user). */
  constructor(
    capacity = 256,
    private readonly scratch = false,
  ) {
    this.buf = scratch ? scratchBytes(capacity) : new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = this.scratch ? scratchBytes(cap) : new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 24) & 0xff;
    return this;
  }

  uleb(v: number, width = 0): this {
    this.ensure(10);
    this.pos = writeUleb(this.buf, this.pos, v, width);
    return this;
  }

  sleb(v: number, width = 0): this {
    this.ensure(10);
    this.pos = writeSleb(this.buf, this.pos, v, width);
    return this;
  }

  /** Minimal unsigned LEB128 of a value beyond 2^53. */
  ulebBig(v: bigint): this {
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      this.u8(v === 0n ? byte : byte | 0x80);
      if (v === 0n) return this;
    }
  }

  /** Minimal signed LEB128 of an int64 beyond 2^53 (LLVM writeSleb128). */
  slebBig(v: bigint): this {
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A wasm `name`: LEB length then UTF-8 bytes. */
  str(s: string): this {
    // ASCII (almost every symbol name) is written directly, without an encoder call.
    const n = s.length;
    this.ensure(n + 5);
    const b = this.buf;
    const start = this.pos;
    let p = writeUleb(b, start, n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = start;
        const e = utf8.encode(s);
        this.uleb(e.length);
        return this.bytes(e);
      }
      b[p++] = c;
    }
    this.pos = p;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/** A ByteWriter for a section or body the linker copies into its output (shares scratch memory). */
export function scratchWriter(capacity = 256): ByteWriter {
  return new ByteWriter(capacity, true);
}
