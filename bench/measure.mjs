// Runs one in-process measurement in a fresh Node process (so peak memory is its own) and
// prints a JSON result on stdout. Usage: node bench/measure.mjs <json spec>
//   spec: { mode, argv, cwd, runs, warmup, backend?, smallArgv?, count? }

import { readFileSync } from 'node:fs';

const spec = JSON.parse(process.argv[2]);
if (spec.backend) process.env.WELD_BACKEND = spec.backend;
const weld = await import('../dist/index.js');
const { runLink } = await import('../dist/link.js');
const { executeTs } = await import('../dist/backend/ts.js');
const { nativeBackend, tsBackend } = await import('../dist/backend/index.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs, warmup) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

let result;
switch (spec.mode) {
  case 'newLinker':
    // A new Linker per link: everything is read and parsed each time (JIT warm).
    result = { ms: time(() => new weld.Linker({ threads: 0 }).linkSync(spec.argv, { cwd: spec.cwd }), spec.runs, spec.warmup) };
    break;
  case 'reusedLinker': {
    const L = new weld.Linker({ threads: 0 });
    result = { ms: time(() => L.linkSync(spec.argv, { cwd: spec.cwd }), spec.runs, spec.warmup) };
    break;
  }
  case 'execute': {
    // One executor (spec.executor: ts | native), in a process of its own: the median of `runs`
    // after `warmup`, and again after 300 more (a process that has executed many plans: freed
    // output buffers are reused instead of fresh pages, which native execution feels most).
    let plan;
    runLink({ argv: spec.argv, cwd: spec.cwd, onPlan: (p) => (plan = p) });
    const n = nativeBackend();
    if (spec.executor === 'native' && 'error' in n) {
      result = { first: null, steady: null, bytes: plan.size };
      break;
    }
    const run = spec.executor === 'native' ? () => n.execute(plan) : () => executeTs(plan);
    const first = time(run, spec.runs, spec.warmup);
    const steady = time(run, spec.runs, 300);
    result = { first, steady, bytes: plan.size };
    break;
  }
  case 'backends': {
    // Whole links (a new Linker each time: everything parsed) with each backend, interleaved in
    // one process so both see the same JIT and heap state: the cleanest native-vs-TS comparison.
    const n = nativeBackend();
    if ('error' in n) {
      result = { native: null, ts: null };
      break;
    }
    const t = tsBackend();
    const one = (b) => {
      const s = performance.now();
      new weld.Linker({ threads: 0 }).linkSync(spec.argv, { cwd: spec.cwd }, b);
      return performance.now() - s;
    };
    for (let i = 0; i < spec.warmup; i++) (one(n), one(t));
    const tn = [];
    const tt = [];
    for (let i = 0; i < spec.runs; i++) {
      // Alternate which goes first, so neither always runs right after the other's garbage.
      if (i % 2) (tn.push(one(n)), tt.push(one(t)));
      else (tt.push(one(t)), tn.push(one(n)));
    }
    result = { native: median(tn), ts: median(tt) };
    break;
  }
  case 'smallLinks': {
    // `count` small links through one Linker, one after another, after 20 warm-up links; then,
    // after 200 more, `count` again: the steady state of a process that links a lot (V8 only
    // optimizes functions that run once per link after a few hundred links).
    const L = new weld.Linker({ threads: 0 });
    const batch = () => {
      const t = performance.now();
      for (let i = 0; i < spec.count; i++) L.linkSync(spec.argv, { cwd: spec.cwd });
      return performance.now() - t;
    };
    for (let i = 0; i < 20; i++) L.linkSync(spec.argv, { cwd: spec.cwd });
    const ms = batch();
    for (let i = 0; i < 200; i++) L.linkSync(spec.argv, { cwd: spec.cwd });
    result = { ms, steadyMs: batch() };
    break;
  }
  case 'smallLinksParallel': {
    // The same through link(): concurrent links spread over worker threads.
    const L = new weld.Linker();
    for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: 4 }, () => L.link(spec.argv, { cwd: spec.cwd })));
    const t = performance.now();
    await Promise.all(Array.from({ length: spec.count }, () => L.link(spec.argv, { cwd: spec.cwd })));
    result = { ms: performance.now() - t };
    await L.close();
    break;
  }
  default:
    throw new Error(`unknown mode ${spec.mode}`);
}
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
result.backend = weld.backend;
void readFileSync;
process.stdout.write(JSON.stringify(result));
