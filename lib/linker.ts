// Linker: many links in one process. It keeps parsed inputs (objects, archive member tables,
// lazy symbol names) across links, keyed by path + size + mtime (a changed file is re-read) or by
// content for in-memory inputs, within a byte budget.

import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LinkError } from './diag.js';
import type { ClearRequest, WorkReply, WorkRequest } from './worker.js';
import { PersistentCache } from './input/cache.js';
import { nodeFs, runLink, type LinkResult } from './link.js';
import type { FileSystem } from './options/rsp.js';
import type { Backend } from './backend/index.js';

export interface LinkerOptions {
  /** Upper bound of the input cache in bytes (default 1 GiB); least recently used goes first. */
  maxCacheBytes?: number;
  /** Default --cache-dir for links that write an output (the link cache); off when absent. */
  cacheDir?: string;
  /**
   * Threads for async link(): each runs links with its own input cache, so concurrent links use
   * several cores. Default: the number of cores (at most 4). 0 runs async links on this thread.
   */
  threads?: number;
}

export interface LinkCallOptions {
  /** Directory relative paths in argv are resolved against (default: process.cwd()). */
  cwd?: string;
  /** In-memory inputs: argv may name these instead of files on disk (paths relative to cwd). */
  files?: Record<string, Uint8Array>;
}

export interface LinkOutput {
  bytes: Uint8Array;
  warnings: string[];
  /**
   * Lines the link printed (--print-map, --print-gc-sections, --trace, --why-extract=-,
   * --version): the CLI writes them to stdout.
   */
  stdout: string[];
  /** True when the link cache found nothing changed and kept the existing output. */
  cached?: boolean;
}

/** A FileSystem that serves some paths from memory and the rest from disk. */
export function overlayFs(cwd: string, files: Record<string, Uint8Array> | undefined, base: FileSystem = nodeFs): FileSystem {
  if (!files || Object.keys(files).length === 0) return base;
  const mem = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(files)) mem.set(isAbsolute(name) ? name : join(cwd, name), bytes);
  return {
    read: (p) => {
      const b = mem.get(p);
      return b ? { bytes: b } : base.read(p);
    },
    exists: (p) => mem.has(p) || base.exists(p),
    // In-memory files are keyed by content, so they report no stat.
    stat: (p) => (mem.has(p) ? null : base.stat ? base.stat(p) : null),
  };
}

/** A link's result as the API gives it (from this thread or a worker's reply). */
export function toOutput(r: Pick<LinkResult, 'bytes' | 'warnings' | 'stdout' | 'cached'>): LinkOutput {
  return r.cached ? { bytes: r.bytes, warnings: r.warnings, stdout: r.stdout, cached: true } : { bytes: r.bytes, warnings: r.warnings, stdout: r.stdout };
}

/** dist/worker.js (run from sources, as under vitest, the built worker is used). */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? join(dirname(here), '..', 'dist', 'worker.js') : join(dirname(here), 'worker.js');
}

interface PoolWorker {
  worker: Worker;
  busy: boolean;
  /** What its input cache held after its last link. */
  cacheBytes: number;
  /** clearCache ran during its link: the size that link reports is gone already. */
  clearedDuringLink: boolean;
}

interface Pending {
  req: WorkRequest;
  resolve: (o: LinkOutput) => void;
  reject: (e: unknown) => void;
}

export class Linker {
  private readonly cache: PersistentCache;
  private readonly cacheDir: string | undefined;
  private readonly opts: LinkerOptions;
  private readonly threads: number;
  private pool: PoolWorker[] = [];
  private waiting: Pending[] = [];
  private inflight = new Map<number, Pending & { w: PoolWorker }>();
  private nextId = 1;
  /** Async links on this thread (threads: 0) run one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: LinkerOptions = {}) {
    this.opts = opts;
    this.cache = new PersistentCache(opts.maxCacheBytes ?? 1 << 30);
    this.cacheDir = opts.cacheDir;
    this.threads = opts.threads ?? Math.max(1, Math.min(4, availableParallelism()));
  }

  /**
   * Bytes held by the input caches: this thread's, and each worker's after its last link (each
   * cache is bounded by maxCacheBytes on its own).
   */
  get cacheBytes(): number {
    let n = this.cache.size;
    for (const w of this.pool) n += w.cacheBytes;
    return n;
  }

