// ModuleBuilder.toObject(): a relocatable object (linking v2, reloc.CODE/DATA) that weld and
// wasm-ld 22 both link — together with a C program and libc, or alone — with identical
// behaviour (and, weld being a drop-in, identical bytes). The builder's own flush() of the same
// state behaves the same as the linked object.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BuilderError, CodeWriter, DataWriter, linkSync, ModuleBuilder, type FuncSig } from '../lib/index.js';
import { compileToFiles, linkCommand, runWasi, sectionDiff, wasmExports, wasmLd } from './support/toolchain.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;

const I32_I32: FuncSig = { params: ['i32'], results: ['i32'] };
const II_I: FuncSig = { params: ['i32', 'i32'], results: ['i32'] };
const V_I: FuncSig = { params: [], results: ['i32'] };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weld-builder-obj-'));
});

/** The builder side of the program: what a compiler for some language would emit. */
function builderModule(): ModuleBuilder {
  const b = new ModuleBuilder();
  const add = b.declareFunction('bld_add', II_I);
  const apply = b.declareFunction('bld_apply', II_I);
  const getAdd = b.declareFunction('bld_get_add', V_I);
  const hello = b.declareFunction('bld_hello', { params: [], results: [] });
  const bump = b.declareFunction('bld_counter_bump', V_I);
  const probe = b.declareFunction('bld_stack_probe', V_I);
  const hostTwice = b.declareFunction('bld_host_twice', I32_I32);
  const callC = b.declareFunction('bld_call_c', I32_I32);
  const heap = b.declareFunction('bld_heap_ok', V_I);
  const puts = b.declareFunction('puts', I32_I32);
  const cSquare = b.declareFunction('c_square', I32_I32);
  const twice = b.declareFunction('host_twice_import', I32_I32);
  b.importFunction(puts); // libc
  b.importFunction(cSquare); // defined by the C object
  b.importFunction(twice, { module: 'host', name: 'twice' }); // left for the host
  const counter = b.declareGlobal('bld_counter', { type: 'i32', mutable: true, init: 10 });

  const greeting = b.declareData('bld_greeting', { section: '.rodata' });
  b.defineData(greeting, new DataWriter().string('Hello from the builder').finish().bytes);
  const ptrs = b.declareData('bld_ptrs', { align: 4 });
  const pw = new DataWriter().pointer(greeting, 0).pointer(greeting, 11).finish();
  b.defineData(ptrs, pw.bytes, pw.relocs);
  const zeros = b.declareData('bld_zeros', { section: '.bss', align: 16 });
  b.defineData(zeros, new Uint8Array(64));
  const msg = b.addLocalData(hello, new DataWriter().string('hello via libc puts').finish().bytes);

  const def = (f: number, w: { body: Uint8Array; relocs: never[] | import('../lib/index.js').Reloc[] }) => b.defineFunction(f, w.body, w.relocs);
  def(add, new CodeWriter().localGet(0).localGet(1).op(0x6a).end());
  def(apply, new CodeWriter().localGet(1).localGet(0).callIndirect(b.typeIndex(I32_I32), b.indirectFunctionTable).end());
  def(getAdd, new CodeWriter().functionPointer(add).end());
  def(hello, new CodeWriter().addressOf(msg).call(puts).op(0x1a).end());
  def(bump, new CodeWriter().globalGet(counter).i32Const(1).op(0x6a).globalSet(counter).globalGet(counter).end());
  // Push a 32-byte frame, store 1234 in it, read it back through the frame pointer, pop.
  def(
    probe,
    new CodeWriter([[1, 'i32']])
      .globalGet(b.stackPointer).i32Const(32).op(0x6b).localTee(0).globalSet(b.stackPointer)
      .localGet(0).i32Const(1234).op(0x36, 2, 8)
      .localGet(0).i32Const(32).op(0x6a).globalSet(b.stackPointer)
      .localGet(0).op(0x28, 2, 8)
      .end(),
  );
  def(hostTwice, new CodeWriter().localGet(0).call(twice).end());
  def(callC, new CodeWriter().localGet(0).call(cSquare).end());
  // __heap_base is past the data and 16-byte aligned.
  def(heap, new CodeWriter().addressOf(b.heapBase).addressOf(zeros, 64).op(0x4f).addressOf(b.heapBase).i32Const(15).op(0x71).op(0x45).op(0x71).end());
  b.exportSymbol(add, 'add_export');
  return b;
}

