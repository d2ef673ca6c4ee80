// The module builder (lib/builder): modules built through the API are instantiated in V8 and
// their exports called. Covers relocations of every kind the builder takes, the function table,
// data pointers with addends, imports from custom host modules, redefinition, free and reuse,
// the name section, every memory option and its errors, and bad calls (BuilderError, builder
// still usable afterwards).

import { describe, expect, it } from 'vitest';
import { BuilderError, CodeWriter, DataWriter, ModuleBuilder, type FuncSig, type Reloc } from '../lib/index.js';
import { parseSections } from './support/toolchain.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Exports = Record<string, any>;

async function instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>> = {}): Promise<Exports> {
  const { instance } = await WA.instantiate(bytes, imports);
  return instance.exports;
}

const I32_I32: FuncSig = { params: ['i32'], results: ['i32'] };
const VOID_I32: FuncSig = { params: [], results: ['i32'] };

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function contains(hay: Uint8Array, needle: string): boolean {
  return Buffer.from(hay).includes(Buffer.from(needle));
}

/** The name section: function, global and data-segment names. */
function names(bytes: Uint8Array): { functions: string[]; globals: string[]; segments: string[] } {
  const out = { functions: [] as string[], globals: [] as string[], segments: [] as string[] };
  const sec = parseSections(bytes).find((s) => s.id === 0 && s.name === 'name');
  if (!sec) return out;
  const p = sec.payload;
  let pos = 0;
  const uleb = () => {
    let r = 0;
    let m = 1;
    for (;;) {
      const b = p[pos++]!;
      r += (b & 0x7f) * m;
      if (!(b & 0x80)) return r;
      m *= 128;
    }
  };
  const str = () => {
    const n = uleb();
    const s = Buffer.from(p.subarray(pos, pos + n)).toString('utf8');
    pos += n;
    return s;
  };
  while (pos < p.length) {
    const id = p[pos++]!;
    const size = uleb();
    const end = pos + size;
    const list = id === 1 ? out.functions : id === 7 ? out.globals : id === 9 ? out.segments : null;
    if (list) {
      const n = uleb();
      for (let i = 0; i < n; i++) {
        expect(uleb()).toBe(i);
        list.push(str());
      }
    }
    pos = end;
  }
  return out;
}

function sectionCount(bytes: Uint8Array, id: number): number {
  const s = parseSections(bytes).find((x) => x.id === id);
  if (!s) return 0;
  return s.payload[0]!; // small counts only
}

/** A function returning `value` after touching `callees` (call + drop), data addresses and function pointers. */
function body(opts: { value: number; calls?: number[]; addrs?: [number, number][]; fptrs?: number[]; pad?: number }) {
  const c = new CodeWriter();
  for (const f of opts.calls ?? []) c.call(f).op(0x1a);
  for (const [d, a] of opts.addrs ?? []) c.addressOf(d, a).op(0x1a);
  for (const f of opts.fptrs ?? []) c.functionPointer(f).op(0x1a);
  for (let i = 0; i < (opts.pad ?? 0); i++) c.op(0x01);
  c.i32Const(opts.value);
  return c.end();
}

function define(b: ModuleBuilder, f: number, w: { body: Uint8Array; relocs: Reloc[] }) {
  b.defineFunction(f, w.body, w.relocs);
}

