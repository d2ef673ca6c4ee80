// The link cache (--cache-dir), like the seed's lld.id: the digest of every input and option of
// the last link of an output. When a new link has the same digest and the output is still the
// file that link wrote, the link is skipped and the output kept.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

interface Record {
  digest: string;
  size: number;
  mtimeMs: number;
}

export class LinkCache {
  private readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly output: string,
  ) {
    this.file = join(dir, createHash('sha1').update(output).digest('hex') + '.weld-id');
  }

  /** The kept output's bytes if `digest` matches the last link and the output is unchanged. */
  lookup(digest: string): Uint8Array | null {
    try {
      const rec = JSON.parse(readFileSync(this.file, 'utf8')) as Record;
      if (rec.digest !== digest) return null;
      const st = statSync(this.output);
      if (st.size !== rec.size || st.mtimeMs !== rec.mtimeMs) return null;
      return new Uint8Array(readFileSync(this.output));
    } catch {
      return null;
    }
  }

  store(digest: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const st = statSync(this.output);
      const rec: Record = { digest, size: st.size, mtimeMs: st.mtimeMs };
      writeAtomic(this.file, new TextEncoder().encode(JSON.stringify(rec)), 0o644);
    } catch {
      // The cache is an optimisation: failing to record only means the next link runs.
    }
  }
}
