// Growing typed arrays (tables counted in thousands are typed arrays, not object lists).

type Typed = Uint8Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `a` with room for `length` elements (the new ones zero). */
export function grown<T extends Typed>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  (b as Uint8Array).set(a as Uint8Array);
  return b;
}