describe('module builder: linking through relocations', () => {
  it('calls through relocations, de-duplicated types, exports', async () => {
    const b = new ModuleBuilder();
    const sq = b.declareFunction('square', I32_I32);
    const inc = b.declareFunction('inc', I32_I32);
    const f = b.declareFunction('f', I32_I32);
    const k = b.declareFunction('k', VOID_I32);
    define(b, sq, new CodeWriter().localGet(0).localGet(0).op(0x6c).end());
    define(b, inc, new CodeWriter().localGet(0).i32Const(1).op(0x6a).end());
    // f(x) = inc(square(x)) + k()
    define(b, f, new CodeWriter().localGet(0).call(sq).call(inc).call(k).op(0x6a).end());
    define(b, k, new CodeWriter().i32Const(100).end());
    b.exportSymbol(f);
    b.exportSymbol(sq, 'sq');
    const wasm = b.flush();
    expect(WA.validate(wasm)).toBe(true);
    const e = await instantiate(wasm);
    expect(e.f(7)).toBe(150);
    expect(e.sq(9)).toBe(81);
    expect(Object.keys(e).sort()).toEqual(['f', 'memory', 'sq']);
    expect(sectionCount(wasm, 1)).toBe(2); // (i32)->i32 and ()->i32
    expect(b.symbolInfo(f).functionIndex).toBe(2);
  });

  it('function pointers get a table slot and an element entry; call_indirect through the table', async () => {
    const b = new ModuleBuilder({ exportTable: true });
    const dbl = b.declareFunction('dbl', I32_I32);
    const neg = b.declareFunction('neg', I32_I32);
    const apply = b.declareFunction('apply', { params: ['i32', 'i32'], results: ['i32'] });
    const getDbl = b.declareFunction('get_dbl', VOID_I32);
    const getNeg = b.declareFunction('get_neg', VOID_I32);
    const t = b.typeIndex(I32_I32);
    define(b, dbl, new CodeWriter().localGet(0).i32Const(2).op(0x6c).end());
    define(b, neg, new CodeWriter().i32Const(0).localGet(0).op(0x6b).end());
    define(b, apply, new CodeWriter().localGet(1).localGet(0).callIndirect(t, b.indirectFunctionTable).end());
    define(b, getDbl, new CodeWriter().functionPointer(dbl).end());
    define(b, getNeg, new CodeWriter().functionPointer(neg).end());
    for (const s of [apply, getDbl, getNeg]) b.exportSymbol(s);
    const e = await instantiate(b.flush());
    expect(e.get_dbl()).toBe(1);
    expect(e.get_neg()).toBe(2);
    expect(e.apply(e.get_dbl(), 21)).toBe(42);
    expect(e.apply(e.get_neg(), 5)).toBe(-5);
    expect(e.__indirect_function_table.length).toBe(3);
    expect(e.__indirect_function_table.get(0)).toBe(null);
    expect(b.symbolInfo(neg).tableIndex).toBe(2);
    expect(b.symbolInfo(apply).tableIndex).toBeUndefined();
  });

  it('function pointers in data (R_WASM_TABLE_INDEX_I32) and from imported functions', async () => {
    const b = new ModuleBuilder();
    const host = b.declareFunction('host_fn', I32_I32);
    b.importFunction(host);
    const local = b.declareFunction('local_fn', I32_I32);
    define(b, local, new CodeWriter().localGet(0).i32Const(3).op(0x6a).end());
    const vt = b.declareData('vtable', { align: 4 });
    const d = new DataWriter().functionPointer(host).functionPointer(local).finish();
    b.defineData(vt, d.bytes, d.relocs);
    const call = b.declareFunction('call_slot', { params: ['i32', 'i32'], results: ['i32'] });
    // call_slot(i, x) = vtable[i](x)
    define(
      b,
      call,
      new CodeWriter().localGet(1).localGet(0).i32Const(4).op(0x6c).addressOf(vt).op(0x6a).op(0x28, 2, 0).callIndirect(b.typeIndex(I32_I32), b.indirectFunctionTable).end(),
    );
    b.exportSymbol(call);
    const e = await instantiate(b.flush(), { env: { host_fn: (x: number) => x * 10 } });
    expect(e.call_slot(0, 4)).toBe(40);
    expect(e.call_slot(1, 4)).toBe(7);
  });

  it('pointers between data atoms with addends; data exported as an address global', async () => {
    const b = new ModuleBuilder();
    const str = b.declareData('str', { align: 1, section: '.rodata' });
    b.defineData(str, new DataWriter().string('hello, world').finish().bytes);
    const ptrs = b.declareData('ptrs', { align: 8 });
    const d = new DataWriter().pointer(str, 0).pointer(str, 7).pointer(str, -1).finish();
    b.defineData(ptrs, d.bytes, d.relocs);
    const getWorld = b.declareFunction('get_world', VOID_I32);
    define(b, getWorld, new CodeWriter().addressOf(str, 7).end());
    b.exportSymbol(ptrs);
    b.exportSymbol(str, 'greeting');
    b.exportSymbol(getWorld);
    const e = await instantiate(b.flush());
    const mem = new DataView(e.memory.buffer);
    const base = e.greeting.value;
    expect(e.ptrs.value % 8).toBe(0);
    expect(mem.getUint32(e.ptrs.value, true)).toBe(base);
    expect(mem.getUint32(e.ptrs.value + 4, true)).toBe(base + 7);
    expect(mem.getUint32(e.ptrs.value + 8, true)).toBe(base - 1);
    expect(e.get_world()).toBe(base + 7);
    const text = Buffer.from(new Uint8Array(e.memory.buffer, e.get_world(), 5)).toString();
    expect(text).toBe('world');
    expect(b.symbolInfo(str).address).toBe(base);
  });

  it('alignment padding between data atoms; segments by section; R_WASM_MEMORY_ADDR_LEB/I64 forms', async () => {
    const b = new ModuleBuilder();
    const a = b.declareData('a', { align: 1 });
    const c = b.declareData('c', { align: 16 });
    const r = b.declareData('r', { align: 4, section: '.rodata' });
    b.defineData(a, new Uint8Array([1, 2, 3]));
    b.defineData(c, new Uint8Array([9]));
    const d = new DataWriter().reloc('R_WASM_MEMORY_ADDR_I64', c, 2).finish();
    b.defineData(r, d.bytes, d.relocs);
    const load = b.declareFunction('load', VOID_I32);
    // i32.const 0; i32.load offset=<&c via R_WASM_MEMORY_ADDR_LEB>
    define(b, load, new CodeWriter().i32Const(0).op(0x2d, 0).reloc('R_WASM_MEMORY_ADDR_LEB', c).end());
    b.exportSymbol(load);
    const wasm = b.flush();
    const e = await instantiate(wasm);
    const ia = b.symbolInfo(a).address!;
    const ic = b.symbolInfo(c).address!;
    const ir = b.symbolInfo(r).address!;
    expect(ic % 16).toBe(0);
    expect(ir).toBeLessThan(ia); // .rodata before .data
    expect(e.load()).toBe(9);
    const mem = new DataView(e.memory.buffer);
    expect(mem.getBigUint64(ir, true)).toBe(BigInt(ic + 2));
    expect(names(wasm).segments).toEqual(['.rodata', '.data']);
  });

  it('imports of extern functions from the host module and custom modules', async () => {
    const b = new ModuleBuilder({ hostModule: 'myhost' });
    const a = b.declareFunction('a', I32_I32);
    const bb = b.declareFunction('b', I32_I32);
    const c = b.declareFunction('c', I32_I32);
    b.importFunction(a);
    b.importFunction(bb, { module: 'other' });
    b.importFunction(c, { module: 'other', name: 'renamed' });
    const all = b.declareFunction('all', I32_I32);
    define(b, all, new CodeWriter().localGet(0).call(a).call(bb).call(c).end());
    b.exportSymbol(all);
    const e = await instantiate(b.flush(), {
      myhost: { a: (x: number) => x + 1 },
      other: { b: (x: number) => x * 2, renamed: (x: number) => x - 3 },
    });
    expect(e.all(5)).toBe(9);
  });

  it('declareGlobal takes integers that fit (signed or unsigned) and refuses the rest', () => {
    const value = (type: 'i32' | 'i64' | 'f32' | 'f64', init: number | bigint) => {
      const b = new ModuleBuilder();
      b.exportSymbol(b.declareGlobal('g', { type, init }));
      return (new WebAssembly.Instance(new WebAssembly.Module(b.flush())).exports.g as WebAssembly.Global).value;
    };
    expect(value('i32', 0xffffffff)).toBe(-1);
    expect(value('i32', -(2 ** 31))).toBe(-(2 ** 31));
    expect(value('i64', 2n ** 64n - 1n)).toBe(-1n);
    expect(value('i64', 2 ** 60)).toBe(2n ** 60n);
    expect(value('f32', 1.5)).toBe(1.5);
    expect(Number.isNaN(value('f64', NaN))).toBe(true);
    const b = new ModuleBuilder();
    for (const [type, init] of [
      ['i32', 1.5],
      ['i32', NaN],
      ['i32', 2 ** 32],
      ['i32', -(2 ** 31) - 1],
      ['i64', 2n ** 64n],
      ['i64', -(2n ** 63n) - 1n],
      ['i64', 0.5],
      ['i64', Infinity],
    ] as const)
      expect(() => b.declareGlobal(`g_${type}_${String(init)}`, { type, init }), `${type} ${String(init)}`).toThrow(
        new BuilderError(`declareGlobal('g_${type}_${String(init)}'): init ${String(init)} is not an integer that fits ${type} (signed or unsigned)`),
      );
  });

  it('globals: __stack_pointer and user globals through R_WASM_GLOBAL_INDEX_LEB; exports of globals', async () => {
    const b = new ModuleBuilder({ stackSize: 4096 });
    const counter = b.declareGlobal('counter', { type: 'i32', mutable: true, init: 40 });
    const big = b.declareGlobal('big', { type: 'i64', init: 1n << 40n });
    const pi = b.declareGlobal('pi', { type: 'f64', init: 3.5 });
    const bump = b.declareFunction('bump', VOID_I32);
    define(b, bump, new CodeWriter().globalGet(counter).i32Const(1).op(0x6a).globalSet(counter).globalGet(counter).end());
    const sp = b.declareFunction('sp', VOID_I32);
    // Allocate 16 bytes of stack, return the new stack pointer, restore it.
    define(
      b,
      sp,
      new CodeWriter([[1, 'i32']])
        .globalGet(b.stackPointer)
        .i32Const(16)
        .op(0x6b)
        .localTee(0)
        .globalSet(b.stackPointer)
        .localGet(0)
        .i32Const(16)
        .op(0x6a)
        .globalSet(b.stackPointer)
        .localGet(0)
        .end(),
    );
    b.exportSymbol(bump);
    b.exportSymbol(sp);
    b.exportSymbol(counter);
    b.exportSymbol(big);
    b.exportSymbol(pi);
    b.exportSymbol(b.stackPointer, '__stack_pointer');
    const wasm = b.flush();
    const e = await instantiate(wasm);
    expect(e.bump()).toBe(41);
    expect(e.counter.value).toBe(41);
    expect(e.big.value).toBe(1n << 40n);
    expect(e.pi.value).toBe(3.5);
    expect(e.sp()).toBe(4096 - 16);
    expect(e.__stack_pointer.value).toBe(4096);
    expect(names(wasm).globals).toEqual(['__stack_pointer', 'counter', 'big', 'pi']);
  });

  it('__heap_base and __data_end as data symbols', async () => {
    const b = new ModuleBuilder({ globalBase: 1024, stackSize: 1024 });
    const d = b.declareData('d', { align: 4 });
    b.defineData(d, new Uint8Array(10));
    const hb = b.declareFunction('hb', VOID_I32);
    const de = b.declareFunction('de', VOID_I32);
    define(b, hb, new CodeWriter().addressOf(b.heapBase).end());
    define(b, de, new CodeWriter().addressOf(b.dataEnd).end());
    b.exportSymbol(hb);
    b.exportSymbol(de);
    const e = await instantiate(b.flush());
    expect(e.de()).toBe(1034);
    expect(e.hb()).toBe(1040 + 1024);
    expect(b.memoryLayout()).toMatchObject({ dataStart: 1024, dataEnd: 1034, stackLow: 1040, stackHigh: 2064, stackPointer: 2064, heapBase: 2064, initialPages: 1 });
  });

  it('name section: function, global and data-segment names', () => {
    const b = new ModuleBuilder();
    const imp = b.declareFunction('imported_one', VOID_I32);
    b.importFunction(imp, { module: 'm', name: 'x' });
    const f = b.declareFunction('first', VOID_I32);
    const g = b.declareFunction('second', VOID_I32);
    define(b, f, body({ value: 1 }));
    define(b, g, body({ value: 2 }));
    const d = b.declareData('exported_data', { align: 4 });
    b.defineData(d, new Uint8Array(4));
    b.exportSymbol(d);
    b.declareGlobal('gl', { type: 'i32' });
    const bss = b.declareData('zeros', { section: '.bss' });
    b.defineData(bss, new Uint8Array(8));
    const wasm = b.flush();
    expect(names(wasm)).toEqual({
      functions: ['imported_one', 'first', 'second'],
      globals: ['__stack_pointer', 'gl', 'exported_data'],
      segments: ['.data'], // .bss is not written when the memory is not imported
    });
  });
});

