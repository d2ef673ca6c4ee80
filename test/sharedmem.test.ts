// --shared-memory (threads), differential against wasm-ld 22 (YoWASP) and run: passive segments
// filled once by __wasm_init_memory behind its atomic flag, per-thread TLS blocks set up by
// __wasm_init_tls, the DataCount section, the shared memory limits, TLS relocation checks and the
// feature errors. The modules are instantiated with a shared memory, twice in one thread and in
// two worker threads, and their TLS and atomics are checked to behave.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, parseSections, sectionDiff, sysroot, treeGet, wasmLd, type LinkOutcome } from './support/toolchain.js';
import { runLink } from '../lib/link.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;
let libDir: string;

const THREADS = ['-O2', '-matomics', '-mbulk-memory'];

const SOURCES: Record<string, string> = {
  'tls.c': `#include <stdatomic.h>
_Thread_local int tcount = 5;
_Thread_local int tzero;
extern int data_fwd;
/* A TLS initializer that is an address: .tdata has relocations. */
_Thread_local int *tptr = &data_fwd;
int data1 = 42;
int bss1[100];
atomic_int counter;
const char *msg = "hello";
int get_tcount(void) { return tcount + tzero + *tptr; }
int get_tzero(void) { return tzero; }
int get_data1(void) { return data1; }
int get_counter(void) { return atomic_load(&counter); }
int bump(void) { tzero++; return atomic_fetch_add(&counter, 1) + bss1[3]; }
void bump_n(int n) { for (int i = 0; i < n; i++) { tzero++; atomic_fetch_add(&counter, 1); } }
void *tls_addr(void) { return &tcount; }
void set_data1(int v) { data1 = v; }
`,
  'def.c': 'int data_fwd = 7;\n',
  'plain.c': 'int plain(int x) { return x * 2; }\n',
};

const PIC_SOURCES: Record<string, string> = {
  'pic.c': `extern _Thread_local int ext_tls;
extern int ext_data;
int *get_ext_data(void) { return &ext_data; }
int read_tls(void) { return ext_tls; }
`,
  'picdef.c': `_Thread_local int ext_tls = 11;
int ext_data = 3;
_Thread_local int *tls_to_data = &ext_data;
int *get_tls_to_data(void) { return tls_to_data; }
`,
};

// Hand-written: a GOT entry for a TLS symbol, and a TLS relocation against an ordinary symbol.
const ASM_FEATURES = `.section .custom_section.target_features,"",@
.int8 2
.int8 43
.int8 7
.ascii "atomics"
.int8 43
.int8 11
.ascii "bulk-memory"
`;
/** An empty function `name` and a target_features section of `features` ("+name", "-name"). */
function withFeatures(name: string, features: string[]): string {
  const entries = features.map((f) => `.int8 ${f.charCodeAt(0)}\n.int8 ${f.length - 1}\n.ascii "${f.slice(1)}"\n`).join('');
  return `.section .text.${name},"",@\n.globl ${name}\n.type ${name},@function\n${name}:\n  .functype ${name} () -> ()\n  end_function\n.section .custom_section.target_features,"",@\n.int8 ${features.length}\n${entries}`;
}

const ASM_SOURCES: Record<string, string> = {
  'gottls.s': `.globaltype GOT.mem.ext_tls, i32
.section .text.get_got,"",@
.globl get_got
.type get_got,@function
get_got:
  .functype get_got () -> (i32)
  global.get ext_tls@GOT@TLS
  end_function
${ASM_FEATURES}`,
  'badtls.s': `.globaltype __tls_base, i32
.section .text.get_bad,"",@
.globl get_bad
.type get_bad,@function
get_bad:
  .functype get_bad () -> (i32)
  global.get __tls_base
  i32.const ext_data@TLSREL
  i32.add
  end_function
${ASM_FEATURES}`,
  // Target features by hand: a use of a feature that another object disallows ('-').
  'useatomics.s': withFeatures('use_atomics', ['+atomics', '+simd']),
  'noatomics.s': withFeatures('no_atomics', ['-atomics', '-shared-mem']),
};

