// Writes the output atomically: a temporary file in the same directory, then a rename, so a failed
// link never leaves a half-written file or truncates an existing one.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A failure to create the temporary file: lld reports those as "cannot open output file". */
export class OpenError extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

export function writeAtomic(path: string, bytes: Uint8Array, mode = 0o755): void {
  const tmp = join(dirname(path), `.${basename(path)}.weld-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w', mode);
  } catch (e) {
    throw new OpenError(e);
  }
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    closeSync(fd);
    fd = -1;
    // The old file goes first, as lld's ELF port unlinks its old output: ext4 flushes a file
    // renamed over another (auto_da_alloc), which cost 0.5-1.3 ms per link here. A failed link
    // never gets this far, so it still leaves the old output as it was.
    try {
      unlinkSync(path);
    } catch {
      // Nothing to replace (or the rename reports what is wrong).
    }
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // The temporary file may not exist.
    }
    throw e;
  }
}