describe('module builder: updates', () => {
  it('redefinition then re-flush (same size, resized, new relocations), equal to a fresh builder', async () => {
    const build = (v: number, pad: number) => {
      const b = new ModuleBuilder();
      const g = b.declareFunction('g', VOID_I32);
      const f = b.declareFunction('f', VOID_I32);
      define(b, g, body({ value: 5 }));
      define(b, f, body({ value: v, calls: [g], pad }));
      b.exportSymbol(f);
      return { b, f, g };
    };
    const { b, f, g } = build(1, 0);
    expect((await instantiate(b.flush())).f()).toBe(1);
    define(b, f, body({ value: 2, calls: [g] }));
    const same = b.flush();
    expect(b.lastFlushKind).toBe('incremental');
    expect((await instantiate(same)).f()).toBe(2);
    expect(same).toEqual(build(2, 0).b.flush());
    define(b, f, body({ value: 3, calls: [g], pad: 300 }));
    const grown = b.flush();
    expect(b.lastFlushKind).toBe('incremental');
    expect((await instantiate(grown)).f()).toBe(3);
    expect(grown).toEqual(build(3, 300).b.flush());
    // A first function pointer changes the structure (table, element section): full flush.
    define(b, f, body({ value: 4, fptrs: [g] }));
    const withTable = b.flush();
    expect(b.lastFlushKind).toBe('full');
    expect((await instantiate(withTable)).f()).toBe(4);
    expect(b.flush()).toEqual(withTable);
    expect(b.lastFlushKind).toBe('unchanged');
  });

  it('redefining data of the same size patches it; a new size moves what follows', async () => {
    const b = new ModuleBuilder();
    const x = b.declareData('x', { align: 4 });
    const y = b.declareData('y', { align: 4 });
    b.defineData(x, new Uint8Array([1, 0, 0, 0]));
    b.defineData(y, new Uint8Array([2, 0, 0, 0]));
    const gy = b.declareFunction('gy', VOID_I32);
    define(b, gy, new CodeWriter().addressOf(y).op(0x28, 2, 0).end());
    b.exportSymbol(gy);
    expect((await instantiate(b.flush())).gy()).toBe(2);
    b.defineData(y, new Uint8Array([7, 0, 0, 0]));
    expect((await instantiate(b.flush())).gy()).toBe(7);
    expect(b.lastFlushKind).toBe('incremental');
    const before = b.symbolInfo(y).address!;
    b.defineData(x, new Uint8Array(12));
    expect((await instantiate(b.flush())).gy()).toBe(7);
    expect(b.lastFlushKind).toBe('full');
    expect(b.symbolInfo(y).address).toBe(before + 8);
  });

  it('free then reuse: ids come back from the free list; freed symbols leave no trace', async () => {
    const b = new ModuleBuilder();
    const keep = b.declareFunction('keep', VOID_I32);
    const gone = b.declareFunction('gone_function', VOID_I32);
    const gd = b.declareData('gone_data', { align: 4 });
    define(b, keep, body({ value: 1 }));
    define(b, gone, body({ value: 2, addrs: [[gd, 0]] }));
    b.defineData(gd, new Uint8Array([0xab, 0xcd]));
    const local = b.addLocalData(gone, new DataWriter().string('local_string_gone').finish().bytes);
    b.exportSymbol(gone, 'gone_export');
    b.exportSymbol(gd);
    b.exportSymbol(keep);
    const first = b.flush();
    expect(contains(first, 'gone_function')).toBe(true);
    expect(contains(first, 'local_string_gone')).toBe(true);
    b.free(gone); // takes its local data with it
    b.free(gd);
    expect(b.isLive(local)).toBe(false);
    const after = b.flush();
    for (const s of ['gone_function', 'gone_export', 'gone_data', 'local_string_gone']) expect(contains(after, s)).toBe(false);
    expect(Object.keys(await instantiate(after)).sort()).toEqual(['keep', 'memory']);
    // The same bytes as a builder that never had them.
    const fresh = new ModuleBuilder();
    const k2 = fresh.declareFunction('keep', VOID_I32);
    define(fresh, k2, body({ value: 1 }));
    fresh.exportSymbol(k2);
    expect(after).toEqual(fresh.flush());
    // Reuse: most recently freed first.
    const ids = [b.declareFunction('n1', VOID_I32), b.declareFunction('n2', VOID_I32), b.declareFunction('n3', VOID_I32)];
    expect(ids.sort()).toEqual([gone, gd, local].sort());
    for (const [i, id] of ids.entries()) define(b, id, body({ value: 10 + i }));
    const n1 = b.lookup('n1')!;
    b.exportSymbol(n1);
    expect((await instantiate(b.flush())).n1()).toBe(10 + ids.indexOf(n1));
  });

  it('a freed symbol still referenced is an error at flush until its references go', () => {
    const b = new ModuleBuilder();
    const g = b.declareFunction('g', VOID_I32);
    const f = b.declareFunction('f', VOID_I32);
    define(b, g, body({ value: 1 }));
    define(b, f, body({ value: 2, calls: [g] }));
    b.exportSymbol(f);
    const good = b.flush();
    b.free(g);
    expect(() => b.flush()).toThrow(/symbol \d+ \('g'\) was freed but function 'f' \(id \d+\) still refers to it/);
    const other = b.declareFunction('other', VOID_I32); // g's id is not reused while referenced
    expect(other).not.toBe(g);
    b.free(other);
    define(b, f, body({ value: 2 }));
    const fixed = b.flush();
    expect(fixed).not.toEqual(good);
    expect(b.declareFunction('reuses_g', VOID_I32)).toBe(g);
  });

  it('local data lives and dies with its owner; owners may be data', async () => {
    const b = new ModuleBuilder();
    const owner = b.declareData('owner', { align: 4 });
    const l1 = b.addLocalData(owner, new DataWriter().string('one').finish().bytes);
    const l2 = b.addLocalData(owner, new DataWriter().string('two').finish().bytes, { align: 8, section: '.data' });
    const d = new DataWriter().pointer(l1).pointer(l2).finish();
    b.defineData(owner, d.bytes, d.relocs);
    b.exportSymbol(owner);
    const e = await instantiate(b.flush());
    const mem = new DataView(e.memory.buffer);
    const p1 = mem.getUint32(e.owner.value, true);
    const p2 = mem.getUint32(e.owner.value + 4, true);
    expect(p2 % 8).toBe(0);
    expect(Buffer.from(new Uint8Array(e.memory.buffer, p1, 3)).toString()).toBe('one');
    expect(Buffer.from(new Uint8Array(e.memory.buffer, p2, 3)).toString()).toBe('two');
    expect(b.symbolInfo(l1).owner).toBe(owner);
    b.free(owner);
    expect(b.isLive(l1) || b.isLive(l2)).toBe(false);
    expect(contains(b.flush(), 'one')).toBe(false);
  });
});

