// Differential suite: every program of test/fixtures/programs/, in every configuration of
// OPT_CONFIGS (-O2, and -O0 -g; a cross-section also -fPIC, -mcpu=mvp, SIMD and tail calls, and
// without per-function sections), is compiled with yowasp clang (cached), linked with the exact
// argv clang 22 would give wasm-ld — once by yowasp's wasm-ld, once by weld's library API —
// and both modules are run under node:wasi. Per program and configuration there are three tests:
//
//   reference  wasm-ld's module behaves as the manifest says (guards the harness and corpus)
//   behaviour  weld links, and its module behaves exactly like wasm-ld's (stdout, stderr, code)
//   bytes      weld's module is byte-identical to wasm-ld's (sectionDiff explains differences)
//
// Environment:
//   WELD_PROGRAM=name[,name|/regex/...]   run only these programs
//   WELD_CONFIG=O2|O0-g|O2-fPIC|...        run only these configurations (comma-separated)
//   WELD_DIFF_IMPL=wasm-ld                 link the "weld" side with wasm-ld too (harness self-check)
//
// Outputs land in test/.cache/differential/<config>/: <program>.wasm (weld) and
// reference/<program>.wasm (wasm-ld), plus results.json with a per-program summary.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPT_CONFIGS,
  buildProgram,
  expectedStderr,
  expectedStdout,
  loadPrograms,
  type BuiltProgram,
  type OptConfig,
  type Program,
} from './support/programs.js';
import {
  cacheRoot,
  runWasi,
  sectionDiff,
  wasmExports,
  wasmLd,
  wasmValidate,
  type RunWasiResult,
} from './support/toolchain.js';

const SLOW = 600_000;

type LinkFn = (argv: string[], opts?: { cwd?: string }) => Promise<{ bytes: Uint8Array; warnings: string[] }>;

const impl = process.env.WELD_DIFF_IMPL ?? 'weld';
const programs = loadPrograms(process.env.WELD_PROGRAM);
const configFilter = process.env.WELD_CONFIG?.split(',').map((s) => s.trim()).filter(Boolean);
const configs = OPT_CONFIGS.filter((c) => !configFilter || configFilter.includes(c.name));
if (configFilter) {
  for (const c of configFilter) {
    if (!OPT_CONFIGS.some((o) => o.name === c)) throw new Error(`unknown WELD_CONFIG ${c}`);
  }
}
const outRoot = path.join(cacheRoot, 'differential');

let linkPromise: Promise<LinkFn> | undefined;

/** The linker under test: weld's `link` from lib/index.ts (or wasm-ld for WELD_DIFF_IMPL=wasm-ld). */
function linker(): Promise<LinkFn> {
  linkPromise ??= (async (): Promise<LinkFn> => {
    if (impl === 'wasm-ld') {
      return async (argv, opts) => {
        const r = await wasmLd(argv, opts);
        if (!r.bytes) throw new Error(`wasm-ld failed (exit ${r.code}):\n${r.stderr}`);
        return { bytes: r.bytes, warnings: r.stderr ? r.stderr.trimEnd().split('\n') : [] };
      };
    }
    if (impl !== 'weld') throw new Error(`unknown WELD_DIFF_IMPL ${impl} (use weld or wasm-ld)`);
    const mod = (await import('../lib/index.js')) as { link?: LinkFn };
    if (typeof mod.link !== 'function') throw new Error('lib/index.js does not export link()');
    return mod.link;
  })();
  return linkPromise;
}

function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const diags = (e as { diagnostics?: { severity?: string; message?: string; file?: string; symbol?: string }[] })
    .diagnostics;
  if (Array.isArray(diags) && diags.length) {
    return `${e.name}: ${diags
      .map((d) => `${d.severity ?? 'error'}: ${d.file ? `${d.file}: ` : ''}${d.message ?? ''}`)
      .join('\n')}`;
  }
  return e.stack ?? `${e.name}: ${e.message}`;
}

interface CaseState {
  built?: BuiltProgram;
  buildError?: string;
  ref?: { bytes?: Uint8Array; stderr: string; code: number; ms: number };
  refRun?: RunWasiResult;
  refRunError?: string;
  weld?: { bytes: Uint8Array; warnings: string[]; ms: number };
  weldError?: string;
  weldRun?: RunWasiResult;
  weldRunError?: string;
  diff?: string[];
}

