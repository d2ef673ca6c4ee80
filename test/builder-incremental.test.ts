// The module builder's incremental flush: randomized sequences of operations (declare, define,
// redefine at the same and at a new size, free — with and without references left — reuse of
// freed ids, local data, imports, exports, function pointers, call_indirect), flushing now and
// then; every flush must equal, byte for byte, a from-scratch flush of a fresh builder that
// replays the final state (same symbol ids: placeholders are freed in the right order so the
// free list hands the ids out again).

import { describe, expect, it } from 'vitest';
import { CodeWriter, DataWriter, ModuleBuilder, type FuncSig, type ModuleBuilderOptions } from '../lib/index.js';
import { sectionDiff } from './support/toolchain.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;

const SIGS: FuncSig[] = [
  { params: [], results: ['i32'] },
  { params: ['i32'], results: ['i32'] },
];

interface FuncSpec {
  value: number;
  calls: number[];
  indirect: number[];
  addrs: [number, number][];
  fptrs: number[];
  pad: number;
}

interface DataSpec {
  size: number;
  fill: number;
  ptrs: [number, number, number][]; // [offset, data, addend]
  fptrs: [number, number][]; // [offset, function]
}

interface Sym {
  id: number;
  kind: 'func' | 'data';
  name: string;
  sig: number;
  align: number;
  section: string;
  owner?: number;
  imported?: { module?: string; name?: string };
  func?: FuncSpec;
  data?: DataSpec;
  exports: string[];
}

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(next() * xs.length)] : undefined),
    chance: (p: number) => next() < p,
  };
}

class Model {
  syms = new Map<number, Sym>();
  maxId = 4;
  counter = 0;

  add(s: Sym) {
    this.syms.set(s.id, s);
    this.maxId = Math.max(this.maxId, s.id + 1);
  }
  live(kind?: 'func' | 'data'): Sym[] {
    return [...this.syms.values()].filter((s) => !kind || s.kind === kind);
  }
  refs(s: Sym): number[] {
    if (s.func) return [...s.func.calls, ...s.func.indirect, ...s.func.addrs.map((a) => a[0]), ...s.func.fptrs];
    if (s.data) return [...s.data.ptrs.map((p) => p[1]), ...s.data.fptrs.map((p) => p[1])];
    return [];
  }
}

function funcBody(b: ModuleBuilder, m: Model, spec: FuncSpec) {
  const c = new CodeWriter([[1, 'i32']]);
  for (const f of spec.calls) {
    if (m.syms.get(f)!.sig === 1) c.i32Const(1);
    c.call(f).op(0x1a);
  }
  for (const f of spec.indirect) {
    const sig = m.syms.get(f)!.sig;
    if (sig === 1) c.i32Const(2);
    c.functionPointer(f).callIndirect(b.typeIndex(SIGS[sig]!), b.indirectFunctionTable).op(0x1a);
  }
  for (const [d, addend] of spec.addrs) c.addressOf(d, addend).op(0x1a);
  for (const f of spec.fptrs) c.functionPointer(f).op(0x1a);
  for (let i = 0; i < spec.pad; i++) c.op(0x01);
  c.i32Const(spec.value);
  return c.end();
}

function dataBytes(spec: DataSpec) {
  const w = new DataWriter();
  const at = new Map<number, () => void>();
  for (const [off, d, addend] of spec.ptrs) at.set(off, () => w.pointer(d, addend));
  for (const [off, f] of spec.fptrs) at.set(off, () => w.functionPointer(f));
  for (let off = 0; off < spec.size; ) {
    const f = at.get(off);
    if (f) {
      f();
      off += 4;
    } else {
      w.u8(spec.fill ? (spec.fill + off) & 0xff : 0);
      off++;
    }
  }
  return w.finish();
}

function define(b: ModuleBuilder, m: Model, s: Sym) {
  if (s.imported) b.importFunction(s.id, s.imported);
  else if (s.func) {
    const { body, relocs } = funcBody(b, m, s.func);
    b.defineFunction(s.id, body, relocs);
  } else if (s.data) {
    const { bytes, relocs } = dataBytes(s.data);
    b.defineData(s.id, bytes, relocs);
  }
}

