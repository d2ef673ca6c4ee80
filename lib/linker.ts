// Linker: many links in one process. It keeps parsed inputs (objects, archive member tables,
// lazy symbol names) across links, keyed by path + size + mtime (a changed file is re-read) or by
// content for in-memory inputs, within a byte budget.

import { isAbsolute, join } from 'node:path';
import { PersistentCache } from './input/cache.js';
import { nodeFs, runLink, type LinkResult } from './link.js';
import type { FileSystem } from './options/rsp.js';
import type { Backend } from './backend/index.js';

export interface LinkerOptions {
  /** Upper bound of the input cache in bytes (default 1 GiB); least recently used goes first. */
  maxCacheBytes?: number;
  /** Default --cache-dir for links that write an output (the link cache); off when absent. */
  cacheDir?: string;
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

export function toOutput(r: LinkResult): LinkOutput {
  return r.cached ? { bytes: r.bytes, warnings: r.warnings, cached: true } : { bytes: r.bytes, warnings: r.warnings };
}

export class Linker {
  private readonly cache: PersistentCache;
  private readonly cacheDir: string | undefined;
  /** Links run one at a time on this thread; async links queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: LinkerOptions = {}) {
    this.cache = new PersistentCache(opts.maxCacheBytes ?? 1 << 30);
    this.cacheDir = opts.cacheDir;
  }

  /** Bytes held by the input cache. */
  get cacheBytes(): number {
    return this.cache.size;
  }

  clearCache(): void {
    this.cache.clear();
  }

  linkSync(argv: readonly string[], opts: LinkCallOptions = {}, backend?: Backend): LinkOutput {
    const cwd = opts.cwd ?? process.cwd();
    const args = this.cacheDir && !argv.some((a) => a.startsWith('--cache-dir=')) ? [...argv, `--cache-dir=${this.cacheDir}`] : argv;
    return toOutput(runLink({ argv: args, cwd, fs: overlayFs(cwd, opts.files), cache: this.cache, requireOutput: false, backend }));
  }

  link(argv: readonly string[], opts: LinkCallOptions = {}): Promise<LinkOutput> {
    const run = this.queue.then(() => this.linkSync(argv, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }
}
