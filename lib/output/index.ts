// Writes the output atomically: a temporary file in the same directory, then a rename, so a failed
// link never leaves a half-written file or truncates an existing one.

import { closeSync, constants, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadNative } from '../backend/native.js';

/** A failure to create the temporary file: lld reports those as "cannot open output file". */
export class OpenError extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

/** 'w' as numbers: Node converts the string every call (~10 µs a link in unoptimized code). */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;

export function writeAtomic(path: string, bytes: Uint8Array, mode = 0o755): void {
  const tmp = join(dirname(path), `.${basename(path)}.weld-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, WRITE_FLAGS, mode);
  } catch (e) {
    throw new OpenError(e);
  }
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    closeSync(fd);
    fd = -1;
    // The new file takes the old one's place in one step, as wasm-ld's rename over it does:
    // whoever opens the path sees the old output or the new one, never no file. Swapping the two
    // names (then removing the old file under the temporary name) does that without the flush
    // ext4 makes of a file renamed over another, 0.1-1.5 ms a link; rename where there is no
    // swap (no native addon, no old file, not Linux).
    const native = loadNative();
    // Only a regular file is swapped: a symbolic link is replaced (as rename does), not followed.
    if (native.ok && native.exchangeFiles && lstatSync(path, { throwIfNoEntry: false })?.isFile() && native.exchangeFiles(tmp, path) === 0) {
      try {
        unlinkSync(tmp);
      } catch {
        // The old output stays under the temporary name; the new one is in place.
      }
      return;
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
