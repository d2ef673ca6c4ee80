// How wasm-ld spells symbols, signatures and types in messages and in the name section.

import type { FuncType, GlobalType, TableType } from '../input/object.js';
import * as W from '../input/wasm.js';
import { demangle } from '../util/demangle.js';

/** lld maybeDemangleSymbol: `__main_argc_argv` reads as `main`; others demangle unless --no-demangle. */
export function demangleName(ctx: { config: { demangle: boolean } }, name: string): string {
  if (name === '__main_argc_argv') return 'main';
  return ctx.config.demangle ? demangle(name) : name;
}

export function valTypeName(t: number): string {
  switch (t) {
    case W.TYPE_I32:
      return 'i32';
    case W.TYPE_I64:
      return 'i64';
    case W.TYPE_F32:
      return 'f32';
    case W.TYPE_F64:
      return 'f64';
    case W.TYPE_V128:
      return 'v128';
    case W.TYPE_FUNCREF:
      return 'funcref';
    case W.TYPE_EXTERNREF:
      return 'externref';
    case W.TYPE_EXNREF:
      return 'exnref';
    default:
      return 'unknown';
  }
}

/** "(i32, i32) -> i32", "() -> void". */
export function sigToString(sig: FuncType | null): string {
  if (!sig) return '(none)';
  return `(${sig.params.map(valTypeName).join(', ')}) -> ${sig.results.length ? valTypeName(sig.results[0]) : 'void'}`;
}

export function globalTypeToString(t: GlobalType | null): string {
  if (!t) return 'none';
  return (t.mutable ? 'var ' : 'const ') + valTypeName(t.valType);
}

export function tableTypeToString(t: TableType | null): string {
  if (!t) return 'none';
  const l = t.limits;
  const lim = l.flags & W.LIMITS_HAS_MAX ? `{min=${l.min}, max=${l.max}}` : `{min=${l.min}}`;
  return `type: ${valTypeName(t.elemType)}, limits: ${lim}`;
}

export const SYMBOL_KIND_NAMES = [
  'WASM_SYMBOL_TYPE_FUNCTION',
  'WASM_SYMBOL_TYPE_DATA',
  'WASM_SYMBOL_TYPE_GLOBAL',
  'WASM_SYMBOL_TYPE_SECTION',
  'WASM_SYMBOL_TYPE_TAG',
  'WASM_SYMBOL_TYPE_TABLE',
];