/** A fresh builder in the model's state, with the same symbol ids. */
function replay(m: Model, opts: ModuleBuilderOptions): ModuleBuilder {
  const b = new ModuleBuilder(opts);
  for (let id = 4; id < m.maxId; id++) expect(b.declareData(`__placeholder_${id}`)).toBe(id);
  const byId = (a: Sym, c: Sym) => a.id - c.id;
  const order = [...m.live().filter((s) => s.owner === undefined).sort(byId), ...m.live().filter((s) => s.owner !== undefined).sort(byId)];
  const live = new Set(order.map((s) => s.id));
  for (let id = 4; id < m.maxId; id++) if (!live.has(id)) b.free(id);
  for (let i = order.length - 1; i >= 0; i--) b.free(order[i]!.id);
  for (const s of order) {
    let id: number;
    if (s.owner !== undefined) id = b.addLocalData(s.owner, dataBytes(s.data!).bytes, { align: s.align, section: s.section });
    else if (s.kind === 'func') id = b.declareFunction(s.name, SIGS[s.sig]!);
    else id = b.declareData(s.name, { align: s.align, section: s.section });
    expect(id).toBe(s.id);
  }
  for (const s of order) define(b, m, s);
  for (const s of order) for (const e of s.exports) b.exportSymbol(s.id, e);
  return b;
}

function randomFuncSpec(r: ReturnType<typeof rng>, m: Model): FuncSpec {
  const funcs = m.live('func').map((s) => s.id);
  const data = m.live('data').map((s) => s.id);
  const n = (k: number) => r.int(k + 1);
  return {
    value: r.int(1000),
    calls: Array.from({ length: n(2) }, () => r.pick(funcs)).filter((x): x is number => x !== undefined),
    indirect: r.chance(0.2) ? [r.pick(funcs)].filter((x): x is number => x !== undefined) : [],
    addrs: Array.from({ length: n(2) }, () => r.pick(data)).filter((x): x is number => x !== undefined).map((d) => [d, r.int(9) - 2] as [number, number]),
    fptrs: r.chance(0.25) ? [r.pick(funcs)].filter((x): x is number => x !== undefined) : [],
    pad: r.chance(0.3) ? r.int(200) : r.int(4),
  };
}

function randomDataSpec(r: ReturnType<typeof rng>, m: Model, size?: number, bss = false): DataSpec {
  const funcs = m.live('func').map((s) => s.id);
  const data = m.live('data').map((s) => s.id);
  const sz = size ?? 4 * (1 + r.int(6));
  const spec: DataSpec = { size: sz, fill: bss ? 0 : 1 + r.int(250), ptrs: [], fptrs: [] };
  if (bss) return spec;
  for (let off = 0; off + 4 <= sz; off += 4) {
    if (r.chance(0.25) && data.length) spec.ptrs.push([off, r.pick(data)!, r.int(12) - 4]);
    else if (r.chance(0.15) && funcs.length) spec.fptrs.push([off, r.pick(funcs)!]);
  }
  return spec;
}

function imports(m: Model, opts: ModuleBuilderOptions) {
  const obj: Record<string, Record<string, unknown>> = {};
  const host = opts.hostModule ?? 'env';
  for (const s of m.live('func')) {
    if (!s.imported) continue;
    const mod = s.imported.module ?? host;
    (obj[mod] ??= {})[s.imported.name ?? s.name] = () => 0;
  }
  if (opts.importMemory) (obj[host] ??= {}).memory = new WA.Memory({ initial: 64 });
  if (opts.importTable) (obj[host] ??= {}).__indirect_function_table = new WA.Table({ element: 'anyfunc', initial: 64 });
  return obj;
}

