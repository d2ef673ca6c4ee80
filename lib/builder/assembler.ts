// Builds a WritePlan piece by piece: synthesized bytes (section headers, metadata, size
// prefixes) go to buffer 0 and are coalesced into as few chunks as possible; atom bodies are
// referenced in place (zero copy: ranges of the builder's arena) with their relocation ranges;
// padding is skipped (the executor's output starts zeroed).

import * as P from '../plan/types.js';
import { ByteWriter } from '../util/writer.js';

const EMPTY = new Uint8Array(0);

export class Assembler {
  readonly syn: ByteWriter;
  private synMark = 0;
  private lastSynChunk = -1;
  readonly buffers: Uint8Array[] = [EMPTY];
  private chunks: Uint32Array;
  private n = 0;
  /** Output position of the next byte. */
  pos = 0;

  constructor(estimatedChunks: number, synCapacity = 4096) {
    this.chunks = new Uint32Array(Math.max(16, estimatedChunks) * P.CHUNK_STRIDE);
    this.syn = new ByteWriter(synCapacity);
  }

  private push(buf: number, src: number, len: number, file: number, rs: number, re: number): void {
    if ((this.n + 1) * P.CHUNK_STRIDE > this.chunks.length) {
      const next = new Uint32Array(this.chunks.length * 2);
      next.set(this.chunks);
      this.chunks = next;
    }
    const c = this.chunks;
    const row = this.n * P.CHUNK_STRIDE;
    c[row + P.C_BUF] = buf;
    c[row + P.C_SRC] = src;
    c[row + P.C_LEN] = len;
    c[row + P.C_DST] = this.pos;
    c[row + P.C_FILE] = file;
    c[row + P.C_RELOC_START] = rs;
    c[row + P.C_RELOC_END] = re;
    c[row + P.C_INPUT_OFFSET] = 0;
    this.n++;
    this.pos += len;
  }

  /** Turns the bytes written to `syn` since the last call into output (at the current position). */
  sync(): void {
    const len = this.syn.pos - this.synMark;
    if (len === 0) return;
    if (this.lastSynChunk >= 0) {
      this.chunks[this.lastSynChunk * P.CHUNK_STRIDE + P.C_LEN] += len;
      this.pos += len;
    } else {
      this.lastSynChunk = this.n;
      this.push(0, this.synMark, len, P.NO_FILE, 0, 0);
    }
    this.synMark = this.syn.pos;
  }

  /** Registers a buffer that chunks copy from; returns its index. */
  addBuffer(buf: Uint8Array): number {
    this.buffers.push(buf);
    return this.buffers.length - 1;
  }

  /**
   * `len` bytes of buffer `bi` from `src`, with relocations rs..re of file 0 (their offsets are
   * relative to the first of these bytes).
   */
  ref(bi: number, src: number, len: number, rs: number, re: number): void {
    this.sync();
    this.lastSynChunk = -1;
    if (len === 0) return;
    this.push(bi, src, len, re > rs ? 0 : P.NO_FILE, rs, re);
  }

  /** Zero bytes (padding). */
  skip(n: number): void {
    this.sync();
    if (n === 0) return;
    this.lastSynChunk = -1;
    this.pos += n;
  }

  finish(file: P.PlanFile): P.WritePlan {
    this.sync();
    this.buffers[0] = this.syn.finish();
    const nchunks = this.n;
    return {
      version: P.PLAN_VERSION,
      size: this.pos,
      buffers: this.buffers,
      chunks: this.chunks.subarray(0, nchunks * P.CHUNK_STRIDE),
      chunkTombstone: new Float64Array(nchunks),
      chunkVA: new Float64Array(nchunks),
      files: [file],
      tableBase: 0,
    };
  }
}