interface ResultRow {
  program: string;
  config: string;
  reference: 'ok' | 'fail';
  behaviour: 'same' | 'different' | 'link-error' | 'skipped';
  bytes: 'identical' | 'different' | 'n/a';
  size?: number;
  wasmLdMs?: number;
  weldMs?: number;
  firstDifference?: string;
  error?: string;
}

const results: ResultRow[] = [];

function runOpts(p: Program) {
  return { stdin: p.stdin, env: p.env, imports: p.imports, argv0: `${p.name}.wasm` };
}

function exportsOf(bytes: Uint8Array): string[] {
  return wasmExports(bytes);
}

async function runCase(p: Program, cfg: OptConfig, st: CaseState): Promise<void> {
  const dir = path.join(outRoot, cfg.name);
  fs.mkdirSync(path.join(dir, 'reference'), { recursive: true });
  try {
    st.built = await buildProgram(p, cfg, dir);
  } catch (e) {
    st.buildError = describeError(e);
    return;
  }
  const argv = st.built.argv;

  let t = performance.now();
  const ref = await wasmLd(argv);
  st.ref = { ...ref, ms: performance.now() - t };
  if (ref.bytes) {
    fs.writeFileSync(path.join(dir, 'reference', `${p.name}.wasm`), ref.bytes);
    try {
      st.refRun = await runWasi(ref.bytes, p.args ?? [], runOpts(p));
    } catch (e) {
      st.refRunError = describeError(e);
    }
  }

  try {
    const link = await linker();
    t = performance.now();
    const r = await link([...argv]);
    st.weld = { bytes: r.bytes, warnings: r.warnings, ms: performance.now() - t };
  } catch (e) {
    st.weldError = describeError(e);
    return;
  }
  fs.writeFileSync(st.built.output, st.weld.bytes);
  try {
    st.weldRun = await runWasi(st.weld.bytes, p.args ?? [], runOpts(p));
  } catch (e) {
    st.weldRunError = describeError(e);
  }
  if (ref.bytes) st.diff = sectionDiff(st.weld.bytes, ref.bytes);
}

function record(p: Program, cfg: OptConfig, st: CaseState): void {
  const refOk =
    !!st.refRun &&
    st.refRun.trap === undefined &&
    st.refRun.stdout === expectedStdout(p) &&
    st.refRun.code === p.exitCode;
  const same =
    !!st.weldRun &&
    !!st.refRun &&
    st.weldRun.stdout === st.refRun.stdout &&
    st.weldRun.stderr === st.refRun.stderr &&
    st.weldRun.code === st.refRun.code &&
    st.weldRun.trap === undefined;
  results.push({
    program: p.name,
    config: cfg.name,
    reference: refOk ? 'ok' : 'fail',
    behaviour: st.weldError ? 'link-error' : !st.weld ? 'skipped' : same ? 'same' : 'different',
    bytes: !st.diff ? 'n/a' : st.diff.length === 0 ? 'identical' : 'different',
    size: st.ref?.bytes?.length,
    wasmLdMs: st.ref ? Math.round(st.ref.ms) : undefined,
    weldMs: st.weld ? Math.round(st.weld.ms) : undefined,
    firstDifference: st.diff?.[0],
    error: st.buildError ?? st.weldError?.split('\n').slice(0, 3).join(' | '),
  });
}

