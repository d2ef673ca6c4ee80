// One link, end to end: argv -> options -> inputs -> symbols -> GC -> layout -> plan -> bytes.

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { Diagnostics, InputError, LinkError, StopLink, type Diagnostic } from './diag.js';
import { checkOptions, parseOptions, type LinkOptions } from './options/index.js';
import { helpText } from './options/table.js';
import type { FileSystem } from './options/rsp.js';
import type { RelocDecoder } from './input/object.js';
import { fillBuildId } from './output/buildid.js';
import { compressRelocations, type CompressedLayout } from './output/compress.js';
import type { Layout } from './layout/types.js';
import { relativeToRoot, TarWriter } from './output/reproduce.js';
import { InputLoader, oneShotCache, type InputCache } from './input/index.js';
import { Context } from './resolve/context.js';
import { resolve } from './resolve/index.js';
import { markLive } from './gc/index.js';
import { Writer } from './layout/writer.js';
import { mapFileText } from './layout/mapfile.js';
import { buildPlan } from './plan/index.js';
import type { WritePlan } from './plan/types.js';
import { BackendError, backendName, nativeBackend, selectBackend, tsBackend, type Backend, type MergedStrings, type MergeStrings } from './backend/index.js';
import { dumpPlan } from './plan/dump.js';
import { PlanError } from './backend/ts.js';
import { OpenError, writeAtomic } from './output/index.js';
import { WELD_VERSION, LLD_COMPAT } from './version.js';
import { LinkCache, linkDigest } from './output/linkcache.js';

export interface LinkResult {
  /** The linked module (empty for --help/--version). */
  bytes: Uint8Array;
  /** True when --cache-dir found the same inputs and options as the last link of this output. */
  cached: boolean;
  warnings: string[];
  diagnostics: Diagnostic[];
  /** Lines for stdout (--trace, --print-gc-sections, --print-map, --help, --version). */
  stdout: string[];
}

export interface LinkRequest {
  argv: readonly string[];
  cwd: string;
  fs?: FileSystem;
  cache?: InputCache;
  backend?: Backend;
  /** The CLI requires -o (as wasm-ld does); the API may return bytes only. */
  requireOutput?: boolean;
  /** Streams diagnostics and stdout lines as they happen (the CLI). */
  /** `color`: what --color-diagnostics asked for (undefined: auto). */
  onDiagnostic?: (d: Diagnostic, color: boolean | undefined) => void;
  onStdout?: (line: string) => void;
  onLog?: (line: string) => void;
  /** Receives the output of `-o -` (the CLI writes it to stdout). */
  onStdoutBytes?: (bytes: Uint8Array) => void;
  /** Hook to inspect (or dump) the plan before it is executed. */
  onPlan?: (plan: WritePlan) => void;
}

export const nodeFs: FileSystem = {
  read(path) {
    try {
      return { bytes: readFileSync(path) };
    } catch (e) {
      return { error: errnoMessage(e) };
    }
  },
  exists(path) {
    try {
      // One stat: existsSync first was a second system call per library candidate and link.
      return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
    } catch {
      return false;
    }
  },
  stat(path) {
    try {
      const st = statSync(path);
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      return null;
    }
  },
};

/** Node's errors as LLVM's error_code messages ("No such file or directory"). */
export function errnoMessage(e: unknown): string {
  if (e instanceof OpenError) return errnoMessage(e.cause);
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

function checkWritable(path: string, fs: FileSystem): string | null {
  void fs;
  if (path === '') return 'No such file or directory';
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) return 'Is a directory';
    // lld's FileOutputBuffer creates a temporary file beside the output, so a missing directory
    // is reported here ("No such file or directory"), before the link, as wasm-ld does.
    if (!st) statSync(dirname(path));
    return null;
  } catch (e) {
    return errnoMessage(e);
  }
}

/** What a link needs after planning: execute the plan, then `finish` writes the output. */
type Stages =
  | { done: Uint8Array; cached: boolean }
  | { plan: WritePlan; backend: Backend; parity: Backend | null; finish: (bytes: Uint8Array) => Uint8Array };

class LinkRun {
  readonly diag = new Diagnostics();
  readonly fs: FileSystem;
  cached = false;

  constructor(readonly req: LinkRequest) {
    const onDiagnostic = req.onDiagnostic;
    this.diag.onMessage = onDiagnostic ? (d) => onDiagnostic(d, this.diag.color) : null;
    this.diag.onOut = req.onStdout ?? null;
    this.diag.onLog = req.onLog ?? null;
    this.fs = req.fs ?? nodeFs;
  }

  /** A link that ended before planning (--help, --version, a link-cache hit). */
  done(st: { done: Uint8Array; cached: boolean }): LinkResult {
    this.cached = st.cached;
    return this.result(st.done);
  }

