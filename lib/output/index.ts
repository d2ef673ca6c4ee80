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
    // Renamed over the old file, as wasm-ld's FileOutputBuffer does: whoever opens the path sees
    // the old output or the new one, never no file. (Unlinking first spared ext4's flush of a
    // file renamed over another, 0.1-1.1 ms a link here, but left a moment with no output, and
    // no output at all if the rename then failed.)
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