  /** Empties the input caches, the worker threads' included (before their next link). */
  clearCache(): void {
    this.cache.clear();
    for (const w of this.pool) {
      w.worker.postMessage({ clear: true } satisfies ClearRequest);
      w.cacheBytes = 0;
      w.clearedDuringLink = w.busy;
    }
  }

  linkSync(argv: readonly string[], opts: LinkCallOptions = {}, backend?: Backend): LinkOutput {
    const cwd = opts.cwd ?? process.cwd();
    const args = this.cacheDir && !argv.some((a) => a.startsWith('--cache-dir=')) ? [...argv, `--cache-dir=${this.cacheDir}`] : argv;
    return toOutput(runLink({ argv: args, cwd, fs: overlayFs(cwd, opts.files), cache: this.cache, requireOutput: false, backend }));
  }

  /**
   * Links off the calling thread (in a worker with its own cache); results are identical to
   * linkSync. Many calls may be in flight: they spread over the workers.
   */
  link(argv: readonly string[], opts: LinkCallOptions = {}): Promise<LinkOutput> {
    if (this.threads === 0) {
      const run = this.queue.then(() => this.linkSync(argv, opts));
      this.queue = run.catch(() => undefined);
      return run;
    }
    const req: WorkRequest = { id: this.nextId++, argv: [...argv], cwd: opts.cwd ?? process.cwd(), files: opts.files };
    return new Promise<LinkOutput>((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the worker threads (they are also unref'd, so they never keep a process alive). */
  async close(): Promise<void> {
    const ws = this.pool;
    this.pool = [];
    await Promise.all(ws.map((w) => w.worker.terminate()));
  }

  private dispatch(): void {
    while (this.waiting.length) {
      let w = this.pool.find((x) => !x.busy);
      if (!w && this.pool.length < this.threads) w = this.spawn();
      if (!w) return;
      const job = this.waiting.shift()!;
      w.busy = true;
      w.worker.ref();
      this.inflight.set(job.req.id, { ...job, w });
      w.worker.postMessage(job.req);
    }
  }

  private spawn(): PoolWorker {
    const worker = new Worker(workerFile(), {
      workerData: { maxCacheBytes: this.opts.maxCacheBytes, cacheDir: this.cacheDir },
      // A link allocates many short-lived objects: a larger young generation (64 MB semi-spaces)
      // cuts GC time by half or more.
      resourceLimits: { maxYoungGenerationSizeMb: 192 },
    });
    const w: PoolWorker = { worker, busy: false, cacheBytes: 0, clearedDuringLink: false };
    worker.unref();
    worker.on('message', (r: WorkReply) => {
      const job = this.inflight.get(r.id);
      if (!job) return;
      this.inflight.delete(r.id);
      w.busy = false;
      w.cacheBytes = w.clearedDuringLink ? 0 : r.cacheBytes;
      w.clearedDuringLink = false;
      worker.unref();
      if (r.ok) job.resolve(toOutput(r));
      else if (r.linkError) job.reject(new LinkError(r.diagnostics));
      else job.reject(new Error(r.message));
      this.dispatch();
    });
    worker.on('error', (e) => {
      // A crashed worker fails its links; the next dispatch starts a fresh one.
      this.pool = this.pool.filter((x) => x !== w);
      for (const [id, job] of this.inflight)
        if (job.w === w) {
          this.inflight.delete(id);
          job.reject(e);
        }
      this.dispatch();
    });
    this.pool.push(w);
    return w;
  }
}