  result(bytes: Uint8Array): LinkResult {
    const d = this.diag;
    return { bytes, cached: this.cached, warnings: d.warnings(), diagnostics: d.all, stdout: d.out };
  }

  /** Turns the ways a link stops into a LinkError carrying every diagnostic. */
  fail(e: unknown): never {
    const diag = this.diag;
    if (e instanceof StopLink) throw new LinkError(diag.all);
    if (e instanceof InputError || e instanceof BackendError || e instanceof PlanError) {
      const d: Diagnostic = e instanceof InputError ? { severity: 'error', message: e.message, ...e.details } : { severity: 'error', message: e.message };
      diag.all.push(d);
      this.req.onDiagnostic?.(d, diag.color);
      throw new LinkError(diag.all);
    }
    throw e;
  }

  stages(): Stages {
    const { req, diag, fs } = this;
    const config = parseOptions(req.argv, req.cwd, fs, diag);
    diag.errorLimit = config.errorLimit;
    diag.fatalWarnings = config.fatalWarnings;
    diag.verbose = config.verbose;
    // --help and --version still print when the command line had errors, but the link fails
    // (exit status 1), as wasm-ld's does.
    if (config.help) {
      diag.message(helpText('weld').trimEnd());
      diag.checkpoint();
      return { done: new Uint8Array(0), cached: false };
    }
    if (config.printVersion) diag.message(`weld ${WELD_VERSION} (compatible with ${LLD_COMPAT}; backend: ${req.backend?.name ?? backendName()})`);
    if (config.version || (config.printVersion && !config.files.some((f) => f.kind === 'input' || f.kind === 'library'))) {
      diag.checkpoint();
      return { done: new Uint8Array(0), cached: false };
    }
    // As lld, option errors do not stop the link before its inputs are opened (and reported).
    return linkWithOptions(config, req, fs, diag);
  }
}

/** --reproduce: response.txt, version.txt and every file read, in one tar. */
function writeReproduce(r: { given: string; path: string; response: string }, read: readonly { path: string; bytes: Uint8Array }[], cwd: string, diag: Diagnostics): void {
  const tar = new TarWriter(r.path);
  const enc = new TextEncoder();
  tar.append('response.txt', enc.encode(r.response));
  tar.append('version.txt', enc.encode(`weld ${WELD_VERSION} (compatible with ${LLD_COMPAT})\n`));
  for (const f of read) tar.append(relativeToRoot(f.path, cwd), f.bytes);
  try {
    writeAtomic(r.path, tar.finish(), 0o644);
  } catch (e) {
    diag.error(`--reproduce: cannot open ${r.given}: ${errnoMessage(e)}`);
  }
}

/** WELD_PARITY=1: the backend that all of this link's native work is checked against. */
function parityOther(backend: Backend): Backend | null {
  if (process.env.WELD_PARITY !== '1') return null;
  if (backend.name === 'native') return tsBackend();
  const n = nativeBackend();
  if ('error' in n) {
    if (process.env.WELD_EXPECT_NATIVE === '1') throw new BackendError(`WELD_EXPECT_NATIVE=1, but the native backend cannot load: ${n.error}`);
    return null;
  }
  return n;
}

/**
 * WELD_PARITY=1: every kernel call of the layout also runs on the other backend and must give the
 * same result; checkParity does the same for the plan. The test suite runs this way.
 */
function withParity(backend: Backend, other: Backend | null): Backend {
  if (!other) return backend;
  const mergeStrings: MergeStrings = (buffers, ranges, alignLog2) => {
    const ours = backend.mergeStrings(buffers, ranges, alignLog2);
    let theirs: MergedStrings | number;
    try {
      theirs = other.mergeStrings(buffers, ranges, alignLog2);
    } catch (e) {
      throw new Error(`backend parity failure: ${other.name} failed to merge strings that ${backend.name} merged: ${(e as Error).message}`);
    }
    const why = sameMerge(ours, theirs);
    if (why) throw new Error(`backend parity failure: ${backend.name} and ${other.name} merge ${ranges.length / 3} string chunks (alignment 2^${alignLog2}) differently: ${why}`);
    return ours;
  };
  return { ...backend, mergeStrings };
}

/** The backend's relocation fast path; under WELD_PARITY=1 the native one, checked against the reference. */
function relocDecoder(backend: Backend, other: Backend | null): RelocDecoder | undefined {
  const native = backend.decodeRelocs ?? other?.decodeRelocs;
  if (!native) return undefined;
  return { decode: native, check: !!other };
}