async function put(sources: Record<string, string>, args: string[]): Promise<void> {
  const names = Object.keys(sources);
  const paths = await compileToFiles(sources, args, { sources: names });
  names.forEach((n, i) => writeFileSync(join(dir, n.replace(/\.[cs]$/, '.o')), readFileSync(paths[i])));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-sharedmem-'));
  await put({ 'tls.c': SOURCES['tls.c'], 'def.c': SOURCES['def.c'], 'nodata.c': 'void f(void) {}\n' }, THREADS);
  await put({ 'plain.c': SOURCES['plain.c'] }, ['-O2']);
  await put(PIC_SOURCES, [...THREADS, '-fPIC']);
  await put(ASM_SOURCES, []);
  libDir = join(await sysroot(), 'lib', 'wasm32-wasip1');
}, 180_000);

async function both(args: string[]): Promise<{ lld: LinkOutcome; weld: LinkOutcome }> {
  return linkBoth([...args, '-o', 'out.wasm'], dir);
}

async function same(args: string[]): Promise<LinkOutcome> {
  const { lld, weld } = await both(args);
  expectSameLink(weld, lld);
  return weld;
}

const TLS_EXPORTS = ['--export=__wasm_init_tls', '--export=__tls_size', '--export=__tls_align', '--export=__tls_base'];
const API = ['get_tcount', 'get_tzero', 'get_data1', 'set_data1', 'get_counter', 'bump', 'bump_n', 'tls_addr'].map((f) => `--export=${f}`);

