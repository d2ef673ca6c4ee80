// The resident process (WELD_DAEMON=1): where its socket lives and what one request carries.
//
// A weld command that finds a resident process hands it its argv and cwd; that process links
// with warm code and cached inputs and answers with the exit status and the command's output.
// One resident process serves one user, one weld build and one set of WELD_* settings.

import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WELD_VERSION } from '../version.js';

export interface DaemonRequest {
  argv: string[];
  cwd: string;
  prog: string;
  autoColor: boolean;
}

export interface DaemonReply {
  code: number;
  out: string[];
  err: string[];
  /** The module of `-o -`, base64. */
  bytes?: string;
}

/**
 * The socket of the resident process for this build and these settings, in a directory only
 * this user can enter; null when such a directory cannot be had (then no resident process).
 */
export function socketPath(): string | null {
  const uid = process.getuid?.() ?? 0;
  const dir = process.env.WELD_DAEMON_DIR || join(tmpdir(), `weld-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory() || (process.getuid && st.uid !== uid) || (st.mode & 0o077) !== 0) return null;
  } catch {
    return null;
  }
  let key = `${WELD_VERSION}\0${process.version}\0${process.execPath}\0${fileURLToPath(import.meta.url)}\0`;
  // Settings that change what a link does select their own resident process.
  for (const name of Object.keys(process.env).sort())
    if (name.startsWith('WELD_') && !name.startsWith('WELD_DAEMON')) key += `${name}=${process.env[name]}\0`;
  return join(dir, `${fnv(key)}.sock`);
}

/** How long a resident process waits for the next command before it exits. */
export function idleMilliseconds(): number {
  const v = Number(process.env.WELD_DAEMON_IDLE_MS);
  return Number.isFinite(v) && v > 0 ? v : 10 * 60 * 1000;
}

/** The name diagnostics start with: what the command was called ("weld", a symlink's name, …). */
export function progName(): string {
  return basename(process.argv[1] ?? 'weld').replace(/\.js$/, '');
}

/** Whether this process's stderr takes colors (for --color-diagnostics=auto). */
export function stderrHasColors(): boolean {
  return process.stderr.isTTY === true && process.stderr.hasColors?.() === true;
}

/** Two FNV-1a 32-bit hashes (different offsets): a short file name, without loading node:crypto. */
function fnv(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