const MAIN_C = `#include <stdio.h>
typedef int (*unop)(int);
typedef int (*binop)(int, int);
extern int bld_add(int, int);
extern int bld_apply(unop, int);
extern binop bld_get_add(void);
extern const char bld_greeting[];
extern const char *bld_ptrs[];
extern void bld_hello(void);
extern int bld_counter_bump(void);
extern int bld_stack_probe(void);
extern int bld_host_twice(int);
extern int bld_call_c(int);
extern int bld_heap_ok(void);
extern int bld_counter;
int c_square(int x) { return x * x; }
int main(void) {
  printf("add %d\\n", bld_add(2, 3));
  printf("apply %d\\n", bld_apply(c_square, 7));
  printf("fp %d\\n", bld_get_add()(40, 2));
  printf("greeting %s\\n", bld_greeting);
  printf("ptrs %s|%s\\n", bld_ptrs[0], bld_ptrs[1]);
  bld_hello();
  int a = bld_counter_bump();
  int b = bld_counter_bump();
  printf("bump %d %d\\n", a, b);
  printf("stack %d\\n", bld_stack_probe());
  printf("host %d\\n", bld_host_twice(21));
  printf("c %d\\n", bld_call_c(9));
  printf("heap %d\\n", bld_heap_ok());
  return 0;
}
`;

const EXPECTED = [
  'add 5',
  'apply 49',
  'fp 42',
  'greeting Hello from the builder',
  'ptrs Hello from the builder|the builder',
  'hello via libc puts',
  'bump 11 12',
  'stack 1234',
  'host 42',
  'c 81',
  'heap 1',
  '',
].join('\n');