describe('--shared-memory matches wasm-ld 22', () => {
  const cases: [string, string[]][] = [
    ['exported memory, TLS symbols exported', ['tls.o', 'def.o', '--no-entry', ...API, ...TLS_EXPORTS]],
    ['imported memory with a maximum', ['tls.o', 'def.o', '--no-entry', '--import-memory', '--max-memory=1048576', ...API, '--export=__wasm_init_tls']],
    ['--export-all', ['tls.o', 'def.o', '--no-entry', '--export-all']],
    ['stack first, custom stack and initial memory', ['tls.o', 'def.o', '--no-entry', '--stack-first', '-z', 'stack-size=8192', '--initial-memory=262144', '--export=bump']],
    ['no gc, unmerged segments, imported memory', ['tls.o', 'def.o', '--no-entry', '--no-gc-sections', '--no-merge-data-segments', '--import-memory', '--export=bump']],
    ['TLS unused: no __wasm_init_tls body', ['tls.o', 'def.o', '--no-entry', '--export=get_counter']],
    ['only an object without atomics beside one with them', ['tls.o', 'def.o', 'plain.o', '--no-entry', '--export=plain', '--export=bump']],
    ['-fPIC objects: GOT entries and __wasm_apply_tls_relocs', ['pic.o', 'picdef.o', '--no-entry', '--export-all']],
    ['a TLS symbol through the GOT: __wasm_apply_global_tls_relocs', ['gottls.o', 'picdef.o', '--no-entry', '--export=get_got', '--export=__wasm_init_tls']],
    ['--Map and --print-gc-sections', ['tls.o', 'def.o', '--no-entry', '--export=bump', '--print-gc-sections', '--Map=out.map']],
    // A shared memory always has a maximum, even of zero pages (without one it is invalid).
    ['a zero-page memory still has its maximum', ['nodata.o', '--no-entry', '--export=f', '--global-base=0', '-z', 'stack-size=0']],
    ['a zero-page imported memory still has its maximum', ['nodata.o', '--no-entry', '--export=f', '--global-base=0', '-z', 'stack-size=0', '--import-memory']],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      const weld = await same(['--shared-memory', ...args]);
      expect(weld.code).toBe(0);
    });
  }

  it('the same map file as wasm-ld', async () => {
    const args = ['--shared-memory', 'tls.o', 'def.o', '--no-entry', '--export=bump', '--export=tls_addr', '--Map=out.map', '-o', 'out.wasm'];
    const lld = await wasmLd(args, { cwd: dir });
    expect(lld.code).toBe(0);
    const weld = runLink({ argv: args, cwd: dir, requireOutput: true });
    expect(sectionDiff(weld.bytes, lld.bytes!)).toEqual([]);
    const map = readFileSync(join(dir, 'out.map'), 'utf8');
    expect(map).toBe(new TextDecoder().decode(treeGet(lld.files, 'out.map')));
    expect(map).toMatch(/__wasm_init_memory/);
  });

  it('the module layout: datacount before code, passive segments, shared limits, a start function', async () => {
    const weld = await same(['--shared-memory', 'tls.o', 'def.o', '--no-entry', ...API, ...TLS_EXPORTS]);
    const labels = parseSections(weld.bytes!).map((s) => s.label);
    expect(labels.indexOf('datacount')).toBeGreaterThan(labels.indexOf('start'));
    expect(labels.indexOf('datacount')).toBeLessThan(labels.indexOf('code'));
    const mod = new WebAssembly.Module(weld.bytes!);
    expect(WebAssembly.Module.exports(mod).map((e) => e.name)).toEqual(expect.arrayContaining(['memory', '__wasm_init_tls', '__tls_size', '__tls_align', '__tls_base']));
  });

  it('errors: objects without atomics and bulk-memory', async () => {
    const { lld, weld } = await both(['--shared-memory', 'plain.o', '--no-entry', '--export=plain']);
    expectSameLink(weld, lld);
    // clang 22 enables bulk-memory by default; atomics needs -matomics (or -pthread).
    expect(weld.messages).toEqual(["error: 'atomics' feature must be used in order to use shared memory"]);
  });

  it('errors: libc.a disallows shared-mem, named by its member as wasm-ld does', async () => {
    const { lld, weld } = await both(['--shared-memory', join(libDir, 'crt1-command.o'), 'tls.o', 'def.o', `-L${libDir}`, '-lc']);
    expectSameLink(weld, lld);
    expect(weld.code).toBe(1);
    expect(weld.messages[0]).toMatch(/^error: --shared-memory is disallowed by \S+\.obj because it was not compiled with 'atomics' or 'bulk-memory' features\.$/);
  });

  it('errors: a TLS relocation against an ordinary symbol, only with shared memory', async () => {
    const { lld, weld } = await both(['--shared-memory', 'badtls.o', 'picdef.o', '--no-entry', '--export=get_bad']);
    expectSameLink(weld, lld);
    expect(weld.messages).toEqual([
      'error: badtls.o: relocation R_WASM_MEMORY_ADDR_TLS_SLEB cannot be used against non-TLS symbol `ext_data`',
      'error: badtls.o: relocation R_WASM_MEMORY_ADDR_TLS_SLEB cannot be used against `ext_data` in non-TLS section: .data',
    ]);
    const single = await same(['badtls.o', 'picdef.o', '--no-entry', '--export=get_bad']);
    expect(single.code).toBe(0);
  });

  it('a layout error stops the link with its message (wasm-ld 22 crashes here)', () => {
    const argv = ['--shared-memory', 'tls.o', 'def.o', '--no-entry', '--export=bump', '--global-base=1024', '-o', 'out.wasm'];
    expect(() => runLink({ argv, cwd: dir, requireOutput: true })).toThrow(
      expect.objectContaining({ diagnostics: [expect.objectContaining({ severity: 'error', message: '--global-base cannot be less than stack size when --stack-first is used' })] }),
    );
  });

  it('errors: thread-local storage needs atomics and bulk-memory, also without shared memory', async () => {
    // --features replaces what the objects name: TLS segments are live, atomics is not allowed.
    const { lld, weld } = await both(['tls.o', 'def.o', '--no-entry', '--export=get_tcount', '--features=bulk-memory,mutable-globals']);
    expectSameLink(weld, lld);
    expect(weld.messages).toContain("error: 'atomics' feature must be used in order to use thread-local storage");
    // Without a live TLS segment (--gc-sections drops it), no such error.
    const dropped = await both(['tls.o', 'def.o', '--no-entry', '--export=get_data1', '--features=bulk-memory,mutable-globals']);
    expectSameLink(dropped.weld, dropped.lld);
    expect(dropped.weld.messages.join('\n')).not.toContain('thread-local storage');
  });

  it('errors: a feature one object uses and another disallows; --features that leave one out', async () => {
    const conflict = await both(['useatomics.o', 'noatomics.o', '--no-entry', '--export=use_atomics', '--export=no_atomics']);
    expectSameLink(conflict.weld, conflict.lld);
    expect(conflict.weld.messages).toEqual(["error: Target feature 'atomics' used in useatomics.o is disallowed by noatomics.o. Use --no-check-features to suppress."]);
    const explicit = await both(['useatomics.o', '--no-entry', '--export=use_atomics', '--features=atomics']);
    expectSameLink(explicit.weld, explicit.lld);
    expect(explicit.weld.messages).toEqual(["error: Target feature 'simd' used by useatomics.o is not allowed."]);
    const fine = await both(['useatomics.o', 'noatomics.o', '--no-entry', '--export=use_atomics', '--no-check-features']);
    expectSameLink(fine.weld, fine.lld);
    expect(fine.weld.code).toBe(0);
  });

  it('--no-check-features skips the feature checks', async () => {
    const weld = await same(['--shared-memory', '--no-check-features', 'plain.o', '--no-entry', '--export=plain']);
    expect(weld.code).toBe(0);
  });
});