describe.each(programs.map((p) => [p.name, p] as const))('%s', (_name, p) => {
  describe.each(configs.filter((c) => !c.programs || c.programs.includes(p.name)).map((c) => [c.name, c] as const))('%s', (_cfgName, cfg) => {
    const st: CaseState = {};

    beforeAll(async () => {
      await runCase(p, cfg, st);
      record(p, cfg, st);
    }, SLOW);

    it('reference: wasm-ld output behaves as the manifest says', () => {
      if (st.buildError) throw new Error(`build failed:\n${st.buildError}`);
      expect(st.ref?.stderr, 'wasm-ld diagnostics').toBe('');
      expect(st.ref?.code, 'wasm-ld exit code').toBe(0);
      if (st.refRunError) throw new Error(st.refRunError);
      expect(st.refRun?.trap, 'trap').toBeUndefined();
      expect(st.refRun?.stdout, 'stdout').toBe(expectedStdout(p));
      const err = expectedStderr(p);
      if (err !== undefined) expect(st.refRun?.stderr, 'stderr').toBe(err);
      expect(st.refRun?.code, 'exit code').toBe(p.exitCode);
      for (const name of p.exports ?? []) expect(exportsOf(st.ref!.bytes!), 'exports').toContain(name);
    });

    it('behaviour: weld links and its output runs like wasm-ld output', () => {
      if (st.buildError) throw new Error(`build failed:\n${st.buildError}`);
      if (st.weldError) throw new Error(`weld failed to link:\n${st.weldError}\n\nargv: ${st.built?.argv.join(' ')}`);
      expect(st.weld, 'weld output').toBeDefined();
      expect(wasmValidate(st.weld!.bytes), 'weld output validates').toBe(true);
      if (st.weldRunError) throw new Error(`running weld output: ${st.weldRunError}`);
      if (!st.refRun) throw new Error(`no wasm-ld reference run: ${st.refRunError ?? st.ref?.stderr ?? '?'}`);
      expect(st.weldRun?.trap, 'trap').toBeUndefined();
      expect(st.weldRun?.stdout, 'stdout').toBe(st.refRun.stdout);
      expect(st.weldRun?.stderr, 'stderr').toBe(st.refRun.stderr);
      expect(st.weldRun?.code, 'exit code').toBe(st.refRun.code);
      expect(exportsOf(st.weld!.bytes).sort(), 'exports').toEqual(exportsOf(st.ref!.bytes!).sort());
      if (!st.ref?.stderr) expect(st.weld!.warnings, 'warnings (wasm-ld printed none)').toEqual([]);
    });

    it('bytes: weld output is byte-identical to wasm-ld output', () => {
      if (st.buildError) throw new Error(`build failed:\n${st.buildError}`);
      if (st.weldError) throw new Error(`weld failed to link:\n${st.weldError}`);
      if (!st.ref?.bytes) throw new Error(`wasm-ld failed:\n${st.ref?.stderr}`);
      if (st.diff && st.diff.length > 0) {
        const weldFile = path.relative(process.cwd(), st.built!.output);
        const refFile = path.relative(process.cwd(), path.join(outRoot, cfg.name, 'reference', `${p.name}.wasm`));
        throw new Error(
          `weld output differs from wasm-ld output (${weldFile} vs ${refFile}; sizes ` +
            `${st.weld!.bytes.length} vs ${st.ref.bytes.length}):\n${st.diff.join('\n')}`,
        );
      }
      expect(st.diff).toEqual([]);
    });
  });
});

afterAll(() => {
  if (results.length === 0) return;
  results.sort((a, b) => a.program.localeCompare(b.program) || a.config.localeCompare(b.config));
  fs.mkdirSync(outRoot, { recursive: true });
  const file = path.join(outRoot, impl === 'weld' ? 'results.json' : `results-${impl}.json`);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ impl, when: new Date().toISOString(), results }, null, 2));
  fs.renameSync(tmp, file);
  const count = (f: (r: ResultRow) => boolean) => results.filter(f).length;
  const lines = [
    `differential (${impl}): ${results.length} cases — reference ok ${count((r) => r.reference === 'ok')}, ` +
      `behaviour same ${count((r) => r.behaviour === 'same')}, link errors ${count((r) => r.behaviour === 'link-error')}, ` +
      `byte-identical ${count((r) => r.bytes === 'identical')}`,
    ...results.map(
      (r) =>
        `  ${`${r.program}/${r.config}`.padEnd(28)} ref:${r.reference.padEnd(4)} behaviour:${r.behaviour.padEnd(10)} ` +
        `bytes:${r.bytes.padEnd(9)}${r.weldMs !== undefined ? ` weld ${r.weldMs}ms` : ''}` +
        `${r.wasmLdMs !== undefined ? ` wasm-ld ${r.wasmLdMs}ms` : ''}` +
        `${r.firstDifference ? `  ${r.firstDifference}` : ''}${r.error ? `  ${r.error}` : ''}`,
    ),
    `  (details: ${path.relative(process.cwd(), file)})`,
  ];
  console.log(lines.join('\n'));
});