describe('module builder: types and buffers', () => {
  it('types used only by call_indirect come after the signatures, and go when unused', async () => {
    const b = new ModuleBuilder();
    const f = b.declareFunction('f', VOID_I32);
    const tF64 = b.typeIndex({ params: ['f64'], results: ['f64'] });
    const tI64 = b.typeIndex({ params: ['i64'], results: [] });
    // if (0) { call_indirect (f64)->f64 ... ; call_indirect (i64)->() } — valid, never run.
    const withInd = new CodeWriter()
      .i32Const(0).op(0x04, 0x40)
      .op(0x44, 0, 0, 0, 0, 0, 0, 0, 0).i32Const(0).callIndirect(tF64, b.indirectFunctionTable).op(0x1a)
      .op(0x42, 0).i32Const(0).callIndirect(tI64, b.indirectFunctionTable)
      .op(0x0b).i32Const(1).end();
    define(b, f, withInd);
    b.exportSymbol(f);
    const wasm = b.flush();
    expect(WA.validate(wasm)).toBe(true);
    expect((await instantiate(wasm)).f()).toBe(1);
    const types = parseSections(wasm).find((x) => x.id === 1)!.payload;
    // ()->i32 first (the function), then by signature: "f64:f64" < "i64:".
    expect([...types]).toEqual([3, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7c, 1, 0x7c, 0x60, 1, 0x7e, 0]);
    define(b, f, body({ value: 1 }));
    const plain = b.flush();
    expect(sectionCount(plain, 1)).toBe(1);
    expect(sectionCount(plain, 4)).toBe(0); // no table either
    define(b, f, withInd);
    expect(b.flush()).toEqual(wasm);
  });

  it('flush() returns a new buffer each time: changing one does not change the next', () => {
    const b = new ModuleBuilder();
    const f = b.declareFunction('f', VOID_I32);
    define(b, f, body({ value: 1 }));
    const a = b.flush();
    const keep = a.slice();
    a.fill(0);
    expect(b.flush()).toEqual(keep);
    define(b, f, body({ value: 2 }));
    const c = b.flush();
    c.fill(0xff);
    define(b, f, body({ value: 3 }));
    const d = b.flush();
    const fresh = new ModuleBuilder();
    define(fresh, fresh.declareFunction('f', VOID_I32), body({ value: 3 }));
    expect(d).toEqual(fresh.flush());
  });
});

