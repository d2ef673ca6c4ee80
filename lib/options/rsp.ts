// Response files (@file), tokenized the GNU way as LLVM's cl::TokenizeGNUCommandLine does.

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

export function expandResponseFiles(argv: readonly string[], cwd: string, fs: FileSystem, diag: Diagnostics): string[] {
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
      expand(tokenizeGnu(new TextDecoder().decode(r.bytes)), depth + 1);
    }
  };
  expand(argv, 0);
  return out;
}