describe('module builder: toObject()', () => {
  it('links with a C program and libc: weld and wasm-ld, identical behaviour and bytes', async () => {
    const [mainObj] = await compileToFiles({ 'main.c': MAIN_C }, ['-O2']);
    const objPath = join(dir, 'builder.o');
    writeFileSync(objPath, builderModule().toObject());
    const outWeld = join(dir, 'weld.wasm');
    const argv = await linkCommand('clang', [mainObj!, objPath], ['-o', outWeld]);
    const lld = await wasmLd(argv);
    expect(lld.stderr).toBe('');
    expect(lld.code).toBe(0);
    const weld = linkSync(argv);
    expect(weld.warnings).toEqual([]);
    expect(sectionDiff(weld.bytes, lld.bytes!)).toEqual([]);
    const imports = { host: { twice: '(x) => 2 * x' } };
    for (const bytes of [weld.bytes, lld.bytes!]) {
      const r = await runWasi(bytes, [], { imports });
      expect(r.trap).toBeUndefined();
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(EXPECTED);
    }
    expect(wasmExports(weld.bytes)).toContain('add_export');
  }, 120_000);

  /** A module that needs nothing from C: flush() and both linkers must agree. */
  function standalone(): ModuleBuilder {
    const b = new ModuleBuilder({ hostModule: 'env' });
    const fib = b.declareFunction('fib', I32_I32);
    const viaTable = b.declareFunction('via_table', II_I);
    const getFib = b.declareFunction('get_fib', V_I);
    const sum = b.declareFunction('sum_table', V_I);
    const log = b.declareFunction('log', I32_I32);
    b.importFunction(log, { module: 'host', name: 'log' });
    const vals = b.declareData('vals', { align: 4 });
    b.defineData(vals, new DataWriter().u32(3).u32(4).u32(5).finish().bytes);
    const view = b.declareData('view', { align: 4 });
    const vw = new DataWriter().pointer(vals, 4).pointer(vals, 8).functionPointer(fib).finish();
    b.defineData(view, vw.bytes, vw.relocs);
    const count = b.declareGlobal('count', { type: 'i32', mutable: true });
    // fib(n) = n < 2 ? n : fib(n-1) + fib(n-2)
    b.defineFunction(
      fib,
      ...(Object.values(
        new CodeWriter()
          .localGet(0).i32Const(2).op(0x48).op(0x04, 0x7f)
          .localGet(0)
          .op(0x05)
          .localGet(0).i32Const(1).op(0x6b).call(fib).localGet(0).i32Const(2).op(0x6b).call(fib).op(0x6a)
          .op(0x0b)
          .globalGet(count).i32Const(1).op(0x6a).globalSet(count)
          .end(),
      ) as [Uint8Array, never[]]),
    );
    const w1 = new CodeWriter().localGet(1).addressOf(view, 8).op(0x28, 2, 0).callIndirect(b.typeIndex(I32_I32), b.indirectFunctionTable).call(log).end();
    b.defineFunction(viaTable, w1.body, w1.relocs);
    const w2 = new CodeWriter().functionPointer(fib).end();
    b.defineFunction(getFib, w2.body, w2.relocs);
    // *view[0] + *view[1] (= 4 + 5)
    const w3 = new CodeWriter().addressOf(view).op(0x28, 2, 0).op(0x28, 2, 0).addressOf(view, 4).op(0x28, 2, 0).op(0x28, 2, 0).op(0x6a).end();
    b.defineFunction(sum, w3.body, w3.relocs);
    for (const s of [fib, viaTable, getFib, sum]) b.exportSymbol(s);
    b.exportSymbol(view);
    b.exportSymbol(count);
    return b;
  }

  it('alone: weld, wasm-ld and flush() of the same state behave the same', async () => {
    const b = standalone();
    const objPath = join(dir, 'standalone.o');
    writeFileSync(objPath, b.toObject());
    const argv = ['--no-entry', objPath, '-o', join(dir, 'standalone.wasm')];
    const lld = await wasmLd(argv);
    expect(lld.stderr).toBe('');
    const weld = linkSync(argv);
    expect(sectionDiff(weld.bytes, lld.bytes!)).toEqual([]);
    const results: unknown[] = [];
    for (const bytes of [b.flush(), weld.bytes, lld.bytes!]) {
      const logged: number[] = [];
      const { instance } = await WA.instantiate(bytes, { host: { log: (x: number) => (logged.push(x), x + 1) } });
      const e = instance.exports;
      const mem = new DataView(e.memory.buffer);
      results.push({
        fib: e.fib(15),
        count: e.count.value,
        viaTable: e.via_table(0, 10),
        logged,
        fptr: e.get_fib() > 0,
        sum: e.sum_table(),
        viewFn: e.__indirect_function_table === undefined ? 'n/a' : 'exported',
        viewSlot: mem.getUint32(e.view.value + 8, true) === e.get_fib(),
        exports: Object.keys(e).sort(),
      });
    }
    expect(results[0]).toEqual({ fib: 610, count: 1973, viaTable: 56, logged: [55], fptr: true, sum: 9, viewFn: 'n/a', viewSlot: true, exports: ['count', 'fib', 'get_fib', 'memory', 'sum_table', 'via_table', 'view'] });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  }, 60_000);

  it('data segment names (decoded on demand): UTF-8, custom, TLS by name; module, -r output and map as wasm-ld', async () => {
    const b = new ModuleBuilder();
    const bytes = (n: number) => new Uint8Array([n, n + 1, n + 2, n + 3]);
    for (const [name, section, n] of [
      ['caf\u00e9', '.rodata', 1],
      ['plain', '.data', 5],
      ['own', 'my\u00e9sec', 9],
    ] as const) {
      const d = b.declareData(name, { section });
      b.defineData(d, bytes(n));
      b.exportSymbol(d);
    }
    const objPath = join(dir, 'segnames.o');
    writeFileSync(objPath, b.toObject());
    for (const extra of [['--no-merge-data-segments'], [], ['-r']]) {
      const argv = ['--no-entry', objPath, ...extra, '-o', join(dir, 'segnames.wasm'), '--Map=-'];
      const lld = await wasmLd(argv);
      const weld = linkSync(argv);
      expect(weld.stdout.join('\n') + '\n').toBe(lld.stdout);
      expect(sectionDiff(weld.bytes, lld.bytes!)).toEqual([]);
    }
    expect(linkSync(['--no-entry', objPath, '--no-merge-data-segments', '--Map=-', '-o', join(dir, 'segnames.wasm')]).stdout.join('\n')).toMatch(/\.rodata\.caf\u00e9/);
    // A segment named .tdata.* without the TLS flag is TLS (lld's rule for older objects): so
    // is its use refused without atomics, by both.
    const t = new ModuleBuilder();
    const tl = t.declareData('tl', { section: '.tdata' });
    t.defineData(tl, bytes(13));
    t.exportSymbol(tl);
    const tlsPath = join(dir, 'tlsname.o');
    writeFileSync(tlsPath, t.toObject());
    const tlsArgv = ['--no-entry', tlsPath, '-o', join(dir, 'tlsname.wasm')];
    const lldTls = await wasmLd(tlsArgv);
    expect(lldTls.code).not.toBe(0);
    expect(() => linkSync(tlsArgv)).toThrow("'atomics' feature must be used in order to use thread-local storage");
    expect(lldTls.stderr).toContain("'atomics' feature must be used in order to use thread-local storage");
  }, 60_000);

  it('is a valid object: weld reads it back; exports it cannot express are errors', () => {
    const b = standalone();
    const obj = b.toObject();
    expect(WA.validate(obj)).toBe(true);
    const f = b.lookup('fib')!;
    b.exportSymbol(f, 'fib_again'); // a second name: an alias symbol
    const g = b.lookup('get_fib')!;
    b.exportSymbol(g, 'other_name');
    expect(WA.validate(b.toObject())).toBe(true);
    const imp = b.lookup('log')!;
    b.exportSymbol(imp, 'reexport');
    expect(() => b.toObject()).toThrow(BuilderError);
    expect(() => b.toObject()).toThrow("toObject: function 'log' (id 8) is imported; an object cannot re-export it");
    b.unexport('reexport');
    b.exportSymbol(g, 'vals'); // the (unexported) data symbol's name
    expect(() => b.toObject()).toThrow(/exported as 'vals', which the object needs as an alias symbol, but that name is taken/);
    b.unexport('vals');
    // Features: mutable-globals comes with the exported mutable global; others on request.
    const text = Buffer.from(b.toObject({ features: ['bulk-memory'] })).toString('latin1');
    expect(text).toContain('target_features');
    expect(text).toContain('mutable-globals');
    expect(text).toContain('bulk-memory');
  });

  it('aliases for extra export names link under weld and wasm-ld', async () => {
    const b = standalone();
    b.exportSymbol(b.lookup('fib')!, 'fibonacci');
    b.exportSymbol(b.lookup('vals')!, 'values');
    const objPath = join(dir, 'alias.o');
    writeFileSync(objPath, b.toObject());
    const argv = ['--no-entry', objPath, '-o', join(dir, 'alias.wasm')];
    const lld = await wasmLd(argv);
    expect(lld.stderr).toBe('');
    const weld = linkSync(argv);
    expect(sectionDiff(weld.bytes, lld.bytes!)).toEqual([]);
    const ex = wasmExports(weld.bytes);
    for (const name of ['fib', 'fibonacci', 'values']) expect(ex).toContain(name);
    const { instance } = await WA.instantiate(weld.bytes, { host: { log: (x: number) => x } });
    expect(instance.exports.fibonacci(10)).toBe(55);
    expect(new DataView(instance.exports.memory.buffer).getUint32(instance.exports.values.value, true)).toBe(3);
  }, 60_000);
});