describe('module builder: memory', () => {
  const dataModule = (opts: ConstructorParameters<typeof ModuleBuilder>[0], size = 100) => {
    const b = new ModuleBuilder(opts);
    const d = b.declareData('d', { align: 4 });
    b.defineData(d, new Uint8Array(size).fill(7));
    const addr = b.declareFunction('addr', VOID_I32);
    define(b, addr, new CodeWriter().addressOf(d).end());
    b.exportSymbol(addr);
    return b;
  };

  it('stack first by default, 16-byte aligned, __stack_pointer at the stack top', async () => {
    const b = dataModule({});
    const e = await instantiate(b.flush());
    expect(b.memoryLayout()).toEqual({ stackPointer: 65536, stackLow: 0, stackHigh: 65536, dataStart: 65536, dataEnd: 65636, heapBase: 65648, initialPages: 2 });
    expect(e.addr()).toBe(65536);
    expect(e.memory.buffer.byteLength).toBe(2 * 65536);
  });

  it('globalBase: data from there, then the stack', async () => {
    const b = dataModule({ globalBase: 1000, stackSize: 4096 });
    const e = await instantiate(b.flush());
    expect(e.addr()).toBe(1000);
    expect(b.memoryLayout()).toMatchObject({ dataStart: 1000, dataEnd: 1100, stackLow: 1104, stackPointer: 1104 + 4096, heapBase: 5200, initialPages: 1 });
  });

  it('stackSize sets the stack; it must be a multiple of 16', () => {
    const b = dataModule({ stackSize: 128 * 1024 });
    b.flush();
    expect(b.memoryLayout()).toMatchObject({ stackPointer: 131072, dataStart: 131072, initialPages: 3 });
    expect(() => new ModuleBuilder({ stackSize: 1000 })).toThrow(new BuilderError('stackSize must be a non-negative multiple of 16 (the stack alignment), got 1000'));
  });

  it('initialMemory and maxMemory set the limits', async () => {
    const b = dataModule({ initialMemory: 4 * 65536, maxMemory: 10 * 65536 });
    const e = await instantiate(b.flush());
    expect(e.memory.buffer.byteLength).toBe(4 * 65536);
    expect(e.memory.grow(6)).toBe(4);
    expect(() => e.memory.grow(1)).toThrow();
    expect(b.memoryLayout()).toMatchObject({ initialPages: 4, maxPages: 10 });
  });

  it('memory errors: alignment, too small (with the bytes needed), the 4 GiB limit', () => {
    const err = (o: ConstructorParameters<typeof ModuleBuilder>[0]) => {
      try {
        dataModule(o).flush();
      } catch (e) {
        expect(e).toBeInstanceOf(BuilderError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err({ initialMemory: 100000 })).toBe('initialMemory must be 65536-byte aligned (a whole number of pages), got 100000');
    expect(err({ maxMemory: 65537 })).toBe('maxMemory must be 65536-byte aligned (a whole number of pages), got 65537');
    expect(err({ initialMemory: 65536 })).toBe('initial memory too small: 65536 bytes given, the module needs 65648 bytes');
    expect(err({ maxMemory: 65536 })).toBe('maximum memory too small: 65536 bytes given, the module needs 131072 bytes');
    expect(err({ initialMemory: 2 ** 32 + 65536 })).toBe('initialMemory 4295032832 is above the 4 GiB limit of wasm32 (4294967296 bytes)');
    expect(err({ maxMemory: 2 ** 33 })).toBe('maxMemory 8589934592 is above the 4 GiB limit of wasm32 (4294967296 bytes)');
    expect(err({ initialMemory: 4 * 65536, maxMemory: 2 * 65536 })).toBe('maxMemory (131072) is below initialMemory (262144)');
    // 2^32 - 16 + 100 bytes of data, aligned to 16, + 64 bytes of stack.
    expect(err({ globalBase: 2 ** 32 - 16, stackSize: 64 })).toBe('the module needs 4294967456 bytes of memory, above the 4 GiB limit of wasm32 (4294967296 bytes)');
    // 4 GiB itself is allowed.
    expect(err({ maxMemory: 2 ** 32 })).toBe('no error');
  });

  it('importMemory: the host memory receives the data; exportMemory re-exports it', async () => {
    const b = dataModule({ importMemory: true, hostModule: 'h', initialMemory: 2 * 65536, maxMemory: 4 * 65536 });
    const wasm = b.flush();
    const memory = new WA.Memory({ initial: 2, maximum: 4 });
    const e = await instantiate(wasm, { h: { memory } });
    expect(new Uint8Array(memory.buffer)[e.addr()]).toBe(7);
    expect(e.memory).toBeUndefined();
    const b2 = dataModule({ importMemory: true, exportMemory: true });
    const m2 = new WA.Memory({ initial: 2 });
    const e2 = await instantiate(b2.flush(), { env: { memory: m2 } });
    expect(e2.memory).toBe(m2);
  });

  it('.bss atoms take memory but are only written when the memory is imported', async () => {
    const make = (importMemory: boolean) => {
      const b = new ModuleBuilder({ importMemory });
      const z = b.declareData('z', { section: '.bss', align: 16 });
      b.defineData(z, new Uint8Array(1000));
      const d = b.declareData('d');
      b.defineData(d, new Uint8Array([5]));
      const f = b.declareFunction('zaddr', VOID_I32);
      define(b, f, new CodeWriter().addressOf(z).end());
      b.exportSymbol(f);
      return b.flush();
    };
    const own = make(false);
    const imported = make(true);
    expect(names(own).segments).toEqual(['.data']);
    expect(names(imported).segments).toEqual(['.data', '.bss']);
    expect(imported.length - own.length).toBeGreaterThan(1000);
    const memory = new WA.Memory({ initial: 2 });
    new Uint8Array(memory.buffer).fill(0xff);
    const e = await instantiate(imported, { env: { memory } });
    expect(new Uint8Array(memory.buffer, e.zaddr(), 1000).every((v) => v === 0)).toBe(true);
  });

  it('importTable / exportTable', async () => {
    const make = (opts: ConstructorParameters<typeof ModuleBuilder>[0]) => {
      const b = new ModuleBuilder(opts);
      const f = b.declareFunction('target', VOID_I32);
      define(b, f, body({ value: 77 }));
      const g = b.declareFunction('ptr', VOID_I32);
      define(b, g, new CodeWriter().functionPointer(f).end());
      b.exportSymbol(g);
      return b.flush();
    };
    const table = new WA.Table({ element: 'anyfunc', initial: 2 });
    const e = await instantiate(make({ importTable: true }), { env: { __indirect_function_table: table } });
    expect(table.get(e.ptr())()).toBe(77);
    const e2 = await instantiate(make({ exportTable: true }));
    expect(e2.__indirect_function_table.get(e2.ptr())()).toBe(77);
    const e3 = await instantiate(make({}));
    expect(e3.__indirect_function_table).toBeUndefined();
  });

  it('memory64: 64-bit limits, stack pointer and addresses', async () => {
    const b = new ModuleBuilder({ memory64: true, globalBase: 256, stackSize: 1024 });
    const d = b.declareData('d', { align: 8 });
    b.defineData(d, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const p = b.declareData('p', { align: 8 });
    const pw = new DataWriter().pointer(d, 4, true).finish();
    b.defineData(p, pw.bytes, pw.relocs);
    const f = b.declareFunction('addr', { params: [], results: ['i64'] });
    define(b, f, new CodeWriter().addressOf(d, 2, true).end());
    b.exportSymbol(f);
    b.exportSymbol(p);
    const wasm = b.flush();
    const mem = parseSections(wasm).find((s) => s.id === 5)!;
    expect(mem.payload[1]! & 0x04).toBe(0x04);
    const glob = parseSections(wasm).find((s) => s.id === 6)!;
    expect(glob.payload[1]).toBe(0x7e); // __stack_pointer is i64
    expect(b.memoryLayout()).toMatchObject({ dataStart: 256, stackPointer: 272 + 1024 });
    expect(() => new ModuleBuilder({ memory64: true, initialMemory: 2 ** 35 })).toThrow(/above the 16 GiB limit of memory64/);
    expect(new ModuleBuilder({ memory64: true, maxMemory: 2 ** 33 })).toBeTruthy();
    let supported = false;
    try {
      supported = WA.validate(wasm);
    } catch {
      supported = false;
    }
    if (!supported) return; // this V8 has no memory64 without a flag
    const e = await instantiate(wasm);
    expect(e.addr()).toBe(258n);
    expect(new DataView(e.memory.buffer).getBigUint64(Number(e.p.value), true)).toBe(260n);
  });
});

describe('module builder: bad calls', () => {
  /** A working module, a bad call that must throw `message`, then the module still flushes the same. */
  function expectUsable(run: (b: ModuleBuilder, ids: { f: number; g: number; d: number }) => void, message: string | RegExp) {
    const b = new ModuleBuilder();
    const f = b.declareFunction('f', VOID_I32);
    const g = b.declareFunction('g', VOID_I32);
    const d = b.declareData('d', { align: 4 });
    define(b, f, body({ value: 1, calls: [g], addrs: [[d, 0]] }));
    define(b, g, body({ value: 2 }));
    b.defineData(d, new Uint8Array(8));
    b.exportSymbol(f);
    const before = b.flush();
    let thrown: unknown;
    try {
      run(b, { f, g, d });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BuilderError);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
    expect(same(b.flush(), before)).toBe(true);
    expect(WA.validate(b.flush())).toBe(true);
  }

  it('unknown symbol ids', () => {
    expectUsable((b) => b.defineFunction(999, new Uint8Array([0, 0x0b])), 'defineFunction: unknown symbol id 999');
    expectUsable((b) => b.exportSymbol(-1), 'exportSymbol: unknown symbol id -1');
    expectUsable((b) => b.free(1.5), 'free: unknown symbol id 1.5');
  });

  it('defining an import', () => {
    expectUsable((b) => {
      const h = b.declareFunction('h', VOID_I32);
      b.importFunction(h);
      try {
        b.defineFunction(h, new Uint8Array([0, 0x41, 0, 0x0b]));
      } finally {
        b.free(h);
      }
    }, /defineFunction: function 'h' \(id \d+\) is imported; an import has no body/);
    expectUsable((b, { g }) => b.importFunction(g), /importFunction: function 'g' \(id \d+\) is defined \(it has a body\)/);
  });

  it('a relocation past the body, unpadded LEB sites, overlapping relocations', () => {
    expectUsable(
      (b, { f, g }) => b.defineFunction(f, new Uint8Array([0, 0x10, 0x80, 0x80, 0x0b]), [{ type: 'R_WASM_FUNCTION_INDEX_LEB', offset: 2, symbol: g }]),
      "defineFunction: relocation 0 of function 'f' (id 4): R_WASM_FUNCTION_INDEX_LEB at offset 2 needs 5 bytes, past the end of the 5-byte body",
    );
    expectUsable(
      (b, { f, g }) => b.defineFunction(f, new Uint8Array([0, 0x10, 0x00, 0, 0, 0, 0, 0x1a, 0x41, 0, 0x0b]), [{ type: 'R_WASM_FUNCTION_INDEX_LEB', offset: 2, symbol: g }]),
      "defineFunction: relocation 0 of function 'f' (id 4): R_WASM_FUNCTION_INDEX_LEB at offset 2 must be a LEB padded to 5 bytes (byte 0 has no continuation bit)",
    );
    expectUsable(
      (b, { d, g }) =>
        b.defineData(d, new Uint8Array(8), [
          { type: 'R_WASM_TABLE_INDEX_I32', offset: 0, symbol: g },
          { type: 'R_WASM_TABLE_INDEX_I32', offset: 2, symbol: g },
        ]),
      "defineData: relocations of data 'd' (id 6) at offsets 0 and 2 overlap",
    );
    expectUsable((b, { d, g }) => b.defineData(d, new Uint8Array(8), [{ type: 'R_WASM_TABLE_INDEX_I32', offset: -4, symbol: g }]), /bad offset -4/);
  });

  it('a data symbol where a function is needed (and other kind mismatches)', () => {
    expectUsable(
      (b, { d }) => b.defineData(d, new Uint8Array(4), [{ type: 'R_WASM_TABLE_INDEX_I32', offset: 0, symbol: d }]),
      "defineData: relocation 0 of data 'd' (id 6): R_WASM_TABLE_INDEX_I32 needs a function symbol, but data 'd' (id 6) is not one",
    );
    expectUsable((b, { d }) => b.defineFunction(d, new Uint8Array([0, 0x0b])), "defineFunction needs a function symbol, but data 'd' (id 6) is not one");
    expectUsable((b, { d }) => b.importFunction(d), "importFunction needs a function symbol, but data 'd' (id 6) is not one");
    expectUsable((b, { f }) => b.defineData(f, new Uint8Array(4)), "defineData needs a data symbol, but function 'f' (id 4) is not one");
    expectUsable(
      (b, { d, g }) => b.defineData(d, new Uint8Array(4), [{ type: 'R_WASM_MEMORY_ADDR_I32', offset: 0, symbol: g }]),
      /R_WASM_MEMORY_ADDR_I32 needs a data symbol, but function 'g' \(id 5\) is not one/,
    );
    expectUsable(
      (b, { f, g }) => b.defineFunction(f, new CodeWriter().globalGet(g).op(0x1a).i32Const(0).end().body, [{ type: 'R_WASM_GLOBAL_INDEX_LEB', offset: 2, symbol: g }]),
      /R_WASM_GLOBAL_INDEX_LEB needs a global symbol, but function 'g' \(id 5\) is not one/,
    );
  });

  it('use after free', () => {
    expectUsable((b) => {
      const h = b.declareFunction('h', VOID_I32);
      b.free(h);
      b.defineFunction(h, new Uint8Array([0, 0x41, 0, 0x0b]));
    }, /defineFunction: symbol \d+ \('h'\) has been freed \(use after free\)/);
    expectUsable((b, { f }) => {
      const h = b.declareFunction('h', VOID_I32);
      b.free(h);
      const w = body({ value: 0, calls: [h] });
      b.defineFunction(f, w.body, w.relocs);
    }, /relocation 0 of function 'f' \(id 4\): symbol \d+ \('h'\) has been freed \(use after free\)/);
    expectUsable((b) => {
      const h = b.declareFunction('h', VOID_I32);
      b.free(h);
      b.free(h);
    }, /free: symbol \d+ \('h'\) has been freed/);
  });

  it('bad relocation types, addends, bodies, names, exports', () => {
    expectUsable((b, { f }) => b.defineFunction(f, new Uint8Array([0, 0x0b]), [{ type: 'R_WASM_BOGUS' as never, offset: 0, symbol: 0 }]), /unknown relocation type "R_WASM_BOGUS"/);
    expectUsable(
      (b, { f }) => b.defineFunction(f, new Uint8Array([0, 0, 0, 0, 0, 0x0b]), [{ type: 'R_WASM_FUNCTION_OFFSET_I32' as never, offset: 1, symbol: f }]),
      /R_WASM_FUNCTION_OFFSET_I32 is not supported by the module builder/,
    );
    expectUsable((b, { f, g }) => b.defineFunction(f, body({ value: 0, calls: [g] }).body, [{ type: 'R_WASM_FUNCTION_INDEX_LEB', offset: 2, symbol: g, addend: 4 }]), /R_WASM_FUNCTION_INDEX_LEB takes no addend/);
    expectUsable((b, { f }) => b.defineFunction(f, new Uint8Array([0x41, 0])), /must hold its locals and end with the end opcode \(0x0b\)/);
    expectUsable((b) => b.declareFunction('f', VOID_I32), "declareFunction: 'f' is already declared (function 'f' (id 4))");
    expectUsable((b) => b.declareFunction('x', { params: ['i8' as never], results: [] }), 'declareFunction(\'x\'): invalid parameter type "i8"');
    expectUsable((b, { g }) => b.exportSymbol(g, 'f'), "exportSymbol: export name 'f' is already used by function 'f' (id 4)");
    expectUsable((b, { g }) => b.exportSymbol(g, 'memory'), "exportSymbol: export name 'memory' is used by the memory");
    expectUsable((b) => b.unexport('nope'), "unexport: no export named 'nope'");
    expectUsable((b) => b.declareData('x', { align: 3 }), "declareData('x'): align must be a power of two between 1 and 65536, got 3");
    expectUsable((b) => {
      const z = b.declareData('z', { section: '.bss' });
      try {
        b.defineData(z, new Uint8Array([0, 1]));
      } finally {
        b.free(z);
      }
    }, /is in \.bss, so its bytes must be all zeros \(byte 1 is 1\)/);
    expectUsable((b, { f }) => b.defineFunction(f, new Uint8Array([0, 0x80, 0x80, 0x80, 0x80, 0, 0x0b]), [{ type: 'R_WASM_TYPE_INDEX_LEB', offset: 1, symbol: 99 }]), /unknown type id 99 \(get one from typeIndex\(\)\)/);
    expectUsable((b) => b.free(b.stackPointer), "free: global '__stack_pointer' (id 0) is defined by the linker and cannot be freed");
  });

  it('unlinkable states are errors at flush', () => {
    const b = new ModuleBuilder();
    const f = b.declareFunction('lonely', VOID_I32);
    expect(() => b.flush()).toThrow(/function 'lonely' \(id 4\) is declared but neither defined nor imported/);
    define(b, f, body({ value: 1 }));
    const d = b.declareData('nodata');
    expect(() => b.flush()).toThrow(/data 'nodata' \(id 5\) is declared but not defined/);
    b.defineData(d, new Uint8Array(1));
    expect(WA.validate(b.flush())).toBe(true);
  });
});