type Api = Record<string, (...a: number[]) => number> & { __wasm_init_tls(p: number): void; __tls_size: WebAssembly.Global; __tls_align: WebAssembly.Global };

describe('--shared-memory modules run', () => {
  let module: WebAssembly.Module;
  let memoryType: { initial: number; maximum: number };

  beforeAll(async () => {
    const weld = await same(['--shared-memory', 'tls.o', 'def.o', '--no-entry', '--import-memory', '--max-memory=1048576', ...API, ...TLS_EXPORTS]);
    module = new WebAssembly.Module(weld.bytes!);
    const imp = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory')!;
    expect(imp).toMatchObject({ module: 'env', name: 'memory' });
    memoryType = { initial: 2, maximum: 16 };
  });

  it('two instances on one memory: data is initialized once, TLS blocks are separate, atomics shared', () => {
    const memory = new WebAssembly.Memory({ ...memoryType, shared: true });
    const a = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Api;
    expect(a.get_data1()).toBe(42);
    a.set_data1(100);
    expect(a.get_tcount()).toBe(5 + 0 + 7);
    expect(a.bump()).toBe(0);
    expect(a.bump()).toBe(1);
    expect(a.get_tzero()).toBe(2);
    a.bump_n(10);
    expect(a.get_tzero()).toBe(12);

    // A second "thread": the start function sees the flag at 2 and leaves memory alone.
    const b = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Api;
    const size = b.__tls_size.value as number;
    const align = b.__tls_align.value as number;
    expect(size).toBe(12);
    expect(align).toBe(4);
    const block = 65536 + 4096;
    b.__wasm_init_tls(block);
    expect(b.tls_addr()).toBe(block);
    expect(b.get_tzero()).toBe(0);
    expect(b.get_tcount()).toBe(12);
    expect(b.get_counter()).toBe(12);
    // .data was not copied in again.
    expect(b.get_data1()).toBe(100);
    expect(b.bump()).toBe(12);
    expect(a.get_counter()).toBe(13);
    expect(a.get_tzero()).toBe(12);
    // The main thread's TLS block is the static .tdata, set by __wasm_init_memory.
    expect(a.tls_addr()).not.toBe(block);
  });

  it('two worker threads bump one atomic counter, each with its own TLS', async () => {
    const memory = new WebAssembly.Memory({ ...memoryType, shared: true });
    const main = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Api;
    const N = 20000;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { module, memory, block, n } = workerData;
      const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
      e.__wasm_init_tls(block);
      e.bump_n(n);
      parentPort.postMessage({ tzero: e.get_tzero(), addr: e.tls_addr() });
    `;
    const run = (block: number) =>
      new Promise<{ tzero: number; addr: number }>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { module, memory, block, n: N } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const results = await Promise.all([run(65536 + 4096), run(65536 + 8192)]);
    expect(results).toEqual([
      { tzero: N, addr: 65536 + 4096 },
      { tzero: N, addr: 65536 + 8192 },
    ]);
    expect(main.get_counter()).toBe(2 * N);
    expect(main.get_tzero()).toBe(0);
  });
});
