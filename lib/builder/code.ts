// Helpers to write function bodies and data atoms with their relocations: each relocatable
// operand is written padded (5 bytes, 10 for 64-bit) and recorded as a Reloc at its offset.

import { ByteWriter } from '../util/writer.js';
import { VALTYPE_CODE } from './encode.js';
import type { Reloc, RelocType, ValType } from './types.js';

class RelocWriter {
  protected w = new ByteWriter(64);
  readonly relocs: Reloc[] = [];

  /** Raw bytes (opcodes and immediates). */
  op(...bytes: number[]): this {
    for (const b of bytes) this.w.u8(b);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.w.bytes(b);
    return this;
  }

  uleb(v: number): this {
    this.w.uleb(v);
    return this;
  }

  sleb(v: number): this {
    this.w.sleb(v);
    return this;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.w.pos;
  }

  /** A padded LEB (or fixed-width) site for a relocation of `type` against `symbol`. */
  reloc(type: RelocType, symbol: number, addend = 0): this {
    const offset = this.w.pos;
    const r: Reloc = { type, offset, symbol };
    if (addend) r.addend = addend;
    this.relocs.push(r);
    switch (type) {
      case 'R_WASM_MEMORY_ADDR_I32':
      case 'R_WASM_TABLE_INDEX_I32':
      case 'R_WASM_FUNCTION_INDEX_I32':
      case 'R_WASM_GLOBAL_INDEX_I32':
        this.w.u32(0);
        break;
      case 'R_WASM_MEMORY_ADDR_I64':
      case 'R_WASM_TABLE_INDEX_I64':
        this.w.u32(0).u32(0);
        break;
      case 'R_WASM_MEMORY_ADDR_LEB64':
      case 'R_WASM_MEMORY_ADDR_SLEB64':
      case 'R_WASM_TABLE_INDEX_SLEB64':
        this.w.uleb(0, 10);
        break;
      default:
        this.w.uleb(0, 5);
    }
    return this;
  }
}

/** Writes a function body: locals, instructions, `end`. */
export class CodeWriter extends RelocWriter {
  /** `locals`: runs of [count, type]. */
  constructor(locals: readonly (readonly [number, ValType])[] = []) {
    super();
    this.w.uleb(locals.length);
    for (const [n, t] of locals) this.w.uleb(n).u8(VALTYPE_CODE[t]);
  }

  localGet(i: number): this {
    return this.op(0x20).uleb(i);
  }

  localSet(i: number): this {
    return this.op(0x21).uleb(i);
  }

  localTee(i: number): this {
    return this.op(0x22).uleb(i);
  }

  i32Const(v: number): this {
    return this.op(0x41).sleb(v | 0);
  }

  i64Const(v: number): this {
    return this.op(0x42).sleb(v);
  }

  /** `call f` (R_WASM_FUNCTION_INDEX_LEB). */
  call(f: number): this {
    return this.op(0x10).reloc('R_WASM_FUNCTION_INDEX_LEB', f);
  }

  /** `call_indirect type table` (R_WASM_TYPE_INDEX_LEB + R_WASM_TABLE_NUMBER_LEB). */
  callIndirect(typeId: number, table: number): this {
    return this.op(0x11).reloc('R_WASM_TYPE_INDEX_LEB', typeId).reloc('R_WASM_TABLE_NUMBER_LEB', table);
  }

  globalGet(g: number): this {
    return this.op(0x23).reloc('R_WASM_GLOBAL_INDEX_LEB', g);
  }

  globalSet(g: number): this {
    return this.op(0x24).reloc('R_WASM_GLOBAL_INDEX_LEB', g);
  }

  /** `i32.const &d + addend` (R_WASM_MEMORY_ADDR_SLEB), or i64.const with `is64`. */
  addressOf(d: number, addend = 0, is64 = false): this {
    return is64 ? this.op(0x42).reloc('R_WASM_MEMORY_ADDR_SLEB64', d, addend) : this.op(0x41).reloc('R_WASM_MEMORY_ADDR_SLEB', d, addend);
  }

  /** `i32.const <table index of f>` (R_WASM_TABLE_INDEX_SLEB): a function pointer. */
  functionPointer(f: number, is64 = false): this {
    return is64 ? this.op(0x42).reloc('R_WASM_TABLE_INDEX_SLEB64', f) : this.op(0x41).reloc('R_WASM_TABLE_INDEX_SLEB', f);
  }

  /** Appends `end` and returns the body and its relocations. */
  end(): { body: Uint8Array; relocs: Reloc[] } {
    this.w.u8(0x0b);
    return { body: this.w.finish().slice(), relocs: this.relocs };
  }
}

/** Writes a data atom: bytes, pointers to data (with addends) and function pointers. */
export class DataWriter extends RelocWriter {
  u8(v: number): this {
    this.w.u8(v);
    return this;
  }

  u32(v: number): this {
    this.w.u32(v);
    return this;
  }

  /** A string's UTF-8 bytes, with a terminating NUL unless `nul` is false. */
  string(s: string, nul = true): this {
    this.w.bytes(new TextEncoder().encode(s));
    if (nul) this.w.u8(0);
    return this;
  }

  /** Zero bytes up to a multiple of `align`. */
  alignTo(align: number): this {
    while (this.w.pos % align) this.w.u8(0);
    return this;
  }

  /** A pointer to `d + addend` (R_WASM_MEMORY_ADDR_I32, or I64 with `is64`). */
  pointer(d: number, addend = 0, is64 = false): this {
    return this.reloc(is64 ? 'R_WASM_MEMORY_ADDR_I64' : 'R_WASM_MEMORY_ADDR_I32', d, addend);
  }

  /** A function pointer (R_WASM_TABLE_INDEX_I32, or I64 with `is64`). */
  functionPointer(f: number, is64 = false): this {
    return this.reloc(is64 ? 'R_WASM_TABLE_INDEX_I64' : 'R_WASM_TABLE_INDEX_I32', f);
  }

  finish(): { bytes: Uint8Array; relocs: Reloc[] } {
    return { bytes: this.w.finish().slice(), relocs: this.relocs };
  }
}
