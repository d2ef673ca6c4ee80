// Linker: cached inputs across links, in-memory inputs, concurrent async links on worker
// threads, and the --cache-dir link cache.

import { copyFileSync, mkdtempSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linker, LinkError, linkSync } from '../lib/index.js';
import { NameIds } from '../lib/resolve/nameids.js';
import { buildProgram, loadProgram, OPT_CONFIGS } from './support/programs.js';
import { compile, linkCommand, runWasi, sysroot } from './support/toolchain.js';

let dir: string;
let argv: string[];
let objs: Record<string, Uint8Array>;
const linkers: Linker[] = [];

function newLinker(opts?: ConstructorParameters<typeof Linker>[0]) {
  const l = new Linker(opts);
  linkers.push(l);
  return l;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-linker-'));
  objs = await compile(
    {
      'main.c': '#include <stdio.h>\nint value(void);\nint main(void) { printf("value %d\\n", value()); return 0; }\n',
      'v1.c': 'int value(void) { return 1; }\n',
      'v2.c': 'int value(void) { return 22; }\n',
    },
    ['-O2'],
  );
  for (const [n, b] of Object.entries(objs)) writeFileSync(join(dir, n), b);
  copyFileSync(join(dir, 'v1.o'), join(dir, 'value.o'));
  await sysroot();
  argv = await linkCommand('clang', ['main.o', 'value.o'], ['-o', 'out.wasm']);
}, 180_000);

afterAll(async () => {
  for (const l of linkers) await l.close();
});

async function run(bytes: Uint8Array) {
  return (await runWasi(bytes)).stdout;
}

