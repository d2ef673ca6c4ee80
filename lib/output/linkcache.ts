// The link cache (--cache-dir), like the seed's lld.id: the digest of every input and option of
// the last link of an output. When a new link has the same digest and the output (and the map
// and other files it wrote) are still the files that link wrote, the link is skipped, the output
// kept, and the warnings and printed lines of that link repeated.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diag.js';
import type { InputCache } from '../input/index.js';
import type { LinkOptions } from '../options/index.js';
import { WELD_VERSION } from '../version.js';
import { writeAtomic } from './index.js';

export function linkDigest(config: LinkOptions, cwd: string, read: { path: string; key: string; bytes: Uint8Array }[], cache: InputCache): string {
  const h = createHash('sha1');
  h.update(`weld ${WELD_VERSION}\0${cwd}\0`);
  for (const a of config.argv) h.update(a).update('\0');
  for (const f of read) h.update(`\0${f.path}\0${cache.digest(f.key, f.bytes)}`);
  return h.digest('hex');
}

interface Stamp {
  size: number;
  mtimeMs: number;
}

interface Record extends Stamp {
  digest: string;
  /** The other files the link wrote (map, --why-extract, plan dump): kept only while unchanged. */
  sideFiles: (Stamp & { path: string })[];
  /** What the link reported (warnings) and printed (stdout lines): a skipped link repeats them. */
  diagnostics: Diagnostic[];
  stdout: string[];
}

/** A link the cache skips: the kept output, and what the link that made it reported. */
export interface KeptLink {
  bytes: Uint8Array;
  diagnostics: Diagnostic[];
  stdout: string[];
}

function stamp(path: string): Stamp {
  const st = statSync(path);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

export class LinkCache {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly output: string,
    private readonly sideFiles: string[],
  ) {
    this.file = join(dir, createHash('sha1').update(output).digest('hex') + '.weld-id');
  }

  /** The kept link if `digest` matches the last link and every file it wrote is unchanged. */
  lookup(digest: string): KeptLink | null {
    try {
      const rec = JSON.parse(readFileSync(this.file, 'utf8')) as Record;
      if (rec.digest !== digest || !sameStamp(stamp(this.output), rec)) return null;
      if (rec.sideFiles.length !== this.sideFiles.length) return null;
      for (let i = 0; i < rec.sideFiles.length; i++) {
        const f = rec.sideFiles[i];
        if (f.path !== this.sideFiles[i] || !sameStamp(stamp(f.path), f)) return null;
      }
      return { bytes: new Uint8Array(readFileSync(this.output)), diagnostics: rec.diagnostics, stdout: rec.stdout };
    } catch {
      return null;
    }
  }

  store(digest: string, diagnostics: Diagnostic[], stdout: string[]): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const rec: Record = { digest, ...stamp(this.output), sideFiles: this.sideFiles.map((path) => ({ path, ...stamp(path) })), diagnostics, stdout };
      writeAtomic(this.file, new TextEncoder().encode(JSON.stringify(rec)), 0o644);
    } catch {
      // The cache is an optimisation: failing to record only means the next link runs.
    }
  }
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs;
}