async function run(seed: number, opts: ModuleBuilderOptions, steps: number) {
  const r = rng(seed);
  const m = new Model();
  const b = new ModuleBuilder(opts);
  const kinds = { full: 0, incremental: 0, unchanged: 0 };
  const sections = ['.data', '.rodata', '.bss', 'custom'];

  const newFunc = () => {
    const name = `fn_${m.counter++}`;
    const sig = r.int(2);
    const id = b.declareFunction(name, SIGS[sig]!);
    m.add({ id, kind: 'func', name, sig, align: 1, section: '', exports: [] });
    return m.syms.get(id)!;
  };
  const newData = () => {
    const name = `data_${m.counter++}`;
    const align = 2 ** r.int(4);
    const section = r.pick(sections)!;
    const id = b.declareData(name, { align, section });
    m.add({ id, kind: 'data', name, sig: 0, align, section, exports: [] });
    return m.syms.get(id)!;
  };
  const setFunc = (s: Sym, spec: FuncSpec) => {
    s.func = spec;
    define(b, m, s);
  };
  const setData = (s: Sym, spec: DataSpec) => {
    s.data = spec;
    define(b, m, s);
  };
  const isBss = (s: Sym) => s.section === '.bss';
  const complete = () => {
    for (const s of m.live()) {
      if (s.kind === 'func' && !s.func && !s.imported) setFunc(s, randomFuncSpec(r, m));
      if (s.kind === 'data' && !s.data) setData(s, randomDataSpec(r, m, undefined, isBss(s)));
    }
  };
  const freeSym = (s: Sym) => {
    const gone = new Set([s.id, ...m.live().filter((x) => x.owner === s.id).map((x) => x.id)]);
    const strip = (x: Sym) => {
      if (x.func)
        return {
          ...x.func,
          calls: x.func.calls.filter((t) => !gone.has(t)),
          indirect: x.func.indirect.filter((t) => !gone.has(t)),
          addrs: x.func.addrs.filter((t) => !gone.has(t[0])),
          fptrs: x.func.fptrs.filter((t) => !gone.has(t)),
        };
      return { ...x.data!, ptrs: x.data!.ptrs.filter((p) => !gone.has(p[1])), fptrs: x.data!.fptrs.filter((p) => !gone.has(p[1])) };
    };
    const referrers = m.live().filter((x) => !gone.has(x.id) && m.refs(x).some((t) => gone.has(t)));
    const fix = () => {
      for (const x of referrers) {
        if (x.func) setFunc(x, strip(x) as FuncSpec);
        else setData(x, strip(x) as DataSpec);
      }
    };
    const freeFirst = r.chance(0.5);
    if (!freeFirst) fix();
    b.free(s.id);
    for (const id of gone) m.syms.delete(id);
    if (freeFirst) {
      if (referrers.length) expect(() => b.flush()).toThrow(/was freed but .* still refers to it/);
      fix();
    }
  };

  for (let i = 0; i < 6; i++) newFunc();
  for (let i = 0; i < 3; i++) newData();
  complete();

  const funcsNow = () => m.live('func').filter((s) => s.owner === undefined);
  /** A redefinition that keeps the structure: new values, padding, call and address targets. */
  const edit = () => {
    const funcs = m.live('func').map((x) => x.id);
    const data = m.live('data').map((x) => x.id);
    if (r.chance(0.75)) {
      const s = r.pick(funcsNow().filter((x) => !x.imported && x.func));
      if (!s) return;
      const f = s.func!;
      setFunc(s, {
        ...f,
        value: r.int(100000),
        pad: r.chance(0.5) ? f.pad : r.int(r.chance(0.1) ? 3000 : 60),
        calls: r.chance(0.5) ? f.calls : f.calls.map(() => r.pick(funcs)!),
        addrs: r.chance(0.5) ? f.addrs : f.addrs.map(() => [r.pick(data)!, r.int(30) - 5] as [number, number]),
      });
    } else {
      const s = r.pick(m.live('data').filter((x) => x.data && !isBss(x)));
      if (!s) return;
      const d = s.data!;
      setData(s, { ...d, fill: 1 + r.int(250), ptrs: d.ptrs.map(([o]) => [o, r.pick(data)!, r.int(40) - 8] as [number, number, number]) });
    }
  };
  const mixed = () => {
    const op = r.int(84);
    const funcs = funcsNow();
    const datas = m.live('data');
    if (op < 30) {
      // Redefine a function (often the same shape, so the size may stay the same).
      const s = r.pick(funcs.filter((x) => !x.imported));
      if (s) setFunc(s, r.chance(0.5) && s.func ? { ...s.func, value: r.int(1000) } : randomFuncSpec(r, m));
    } else if (op < 42) {
      const s = r.pick(datas);
      if (s) setData(s, randomDataSpec(r, m, r.chance(0.6) ? s.data?.size : undefined, isBss(s)));
    } else if (op < 50) {
      const s = newFunc();
      if (r.chance(0.2)) {
        s.imported = r.chance(0.5) ? {} : { module: 'other', name: `imp_${s.name}` };
        define(b, m, s);
      }
    } else if (op < 55) {
      newData();
    } else if (op < 60) {
      const owner = r.pick([...funcs.filter((x) => !x.imported), ...datas.filter((x) => x.owner === undefined)]);
      if (owner) {
        const section = r.pick(['.rodata', '.data'])!;
        const spec = randomDataSpec(r, m);
        const bytes = dataBytes(spec);
        const id = b.addLocalData(owner.id, bytes.bytes, { align: 4, section });
        m.add({ id, kind: 'data', name: `__unnamed_${owner.name}_${id}`, sig: 0, align: 4, section, owner: owner.id, exports: [], data: spec });
        if (bytes.relocs.length) b.defineData(id, bytes.bytes, bytes.relocs);
      }
    } else if (op < 72) {
      const s = r.pick(m.live().filter((x) => x.owner === undefined || r.chance(0.3)));
      if (s && m.live().length > 4) freeSym(s);
    } else if (op < 80) {
      // (Not imports: an object cannot re-export them, and toObject is compared too.)
      const s = r.pick(m.live().filter((x) => !x.imported));
      if (s) {
        const name = `export_${m.counter++}`;
        b.exportSymbol(s.id, name);
        s.exports.push(name);
      }
    } else {
      const s = r.pick(m.live().filter((x) => x.exports.length));
      if (s) {
        const name = s.exports.splice(r.int(s.exports.length), 1)[0]!;
        b.unexport(name);
      }
    }
  };

  let flushes = 0;
  for (let round = 0; round < steps; round++) {
    const editRound = r.chance(0.6);
    const n = 1 + r.int(editRound ? 4 : 6);
    for (let i = 0; i < n; i++) (editRound ? edit : mixed)();
    complete();
    const out = b.flush();
    flushes++;
    kinds[b.lastFlushKind as keyof typeof kinds]++;
    const fresh = replay(m, opts);
    const expected = fresh.flush();
    expect(sectionDiff(out, expected)).toEqual([]);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(expected))).toBe(0);
    expect(Buffer.compare(Buffer.from(b.toObject()), Buffer.from(fresh.toObject()))).toBe(0);
    if (!opts.memory64) {
      expect(WA.validate(out)).toBe(true);
      await WA.instantiate(out, imports(m, opts));
    }
    // Repeated flushes return the same bytes.
    if (r.chance(0.2)) expect(Buffer.compare(Buffer.from(b.flush()), Buffer.from(out))).toBe(0);
  }
  return { kinds, flushes };
}