describe('Linker', () => {
  it('re-links from its cache with identical output', async () => {
    const fresh = linkSync(argv, { cwd: dir }).bytes;
    const L = newLinker();
    const a = L.linkSync(argv, { cwd: dir }).bytes;
    const cached = L.cacheBytes;
    const b = L.linkSync(argv, { cwd: dir }).bytes;
    expect(a).toEqual(fresh);
    expect(b).toEqual(fresh);
    expect(L.cacheBytes).toBe(cached);
    expect(cached).toBeGreaterThan(100_000);
    expect(await run(b)).toBe('value 1\n');
  });

  it('one Linker through many programs, in changing order and options, gives fresh links\' bytes', async () => {
    // Cached objects (libc members above all) reuse their chunk and local-symbol objects from
    // link to link: nothing of one link may leak into the next.
    const names = ['stdio_printf', 'cpp_virtual', 'thread_local', 'fnptr_table', 'weak_symbols', 'ctor_priority', 'cpp_string', 'data_relocs', 'string_dedup', 'static_archive'];
    const built = [];
    for (const n of names) built.push(await buildProgram(loadProgram(n), OPT_CONFIGS[0]!, join(dir, 'progs')));
    // Eleven option sets over ten programs: every program meets several. The Linker also reuses
    // the previous link's global Symbol objects, so forced exports and traced names must not leak.
    const options = [
      [],
      ['--no-gc-sections'],
      ['-O0'],
      ['--export-all'],
      ['--strip-all'],
      ['--export-dynamic'],
      ['--no-merge-data-segments'],
      ['--export-if-defined=malloc', '--trace-symbol=free', '--export=__heap_base'],
      // Output symbol indices on local symbols, which later links reuse as they are.
      ['--emit-relocs'],
      ['-r'],
      ['--emit-relocs', '--no-gc-sections'],
    ];
    const L = newLinker({ threads: 0 });
    let k = 0;
    for (const order of [built, [...built].reverse(), built]) {
      for (const b of order) {
        const args = [...b.argv.filter((a, i, all) => a !== '-o' && all[i - 1] !== '-o'), ...options[k++ % options.length]];
        const ours = L.linkSync(args);
        const fresh = linkSync(args);
        expect(Buffer.from(ours.bytes).equals(Buffer.from(fresh.bytes)), `${b.program.name} ${args.slice(-1)}`).toBe(true);
        expect(ours.warnings).toEqual(fresh.warnings);
      }
    }
  }, 300_000);

  it('a --wrap or --trace-symbol of one link does not reach the next (names resolve by ids kept across links)', async () => {
    const w = await compile(
      {
        'wrapmain.c':
          '#include <stdio.h>\nint value(void);\nint __real_value(void);\nint __wrap_value(void) { return __real_value() + 100; }\nint main(void) { printf("value %d\\n", value()); return 0; }\n',
      },
      ['-O2'],
    );
    writeFileSync(join(dir, 'wrapmain.o'), w['wrapmain.o']);
    const base = argv.filter((a) => a !== 'main.o' && a !== 'value.o');
    const wrapped = [...base, 'wrapmain.o', 'v1.o', '--wrap=value', '--trace-symbol=value'];
    const plain = [...base, 'main.o', 'v1.o'];
    const unwrapped = [...base, 'wrapmain.o', 'v1.o'];
    const outcome = (f: () => { bytes: Uint8Array; warnings: string[]; stdout: string[] }) => {
      try {
        const r = f();
        return { bytes: Buffer.from(r.bytes).toString('base64'), warnings: r.warnings, stdout: r.stdout };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    const L = newLinker({ threads: 0 });
    const seen: Record<string, unknown> = {};
    for (const args of [wrapped, plain, unwrapped, wrapped, unwrapped, plain]) {
      const ours = outcome(() => L.linkSync(args, { cwd: dir }));
      const fresh = outcome(() => linkSync(args, { cwd: dir }));
      expect(ours).toEqual(fresh);
      seen[args.join(' ')] = ours;
    }
    const ok = (args: string[]) => Buffer.from((seen[args.join(' ')] as { bytes: string }).bytes, 'base64');
    expect(await run(ok(wrapped))).toBe('value 101\n');
    expect(await run(ok(plain))).toBe('value 1\n');
    expect((seen[wrapped.join(' ')] as { stdout: string[] }).stdout.some((l) => /reference to value|definition of value/.test(l))).toBe(true);
    expect((seen[plain.join(' ')] as { stdout: string[] }).stdout).toEqual([]);
    // Without --wrap, __wrap_value (and its __real_value) is left out as unused.
    expect(await run(ok(unwrapped))).toBe('value 1\n');
  });

  it('links the same after its interned names are dropped (a Linker of many programs)', async () => {
    // keep 0: the names count as too many after every link, so each link interns them again
    // into a new table while the cached objects, their chunks and symbols stay.
    const L = newLinker({ threads: 0 });
    const pool = (L as unknown as { cache: { symbolPool: { names: NameIds } } }).cache.symbolPool;
    pool.names = new NameIds(0);
    const fresh = linkSync(argv, { cwd: dir }).bytes;
    const tables = new Set<NameIds>();
    for (let i = 0; i < 3; i++) {
      expect(Buffer.from(L.linkSync(argv, { cwd: dir }).bytes).equals(Buffer.from(fresh))).toBe(true);
      tables.add(pool.names);
    }
    expect(tables.size).toBe(3);
    expect(pool.names.keep).toBe(0);
    expect(await run(L.linkSync(argv, { cwd: dir }).bytes)).toBe('value 1\n');
  });

  it('re-reads a file that changed', async () => {
    const L = newLinker();
    expect(await run(L.linkSync(argv, { cwd: dir }).bytes)).toBe('value 1\n');
    copyFileSync(join(dir, 'v2.o'), join(dir, 'value.o'));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'value.o'), later, later);
    expect(await run(L.linkSync(argv, { cwd: dir }).bytes)).toBe('value 22\n');
    copyFileSync(join(dir, 'v1.o'), join(dir, 'value.o'));
  });

  it('links in-memory inputs without touching the disk for them', async () => {
    const L = newLinker();
    const a = L.linkSync(['mem-main.o', 'mem-value.o', ...argv.filter((x) => !x.endsWith('.o') || x.includes('crt1'))], {
      cwd: dir,
      files: { 'mem-main.o': objs['main.o'], 'mem-value.o': objs['v2.o'] },
    });
    expect(await run(a.bytes)).toBe('value 22\n');
  });

  it('keeps an in-memory input cached (counted once) across links, and sees a buffer changed in place', async () => {
    const L = newLinker({ threads: 0 });
    const rest = argv.filter((x) => !x.endsWith('.o') || x.includes('crt1'));
    const value = objs['v2.o'].slice();
    const args = ['mem-main.o', 'mem-value.o', ...rest];
    const files = { 'mem-main.o': objs['main.o'], 'mem-value.o': value };
    expect(await run(L.linkSync(args, { cwd: dir, files }).bytes)).toBe('value 22\n');
    const cached = L.cacheBytes;
    expect(await run(L.linkSync(args, { cwd: dir, files }).bytes)).toBe('value 22\n');
    expect(L.cacheBytes).toBe(cached);
    // The same buffer, rewritten by its owner between links: its new content is linked.
    expect(objs['v1.o'].length).toBe(value.length);
    value.set(objs['v1.o']);
    expect(await run(L.linkSync(args, { cwd: dir, files }).bytes)).toBe('value 1\n');
    expect(await run(L.linkSync(['other.o', 'mem-main.o', ...rest], { cwd: dir, files: { 'other.o': value, 'mem-main.o': objs['main.o'] } }).bytes)).toBe('value 1\n');
    // A Node Buffer too (its slice() is a view, not a copy): rewritten in place, relinked.
    const buf = Buffer.from(objs['v2.o']);
    const bufFiles = { 'mem-main.o': objs['main.o'], 'mem-value.o': buf };
    expect(await run(L.linkSync(args, { cwd: dir, files: bufFiles }).bytes)).toBe('value 22\n');
    buf.set(objs['v1.o']);
    expect(await run(L.linkSync(args, { cwd: dir, files: bufFiles }).bytes)).toBe('value 1\n');
    // ...and the entry cached for the first content still holds that content.
    expect(await run(L.linkSync(args, { cwd: dir, files: { 'mem-main.o': objs['main.o'], 'mem-value.o': Buffer.from(objs['v2.o']) } }).bytes)).toBe('value 22\n');
  });

  it('bounds in-memory inputs by maxCacheBytes too', () => {
    const max = 20_000;
    const L = newLinker({ threads: 0, maxCacheBytes: max });
    const base = objs['v1.o'];
    for (let i = 0; i < 40; i++) {
      // Distinct contents: a custom section "x" whose payload names the input.
      const obj = new Uint8Array(base.length + 5 + 1000);
      obj.set(base);
      obj.set([0, 0xea, 0x07, 1, 0x78], base.length);
      obj[obj.length - 1] = i;
      const name = `m${i}.o`;
      for (let k = 0; k < 2; k++) L.linkSync([name, '--no-entry', '--export=value'], { cwd: dir, files: { [name]: obj } });
      expect(L.cacheBytes).toBeGreaterThan(0);
      expect(L.cacheBytes).toBeLessThanOrEqual(max + 2 * obj.length);
    }
  });

  it('stays within maxCacheBytes (least recently used out) and can be cleared', () => {
    const unbounded = newLinker();
    unbounded.linkSync(argv, { cwd: dir });
    const L = newLinker({ maxCacheBytes: 200_000 });
    const out = L.linkSync(argv, { cwd: dir });
    // Only the most recent file may exceed the budget on its own (it is in use).
    expect(L.cacheBytes).toBeLessThan(unbounded.cacheBytes);
    expect(out.bytes).toEqual(unbounded.linkSync(argv, { cwd: dir }).bytes);
    L.clearCache();
    expect(L.cacheBytes).toBe(0);
    expect(L.linkSync(argv, { cwd: dir }).bytes.length).toBeGreaterThan(0);
  });

  it('runs concurrent async links on worker threads with identical results', async () => {
    const L = newLinker({ threads: 2 });
    const want = linkSync(argv, { cwd: dir }).bytes;
    const many = await Promise.all(Array.from({ length: 6 }, () => L.link(argv, { cwd: dir })));
    for (const r of many) expect(r.bytes).toEqual(want);
    const inMem = await L.link(['m.o', 'v.o', ...argv.filter((x) => !x.endsWith('.o') || x.includes('crt1'))], {
      cwd: dir,
      files: { 'm.o': objs['main.o'], 'v.o': objs['v2.o'] },
    });
    expect(await run(inMem.bytes)).toBe('value 22\n');
    await expect(L.link(['nothere.o', '--no-entry'], { cwd: dir })).rejects.toBeInstanceOf(LinkError);
    // Printed lines come back from the workers as from linkSync.
    const printed = linkSync([...argv, '--print-gc-sections'], { cwd: dir }).stdout;
    expect(printed.some((l) => l.startsWith('removing unused section'))).toBe(true);
    expect((await L.link([...argv, '--print-gc-sections'], { cwd: dir })).stdout).toEqual(printed);
  }, 60_000);

  it('replaces the output atomically: a reader never finds it missing or partial', async () => {
    const out = join(dir, 'atomic.wasm');
    const args = [...argv.filter((a, i, all) => a !== '-o' && all[i - 1] !== '-o'), '-o', 'atomic.wasm'];
    const L = newLinker({ threads: 0 });
    const size = L.linkSync(args, { cwd: dir }).bytes.length;
    // Another thread opens and reads the output as fast as it can while this one relinks.
    // stop[0]: the links are done; stop[1]: the reader has started.
    const stop = new Int32Array(new SharedArrayBuffer(8));
    const reader = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const { readFileSync } = require('node:fs');
       const stop = new Int32Array(workerData.stop);
       Atomics.store(stop, 1, 1);
       let reads = 0, bad = 0;
       while (Atomics.load(stop, 0) === 0) {
         reads++;
         try { if (readFileSync(workerData.out).length !== workerData.size) bad++; } catch { bad++; }
       }
       parentPort.postMessage({ reads, bad });`,
      { eval: true, workerData: { stop: stop.buffer, out, size } },
    );
    const result = new Promise<{ reads: number; bad: number }>((resolve) => reader.once('message', resolve));
    while (Atomics.load(stop, 1) === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 300; i++) L.linkSync(args, { cwd: dir });
    Atomics.store(stop, 0, 1);
    const { reads, bad } = await result;
    await reader.terminate();
    expect(reads).toBeGreaterThan(0);
    expect(bad).toBe(0);
  }, 60_000);

  it('clearCache() empties the worker threads\' caches too, and cacheBytes counts them', async () => {
    const L = newLinker({ threads: 1 });
    const file = join(dir, 'value.o');
    // A whole second, which utimes sets exactly.
    const when = Math.floor(Date.now() / 1000) - 100;
    utimesSync(file, when, when);
    expect(await run((await L.link(argv, { cwd: dir })).bytes)).toBe('value 1\n');
    expect(L.cacheBytes).toBeGreaterThan(100_000);
    // Same size, same mtime, new content (a restore, a coarse clock): only clearing sees it.
    expect(objs['v2.o'].length).toBe(statSync(file).size);
    writeFileSync(file, objs['v2.o']);
    utimesSync(file, when, when);
    try {
      expect(await run((await L.link(argv, { cwd: dir })).bytes)).toBe('value 1\n');
      L.clearCache();
      expect(L.cacheBytes).toBe(0);
      expect(await run((await L.link(argv, { cwd: dir })).bytes)).toBe('value 22\n');
      expect(L.cacheBytes).toBeGreaterThan(100_000);
    } finally {
      copyFileSync(join(dir, 'v1.o'), file);
    }
  }, 60_000);

  it('--cache-dir skips a link whose inputs and options did not change', () => {
    const cacheDir = join(dir, 'lcache');
    const args = [...argv, `--cache-dir=${cacheDir}`];
    const L = newLinker();
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    const st1 = statSync(join(dir, 'out.wasm'));
    const again = L.linkSync(args, { cwd: dir });
    expect(again.cached).toBe(true);
    expect(statSync(join(dir, 'out.wasm')).mtimeMs).toBe(st1.mtimeMs);
    expect(again.bytes).toEqual(new Uint8Array(readFileSync(join(dir, 'out.wasm'))));
    // Any change relinks: an option, an input's contents, or the output going away.
    expect(L.linkSync([...args, '--export=value'], { cwd: dir }).cached).toBeUndefined();
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    expect(L.linkSync(args, { cwd: dir }).cached).toBe(true);
    copyFileSync(join(dir, 'v2.o'), join(dir, 'value.o'));
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(dir, 'value.o'), later, later);
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    unlinkSync(join(dir, 'out.wasm'));
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    // A fresh process (new Linker) sees the same cache.
    expect(newLinker().linkSync(args, { cwd: dir }).cached).toBe(true);
    copyFileSync(join(dir, 'v1.o'), join(dir, 'value.o'));
  });

  it('--cache-dir: a skipped link repeats its warnings and printed lines, and keeps its other files', () => {
    const cacheDir = join(dir, 'lcache2');
    // value() stays undefined: a warning; --print-gc-sections prints lines.
    const args = [...argv.filter((a) => !a.endsWith('value.o')), '--warn-unresolved-symbols', '--print-gc-sections', '-Map=side.map', `--cache-dir=${cacheDir}`];
    const L = newLinker();
    const first = linkSync(args, { cwd: dir });
    expect(first.warnings.some((w) => w.includes('undefined symbol: value'))).toBe(true);
    expect(first.stdout.length).toBeGreaterThan(0);
    const map = readFileSync(join(dir, 'side.map'));
    const again = L.linkSync(args, { cwd: dir });
    expect(again.cached).toBe(true);
    expect(again.warnings).toEqual(first.warnings);
    const viaApi = linkSync(args, { cwd: dir });
    expect(viaApi.cached).toBe(true);
    expect(viaApi.stdout).toEqual(first.stdout);
    // The map file went away (or was changed): the link runs and writes it again.
    unlinkSync(join(dir, 'side.map'));
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    expect(readFileSync(join(dir, 'side.map'))).toEqual(map);
    expect(L.linkSync(args, { cwd: dir }).cached).toBe(true);
    writeFileSync(join(dir, 'side.map'), 'edited');
    expect(L.linkSync(args, { cwd: dir }).cached).toBeUndefined();
    expect(readFileSync(join(dir, 'side.map'))).toEqual(map);
  });
});