function sameMerge(a: MergedStrings | number, b: MergedStrings | number): string {
  const what = (r: MergedStrings | number) => (typeof r !== 'number' ? 'a table' : r < 0 ? 'too large' : `unterminated chunk ${r}`);
  if (typeof a === 'number' || typeof b === 'number') return a === b ? '' : `${what(a)} vs ${what(b)}`;
  for (const k of ['body', 'starts', 'offsets', 'counts'] as const) {
    const x = a[k];
    const y = b[k];
    if (x.length !== y.length) return `${k} lengths ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${k}[${i}] ${x[i]} vs ${y[i]}`;
  }
  return '';
}

/**
 * WELD_PARITY=1: every link also executes its plan on the other backend and fails if the bytes
 * differ, writing the plan to weld-parity-<pid>.plan for replay.
 */
function checkParity(plan: WritePlan, backend: Backend, other: Backend | null, bytes: Uint8Array): void {
  if (!other) return;
  const theirs = other.execute(plan);
  let i = 0;
  while (i < bytes.length && bytes[i] === theirs[i]) i++;
  if (i === bytes.length && theirs.length === bytes.length) return;
  // An absolute path in the message: a resident process's cwd is not the command's.
  const file = join(process.cwd(), `weld-parity-${process.pid}.plan`);
  writeAtomic(file, dumpPlan(plan), 0o644);
  throw new Error(`backend parity failure: ${backend.name} and ${other.name} outputs differ at byte ${i} (plan written to ${file})`);
}

/** Everything after the plan is executed: the parity check, the output, the result. */
function complete(run: LinkRun, st: Exclude<Stages, { done: Uint8Array }>, bytes: Uint8Array): LinkResult {
  checkParity(st.plan, st.backend, st.parity, bytes);
  return run.result(st.finish(bytes));
}

export function runLink(req: LinkRequest): LinkResult {
  const run = new LinkRun(req);
  try {
    const st = run.stages();
    if ('done' in st) return run.done(st);
    return complete(run, st, st.backend.execute(st.plan));
  } catch (e) {
    return run.fail(e);
  }
}

/** As runLink, but the plan executes off this thread when the backend can (native). */
export async function runLinkAsync(req: LinkRequest): Promise<LinkResult> {
  const run = new LinkRun(req);
  try {
    const st = run.stages();
    if ('done' in st) return run.done(st);
    return complete(run, st, await st.backend.executeAsync(st.plan));
  } catch (e) {
    return run.fail(e);
  }
}

/**
 * --why-extract's output, written when resolution gets there, as lld does: stdout lines and
 * errors after it come after. (Made here, not in linkWithOptions: a closure there puts that
 * function's variables in a heap context, which cost small links ~10%.)
 */
function whyExtractWriter(dest: string, cwd: string, diag: Diagnostics): (text: string) => void {
  return (text) => {
    if (dest === '-') {
      for (const line of text.replace(/\n$/, '').split('\n')) diag.message(line);
      return;
    }
    try {
      writeAtomic(isAbsolute(dest) ? dest : join(cwd, dest), new TextEncoder().encode(text), 0o644);
    } catch (e) {
      diag.error(`cannot open --why-extract= file ${dest}: ${errnoMessage(e)}`);
    }
  };
}

/** WELD_TIMING=1 prints how long each stage took (stderr), for profiling. */
const timing = !!process.env.WELD_TIMING;
let lastMark = 0;
function mark(stage: string): void {
  if (!timing) return;
  const now = performance.now();
  if (stage) process.stderr.write(`weld: ${stage.padEnd(10)} ${(now - lastMark).toFixed(1)} ms\n`);
  lastMark = now;
}

/** Files besides the output that a link writes (and a link-cache hit must find unchanged). */
function sideFiles(config: LinkOptions): string[] {
  const files: string[] = [];
  if (config.mapFile && config.mapFile !== '-') files.push(config.mapFile);
  if (config.whyExtract && config.whyExtract !== '-') files.push(config.whyExtract);
  if (config.dumpPlan) files.push(config.dumpPlan);
  return files;
}