describe('module builder: incremental flush equals a from-scratch flush', () => {
  const configs: [string, ModuleBuilderOptions][] = [
    ['defaults', {}],
    ['globalBase, imported memory and table', { globalBase: 4096, importMemory: true, importTable: true, hostModule: 'host', stackSize: 1024 }],
    ['exported table, max memory', { exportTable: true, maxMemory: 64 * 65536 }],
    ['memory64', { memory64: true }],
  ];
  for (const [ci, [label, opts]] of configs.entries()) {
    it(`random operation sequences: ${label}`, async () => {
      const total = { full: 0, incremental: 0, unchanged: 0 };
      for (let seed = 1; seed <= 6; seed++) {
        const { kinds } = await run(seed * 7919 + ci * 104729, opts, 60);
        for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += kinds[k];
      }
      // Both paths ran.
      expect(total.full).toBeGreaterThan(50);
      expect(total.incremental).toBeGreaterThan(100);
    }, 60_000);
  }

  it('the atom store compacts after many redefinitions; output unchanged', () => {
    const b = new ModuleBuilder();
    const fs = Array.from({ length: 20 }, (_, i) => b.declareFunction(`f${i}`, SIGS[0]!));
    const d = b.declareData('d', { align: 4 });
    const bodyOf = (i: number, v: number) => {
      const c = new CodeWriter();
      c.call(fs[(i + 1) % fs.length]!).op(0x1a).addressOf(d, v % 8).op(0x1a);
      for (let k = 0; k < 100 + (v % 7); k++) c.op(0x01);
      return c.i32Const(v).end();
    };
    let last: number[] = [];
    for (let round = 0; round < 500; round++) {
      last = fs.map((_, i) => round * 31 + i);
      fs.forEach((f, i) => b.defineFunction(f, bodyOf(i, last[i]!).body, bodyOf(i, last[i]!).relocs));
      b.defineData(d, new Uint8Array(8).fill(round & 0xff));
      if (round % 50 === 0) b.flush();
    }
    // 500 rounds x 20 bodies of ~120 bytes were written; the arena holds about one round.
    const store = (b as unknown as { store: { bytes: Uint8Array; rType: Uint8Array } }).store;
    expect(store.bytes.length).toBeLessThanOrEqual(1 << 16);
    expect(store.rType.length).toBeLessThanOrEqual(1024);
    const fresh = new ModuleBuilder();
    const fs2 = fs.map((_, i) => fresh.declareFunction(`f${i}`, SIGS[0]!));
    const d2 = fresh.declareData('d', { align: 4 });
    expect(fs2).toEqual(fs);
    expect(d2).toBe(d);
    fs.forEach((f, i) => fresh.defineFunction(f, bodyOf(i, last[i]!).body, bodyOf(i, last[i]!).relocs));
    fresh.defineData(d, new Uint8Array(8).fill(499 & 0xff));
    expect(sectionDiff(b.flush(), fresh.flush())).toEqual([]);
  });

  it('10,000 functions: a few changes flush incrementally to the from-scratch bytes', () => {
    const N = 10000;
    const make = (variant: (i: number) => number) => {
      const b = new ModuleBuilder();
      const ids = Array.from({ length: N }, (_, i) => b.declareFunction(`fn_${i}`, SIGS[1]!));
      const d = b.declareData('table_data', { align: 8 });
      const dw = new DataWriter().functionPointer(ids[5]!).pointer(d, 4).finish();
      b.defineData(d, dw.bytes, dw.relocs);
      for (let i = 0; i < N; i++) {
        const c = new CodeWriter().localGet(0).call(ids[(i * 7 + 1) % N]!).op(0x1a).addressOf(d, i % 8).op(0x1a);
        for (let k = 0; k < variant(i); k++) c.op(0x01);
        if (i % 10 === 0) c.functionPointer(ids[(i + 3) % N]!).op(0x1a);
        const w = c.i32Const(i).end();
        b.defineFunction(ids[i]!, w.body, w.relocs);
      }
      for (let i = 0; i < N; i += 1000) b.exportSymbol(ids[i]!);
      return { b, ids };
    };
    const { b } = make(() => 2);
    b.flush();
    const changed = new Map([[17, 2], [5000, 300], [9999, 0]]);
    const again = make((i) => changed.get(i) ?? 2);
    // Redefine the three in the first builder with the bodies of the second.
    for (const i of changed.keys()) {
      const st = (again.b as unknown as { store: { body(s: number): Uint8Array } }).store;
      const c = new CodeWriter().localGet(0).call(again.ids[(i * 7 + 1) % N]!).op(0x1a).addressOf(again.b.lookup('table_data')!, i % 8).op(0x1a);
      for (let k = 0; k < changed.get(i)!; k++) c.op(0x01);
      if (i % 10 === 0) c.functionPointer(again.ids[(i + 3) % N]!).op(0x1a);
      const w = c.i32Const(i).end();
      expect(w.body).toEqual(st.body(again.ids[i]!));
      b.defineFunction(again.ids[i]!, w.body, w.relocs);
    }
    const out = b.flush();
    expect(b.lastFlushKind).toBe('incremental');
    expect(sectionDiff(out, again.b.flush())).toEqual([]);
    expect(WA.validate(out)).toBe(true);
  });

  it('many functions: resized bodies shift everything after them, the code section size LEB grows', () => {
    const make = () => {
      const b = new ModuleBuilder();
      const ids: number[] = [];
      for (let i = 0; i < 400; i++) ids.push(b.declareFunction(`f${i}`, SIGS[0]!));
      return { b, ids };
    };
    const { b, ids } = make();
    const bodyOf = (i: number, pad: number) => {
      const c = new CodeWriter();
      if (i > 0) c.call(ids[i - 1]!).op(0x1a);
      for (let k = 0; k < pad; k++) c.op(0x01);
      return c.i32Const(i).end();
    };
    const pads = ids.map(() => 10);
    const apply = (bb: ModuleBuilder, which: number[]) => which.forEach((i) => bb.defineFunction(ids[i]!, bodyOf(i, pads[i]!).body, bodyOf(i, pads[i]!).relocs));
    apply(b, ids.map((_, i) => i));
    b.exportSymbol(ids[399]!);
    const initial = b.flush();
    expect(initial.length).toBeLessThan(16384 + 10000);
    // Grow several bodies at once until the code section needs a 3-byte size, then shrink.
    const r = rng(5);
    for (const target of [20000, 40000, 9000, 200]) {
      const which = Array.from({ length: 5 }, () => r.int(400));
      for (const i of which) pads[i] = Math.max(0, pads[i]! + Math.round((target - 10 * 400) / 5 / 1));
      for (const i of which) pads[i] = Math.min(pads[i]!, 20000);
      if (target <= 9000) for (const i of which) pads[i] = r.int(20);
      apply(b, which);
      const out = b.flush();
      expect(b.lastFlushKind).toBe('incremental');
      const fresh = make();
      apply(fresh.b, ids.map((_, i) => i));
      fresh.b.exportSymbol(ids[399]!);
      expect(sectionDiff(out, fresh.b.flush())).toEqual([]);
      expect(WA.validate(out)).toBe(true);
    }
  });
});
