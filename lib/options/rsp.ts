// Response files (@file), tokenized as LLVM's cl::TokenizeGNUCommandLine or, with
// --rsp-quoting=windows (the default on Windows, as for lld), cl::TokenizeWindowsCommandLine.

import { isAbsolute, join } from 'node:path';
import type { Diagnostics } from '../diag.js';

/** The file access a link needs; a Linker can serve some paths from memory. */
export interface FileSystem {
  /** The file's bytes, or null if it cannot be read (with the reason in `error`). */
  read(path: string): { bytes: Uint8Array } | { error: string };
  exists(path: string): boolean;
  /** Size and modification time, so a cache can tell a changed file (null: unknown). */
  stat?(path: string): { size: number; mtimeMs: number } | null;
}

export function tokenizeGnu(src: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (!inToken && /\s/.test(c)) continue;
    if (/\s/.test(c)) {
      out.push(cur);
      cur = '';
      inToken = false;
      continue;
    }
    inToken = true;
    if (c === '\\' && i + 1 < src.length) {
      cur += src[++i];
    } else if (c === '"' || c === "'") {
      const q = c;
      i++;
      while (i < src.length && src[i] !== q) {
        if (src[i] === '\\' && q === '"' && i + 1 < src.length) i++;
        cur += src[i++];
      }
    } else {
      cur += c;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\0';

/**
 * Backslashes from src[i] on, as LLVM's parseBackslash: before a double quote, half of them (an
 * odd one escapes the quote); otherwise all. Returns the index of the last character used.
 */
function backslashes(src: string, i: number, token: string[]): number {
  let n = 0;
  do {
    i++;
    n++;
  } while (i < src.length && src[i] === '\\');
  if (i < src.length && src[i] === '"') {
    token.push('\\'.repeat(n >> 1));
    if (n % 2 === 0) return i - 1;
    token.push('"');
    return i;
  }
  token.push('\\'.repeat(n));
  return i - 1;
}

/** cl::TokenizeWindowsCommandLine (no command name): double quotes only, "" inside quotes is one. */
export function tokenizeWindows(src: string): string[] {
  const out: string[] = [];
  let token: string[] = [];
  let state: 'init' | 'unquoted' | 'quoted' = 'init';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (state === 'init') {
      if (isBlank(c)) continue;
      state = 'unquoted';
    }
    if (state === 'unquoted') {
      if (isBlank(c)) {
        out.push(token.join(''));
        token = [];
        state = 'init';
      } else if (c === '"') state = 'quoted';
      else if (c === '\\') i = backslashes(src, i, token);
      else token.push(c);
    } else if (c === '"') {
      if (src[i + 1] === '"') {
        token.push('"');
        i++;
      } else state = 'unquoted';
    } else if (c === '\\') i = backslashes(src, i, token);
    else token.push(c);
  }
  if (state !== 'init') out.push(token.join(''));
  return out;
}

/**
 * How response files are tokenized: the last --rsp-quoting on the command line as given (lld reads
 * it before expanding), else the host's convention.
 */
export function rspQuoting(argv: readonly string[]): 'posix' | 'windows' {
  for (let i = argv.length - 1; i >= 0; i--) {
    const m = /^--?rsp-quoting(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    // The value joined by '=', or the next argument.
    const v = m[1] ?? argv[i + 1];
    return v === 'windows' ? 'windows' : 'posix';
  }
  return process.platform === 'win32' ? 'windows' : 'posix';
}

export function expandResponseFiles(argv: readonly string[], cwd: string, fs: FileSystem, diag: Diagnostics): string[] {
  const tokenize = rspQuoting(argv) === 'windows' ? tokenizeWindows : tokenizeGnu;
  const out: string[] = [];
  const expand = (args: readonly string[], depth: number) => {
    for (const a of args) {
      if (!a.startsWith('@') || a.length === 1) {
        out.push(a);
        continue;
      }
      const path = isAbsolute(a.slice(1)) ? a.slice(1) : join(cwd, a.slice(1));
      const r = fs.read(path);
      if ('error' in r) {
        // As LLVM: an unreadable @file is passed through as an argument.
        out.push(a);
        continue;
      }
      if (depth > 20) {
        diag.error(`too many nested response files: ${a.slice(1)}`);
        continue;
      }
      expand(tokenize(new TextDecoder().decode(r.bytes)), depth + 1);
    }
  };
  expand(argv, 0);
  return out;
}