function linkWithOptions(config: LinkOptions, req: LinkRequest, fs: FileSystem, diag: Diagnostics): Stages {
  mark('');
  const cache = req.cache ?? oneShotCache();
  const chosen = req.backend ?? selectBackend();
  // WELD_PARITY=1: the backend everything native in this link is checked against.
  const parity = parityOther(chosen);
  const backend = withParity(chosen, parity);
  const loader = new InputLoader(config, req.cwd, fs, diag, cache, relocDecoder(chosen, parity));
  // lld opens the tar before reading anything: a tar it cannot create is reported first.
  let repro = config.reproduce;
  if (repro && checkWritable(repro.path, fs)) {
    diag.error(`--reproduce: cannot open ${repro.given}`);
    repro = null;
  }
  try {
    loader.createFiles();
    diag.checkpoint();
    if (req.requireOutput !== false || config.output) checkOptions(config, diag);
    else if (config.importTable && config.exportTable) diag.error('--import-table and --export-table may not be used together');
    diag.checkpoint();
    if (config.allowUndefinedFile !== null) loader.readImportFile(config.allowUndefinedFile);
  } finally {
    // As lld, the tar holds what was read even when reading failed.
    if (repro) writeReproduce(repro, loader.read, req.cwd, diag);
  }

  // `-o -` is standard output (LLVM's "-" path): the CLI writes the bytes there, the API returns them.
  // Not normalized: like lld's open(), "out/../o.wasm" needs the directory "out" to exist.
  const outPath = config.output && config.output !== '-' ? (isAbsolute(config.output) ? config.output : req.cwd.replace(/[\\/]+$/, '') + sep + config.output) : '';
  if (outPath) {
    const why = checkWritable(outPath, fs);
    if (why) diag.error(`cannot open output file ${config.output}: ${why}`);
  }
  diag.checkpoint();

  const abs = (p: string) => (isAbsolute(p) ? p : join(req.cwd, p));
  const linkCache = config.cacheDir && outPath ? new LinkCache(abs(config.cacheDir), outPath, sideFiles(config).map(abs)) : null;
  const digest = linkCache ? linkDigest(config, req.cwd, loader.read, cache) : '';
  // What this link reports from here on is what a skipped link repeats.
  const firstDiagnostic = diag.all.length;
  const firstStdout = diag.out.length;
  if (linkCache) {
    const kept = linkCache.lookup(digest);
    if (kept) {
      for (const d of kept.diagnostics) diag.report(d);
      for (const line of kept.stdout) diag.message(line);
      diag.log(`link cache: inputs and options unchanged, keeping ${config.output}`);
      return { done: kept.bytes, cached: true };
    }
  }

  mark('inputs');
  diag.log(`backend: ${backend.name} (${backend.reason})`);
  const ctx = new Context(config, diag, backend, cache.symbolPool);
  if (config.whyExtract) ctx.onWhyExtract = whyExtractWriter(config.whyExtract, req.cwd, diag);
  resolve(ctx, loader.files, loader.stubs);
  mark('resolve');
  markLive(ctx);
  ctx.sym.indirectFunctionTable = ctx.symtab.resolveIndirectFunctionTable(false);
  diag.checkpoint();
  mark('gc');

  const writer = new Writer(ctx);
  const layout = writer.run();
  const writeMap = (l: Layout, fnPos?: CompressedLayout['functions']) => {
    if (!config.mapFile) return;
    const r = writer.result;
    const text = mapFileText(ctx, l, r.segments, r.inputGlobals, fnPos);
    if (config.mapFile === '-') for (const line of text.slice(0, -1).split('\n')) diag.message(line);
    else {
      try {
        writeAtomic(abs(config.mapFile), new TextEncoder().encode(text), 0o644);
      } catch (e) {
        diag.error(`cannot open map file ${config.mapFile}: ${errnoMessage(e)}`);
      }
    }
    diag.checkpoint();
  };
  // The errors the writer reported stop the link after the map is written, as in lld's Writer.
  if (diag.errorCount > 0 && !config.compressRelocations)
    try {
      writeMap(layout);
    } catch {
      // The link fails anyway (checkpoint below): its errors say why.
    }
  diag.checkpoint();
  mark('layout');
  // With --compress-relocations the map describes the compressed module, written after it.
  if (!config.compressRelocations) writeMap(layout);
  const plan = buildPlan(ctx, layout);
  req.onPlan?.(plan);
  if (config.dumpPlan) writeAtomic(abs(config.dumpPlan), dumpPlan(plan), 0o644);
  mark('plan');
  const finish = (executed: Uint8Array): Uint8Array => {
    mark('execute');
    let bytes = executed;
    if (config.compressRelocations) {
      const c = compressRelocations(executed, layout, plan);
      bytes = c.bytes;
      writeMap(c.layout.layout, c.layout.functions);
    }
    fillBuildId(config.buildId, bytes);
    if (outPath) {
      try {
        writeAtomic(outPath, bytes);
      } catch (e) {
        // lld checks that it can create the output before the link; the check here (a stat)
        // cannot see every reason, so a temporary file that cannot be made gets lld's message.
        if (e instanceof OpenError) diag.fatal(`cannot open output file ${config.output}: ${errnoMessage(e.cause)}`);
        diag.fatal(`failed to write output '${config.output}': ${errnoMessage(e)}`);
      }
    }
    if (config.output === '-') req.onStdoutBytes?.(bytes);
    if (linkCache) linkCache.store(digest, diag.all.slice(firstDiagnostic), diag.out.slice(firstStdout));
    mark('write');
    return bytes;
  };
  return { plan, backend, parity, finish };
}
