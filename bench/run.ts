// npm run bench: builds the benchmark programs (cached), then times in one run, as medians of
// repeated runs: wasm-ld as a process (the system one when present) and YoWASP's wasm-ld in
// Node, the weld CLI, link() with a new Linker each time, a reused Linker, plan execution on
// each backend, and 100 small links through one Linker against 100 wasm-ld processes; with
// peak memory. Prints a table and writes bench/results.md.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileToFiles, linkCommand, sysroot, wasmLd } from '../test/support/toolchain.js';
import { cxxProgram, largeProgram, smallProgram } from './cases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const weldBin = join(root, 'bin', 'weld.js');
const work = join(root, 'bench', '.cache');
mkdirSync(work, { recursive: true });
const quick = process.env.WELD_BENCH_QUICK === '1';
const RUNS = quick ? 3 : 9;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Children run without vite-node's loader (NODE_OPTIONS), which would inflate their memory. */
const cleanEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('VITE')));

/** Median wall time of a command, and its peak RSS (MB) when GNU time is available. */
function timeProcess(cmd: string[], cwd: string, runs: number, env: NodeJS.ProcessEnv = cleanEnv): { ms: number; rss: number | null } {
  const ts: number[] = [];
  let rss: number | null = null;
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd, env, encoding: 'utf8' });
    const dt = performance.now() - t;
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr}`);
    if (i > 0) ts.push(dt);
  }
  if (gnuTime) {
    const r = spawnSync(gnuTime, ['-f', '%M', ...cmd], { cwd, env, encoding: 'utf8' });
    const m = /(\d+)\s*$/.exec(r.stderr.trim());
    if (m) rss = Number(m[1]) / 1024;
  }
  return { ms: median(ts), rss };
}

/**
 * The CLI with WELD_DAEMON=1 once its resident process is up and warm: the first command starts
 * it, a few more warm it (JIT, input cache); the process is stopped afterwards.
 */
function timeResident(argv: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const dir = mkdtempSync(join(tmpdir(), 'weld-bench-daemon-'));
  const denv = { ...env, WELD_DAEMON: '1', WELD_DAEMON_DIR: dir, WELD_DAEMON_IDLE_MS: '60000' };
  const pids = () => readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => Number(readFileSync(join(dir, f), 'utf8')));
  try {
    spawnSync(process.execPath, [weldBin, ...argv], { cwd, env: denv });
    for (let i = 0; i < 400 && pids().length === 0; i++) spawnSync('sleep', ['0.025']);
    for (let i = 0; i < 10; i++) spawnSync(process.execPath, [weldBin, ...argv], { cwd, env: denv });
    return timeProcess([process.execPath, weldBin, ...argv], cwd, RUNS, denv).ms;
  } finally {
    for (const pid of pids())
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
  }
}

interface Measured {
  ms?: number;
  steadyMs?: number;
  ts?: number;
  native?: number | null;
  first?: number | null;
  steady?: number | null;
  bytes?: number;
  maxRssMB: number;
  backend: string;
}

function measure(spec: Record<string, unknown>): Measured {
  const r = spawnSync(process.execPath, [join(root, 'bench', 'measure.mjs'), JSON.stringify(spec)], { encoding: 'utf8', env: cleanEnv });
  if (r.status !== 0) throw new Error(`measure ${spec.mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

interface Case {
  name: string;
  argv: string[];
  objectBytes: number;
}

async function buildCase(name: string, files: Record<string, string>, args: string[]): Promise<Case> {
  const sources = Object.keys(files);
  const objs = await compileToFiles(files, args, { sources });
  const driver = sources.some((s) => s.endsWith('.cpp')) ? 'clang++' : 'clang';
  const argv = await linkCommand(driver, objs, ['-o', `${name}.wasm`]);
  const objectBytes = objs.reduce((n, o) => n + statSync(o).size, 0);
  return { name, argv, objectBytes };
}

const fmt = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'n/a' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? (a / b).toFixed(2) + 'x' : 'n/a');

