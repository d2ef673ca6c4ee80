// Small encoders shared by flush() and toObject().

import { ByteWriter } from '../util/writer.js';
import * as W from '../input/wasm.js';
import { BuilderError, type ValType } from './types.js';

export const VALTYPE_CODE: Readonly<Record<ValType, number>> = {
  i32: W.TYPE_I32,
  i64: W.TYPE_I64,
  f32: W.TYPE_F32,
  f64: W.TYPE_F64,
  v128: W.TYPE_V128,
  funcref: W.TYPE_FUNCREF,
  externref: W.TYPE_EXTERNREF,
};

export const PAGE_SIZE = 65536;

/**
 * A plain Uint8Array of `n` bytes that the caller overwrites completely: allocated without the
 * zero fill (Buffer.allocUnsafeSlow gives an unpooled ArrayBuffer of exactly `n` bytes).
 */
export function uninitialized(n: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
}

/** A copy of `src` (a new ArrayBuffer that nothing else references). */
export function copyOf(src: Uint8Array): Uint8Array {
  const out = uninitialized(src.length);
  out.set(src);
  return out;
}

export function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** Writes a section: id, size, content. */
export function section(w: ByteWriter, id: number, content: Uint8Array): void {
  w.u8(id).uleb(content.length).bytes(content);
}

/** Limits (memory or table). */
export function limits(w: ByteWriter, min: number, max: number | undefined, is64: boolean): void {
  w.u8((max !== undefined ? W.LIMITS_HAS_MAX : 0) | (is64 ? W.LIMITS_IS_64 : 0));
  w.uleb(min);
  if (max !== undefined) w.uleb(max);
}

/** `i32.const v` / `i64.const v` followed by `end`, for an address. */
export function addrExpr(w: ByteWriter, addr: number, is64: boolean): void {
  if (is64) w.u8(W.OP_I64_CONST).sleb(addr);
  else w.u8(W.OP_I32_CONST).sleb(addr | 0);
  w.u8(W.OP_END);
}

export function addrExprSize(addr: number, is64: boolean): number {
  let v = is64 ? addr : addr | 0;
  let n = 1;
  for (;;) {
    const byte = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) break;
    n++;
  }
  return n + 2;
}

/** A constant initializer expression for a global of `type`. */
export function constExpr(w: ByteWriter, type: number, init: number | bigint | null): void {
  switch (type) {
    case W.TYPE_I32:
      w.u8(W.OP_I32_CONST).sleb(Number(init ?? 0) | 0);
      break;
    case W.TYPE_I64:
      w.u8(W.OP_I64_CONST);
      w.slebBig(BigInt.asIntN(64, typeof init === 'bigint' ? init : BigInt(Math.trunc(init ?? 0))));
      break;
    case W.TYPE_F32: {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setFloat32(0, Number(init ?? 0), true);
      w.u8(W.OP_F32_CONST).bytes(b);
      break;
    }
    case W.TYPE_F64: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, Number(init ?? 0), true);
      w.u8(W.OP_F64_CONST).bytes(b);
      break;
    }
    default:
      throw new BuilderError(`unsupported global type 0x${type.toString(16)}`);
  }
  w.u8(W.OP_END);
}

/** The encoded function type (0x60 params results). */
export function encodeFuncType(params: readonly number[], results: readonly number[]): Uint8Array {
  const w = new ByteWriter(8 + params.length + results.length);
  w.u8(0x60).uleb(params.length);
  for (const p of params) w.u8(p);
  w.uleb(results.length);
  for (const r of results) w.u8(r);
  return w.finish().slice();
}