async function main() {
  console.log('building cases (cached after the first run)...');
  await sysroot();
  const cases = [
    await buildCase('large', largeProgram(), ['-O2']),
    await buildCase('cxx', cxxProgram, ['-O2', '-fno-exceptions']),
    await buildCase('small', smallProgram, ['-O2']),
  ];
  const sysLd = which('wasm-ld-22') ?? which('wasm-ld');
  const node0 = timeProcess([process.execPath, '-e', '0'], work, RUNS);
  const lines: string[] = [];
  const out = (s = '') => {
    console.log(s);
    lines.push(s);
  };
  out(`# weld benchmark`);
  out();
  out(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Medians of ${RUNS} runs (wasm-ld's process ${RUNS * 2}, a new Linker's links ${RUNS * 3}, a reused one's ${RUNS * 4}), milliseconds.`);
  out(`Reference: ${sysLd ? `${sysLd} (process)` : 'no system wasm-ld'}; YoWASP wasm-ld 22 in Node. \`node -e 0\`: ${fmt(node0.ms)} ms.`);
  out();
  const backends = ['native', 'ts'];
  for (const c of cases) {
    out(`## ${c.name}: ${(c.objectBytes / 1e6).toFixed(2)} MB of objects (+ libc${c.name === 'cxx' ? ', libc++' : ''})`);
    out();
    // More runs where a row is a ratio's reference or this noisy machine's medians moved most.
    const sys = sysLd ? timeProcess([sysLd, ...c.argv], work, RUNS * 2) : null;
    const ywTimes: number[] = [];
    await wasmLd(c.argv, { cwd: work });
    for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
      const t = performance.now();
      const r = await wasmLd(c.argv, { cwd: work });
      if (r.code !== 0) throw new Error(r.stderr);
      ywTimes.push(performance.now() - t);
    }
    const yw = median(ywTimes);
    const ref = sys?.ms ?? yw;
    out('| what | backend | ms | vs wasm-ld | peak RSS MB |');
    out('|---|---|---:|---:|---:|');
    if (sys) out(`| wasm-ld process | | ${fmt(sys.ms)} | 1.00x | ${fmt(sys.rss)} |`);
    out(`| wasm-ld in Node (YoWASP) | | ${fmt(yw)} | ${ratio(yw, ref)} | |`);
    for (const b of backends) {
      const env = { ...cleanEnv, WELD_BACKEND: b };
      let cli;
      try {
        cli = timeProcess([process.execPath, weldBin, ...c.argv], work, RUNS, env);
      } catch (e) {
        out(`| weld CLI | ${b} | unavailable: ${(e as Error).message.split('\n')[0]} | | |`);
        continue;
      }
      out(`| weld CLI | ${b} | ${fmt(cli.ms)} | ${ratio(cli.ms, ref)} | ${fmt(cli.rss)} |`);
      out(`| weld CLI minus node start-up | ${b} | ${fmt(cli.ms - node0.ms)} | ${ratio(cli.ms - node0.ms, ref)} | |`);
      const resident = timeResident(c.argv, work, env);
      out(`| weld CLI, WELD_DAEMON=1 (warm resident process) | ${b} | ${fmt(resident)} | ${ratio(resident, ref)} | |`);
      out(`| … minus node start-up | ${b} | ${fmt(resident - node0.ms)} | ${ratio(resident - node0.ms, ref)} | |`);
      const fresh = measure({ mode: 'newLinker', argv: c.argv, cwd: work, runs: RUNS * 3, warmup: 10, backend: b });
      out(`| link(), new Linker each time | ${b} | ${fmt(fresh.ms)} | ${ratio(fresh.ms, ref)} | ${fmt(fresh.maxRssMB)} |`);
      const reused = measure({ mode: 'reusedLinker', argv: c.argv, cwd: work, runs: RUNS * 4, warmup: 10, backend: b });
      out(`| link(), reused Linker (cached inputs) | ${b} | ${fmt(reused.ms)} | ${ratio(reused.ms, ref)} | ${fmt(reused.maxRssMB)} |`);
    }
    const both = measure({ mode: 'backends', argv: c.argv, cwd: work, runs: RUNS * 7, warmup: 15 });
    out(`| link(), new Linker, backends interleaved in one process | ts | ${fmt(both.ts)} | ${ratio(both.ts, ref)} | |`);
    out(`| link(), new Linker, backends interleaved in one process | native | ${fmt(both.native)} | ${ratio(both.native, ref)}; TS/native ${ratio(both.ts, both.native)} | |`);
    // Plan execution is ~1 ms: many runs after a JIT warm-up, each executor in its own process.
    const exTs = measure({ mode: 'execute', executor: 'ts', argv: c.argv, cwd: work, runs: 101, warmup: 30 });
    const exNat = measure({ mode: 'execute', executor: 'native', argv: c.argv, cwd: work, runs: 101, warmup: 30 });
    const mb = (exTs.bytes! / 1e6).toFixed(2);
    out(`| plan execution (${mb} MB output), runs 31–131 of a process | ts | ${fmt(exTs.first)} | | |`);
    out(`| plan execution, runs 31–131 of a process | native | ${fmt(exNat.first)} | TS/native ${ratio(exTs.first, exNat.first)} | |`);
    out(`| plan execution, after 400 runs | ts | ${fmt(exTs.steady)} | | |`);
    out(`| plan execution, after 400 runs | native | ${fmt(exNat.steady)} | TS/native ${ratio(exTs.steady, exNat.steady)} | |`);
    out();
  }

  const small = cases[2];
  const N = 100;
  out(`## ${N} small links (${small.name}) in one process vs ${N} wasm-ld processes`);
  out();
  out('| what | backend | ms total | links/s | vs wasm-ld processes |');
  out('|---|---|---:|---:|---:|');
  // One batch of 100 links is one sample, and this machine's speed drifts: rounds alternate the
  // wasm-ld processes and each backend's process, and each figure is the median of its rounds.
  const ROUNDS = 5;
  const ld = sysLd ?? null;
  const procRuns: number[] = [];
  const runs = new Map<string, { ms: number[]; steady: number[]; par: number[]; error?: string }>();
  for (const b of backends) runs.set(b, { ms: [], steady: [], par: [] });
  for (let round = 0; round < ROUNDS; round++) {
    if (ld) {
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        const r = spawnSync(ld, small.argv, { cwd: work, env: cleanEnv });
        if (r.status !== 0) throw new Error('wasm-ld failed');
      }
      procRuns.push(performance.now() - t);
    }
    for (const b of backends) {
      const m = runs.get(b)!;
      if (m.error) continue;
      try {
        const seq = measure({ mode: 'smallLinks', argv: small.argv, cwd: work, count: N, backend: b });
        m.ms.push(seq.ms!);
        m.steady.push(seq.steadyMs!);
        m.par.push(measure({ mode: 'smallLinksParallel', argv: small.argv, cwd: work, count: N, backend: b }).ms!);
      } catch (e) {
        m.error = (e as Error).message.split('\n')[0];
      }
    }
  }
  const procMs = ld ? median(procRuns) : null;
  if (ld) out(`| ${N} × wasm-ld process | | ${fmt(procMs)} | ${((N * 1000) / procMs!).toFixed(0)} | 1.00x |`);
  for (const b of backends) {
    const m = runs.get(b)!;
    if (m.error) {
      out(`| one Linker | ${b} | unavailable: ${m.error} | | |`);
      continue;
    }
    const row = (what: string, ms: number) =>
      out(`| ${what} | ${b} | ${fmt(ms)} | ${((N * 1000) / ms).toFixed(0)} | ${procMs ? (procMs / ms).toFixed(1) + 'x' : 'n/a'} |`);
    row(`one Linker, linkSync × ${N} (after 20 links)`, median(m.ms));
    row(`one Linker, linkSync × ${N} (after 220 links)`, median(m.steady));
    row(`one Linker, Promise.all(link × ${N})`, median(m.par));
  }
  out();
  out(`Medians of ${ROUNDS} rounds; each round times ${N} wasm-ld processes, then each backend in a fresh process.`);
  out();
  writeFileSync(join(root, 'bench', 'results.md'), lines.join('\n') + '\n');
  console.log('written bench/results.md');
}

await main();
