// The resident process (WELD_DAEMON=1), client side. A weld command that finds a resident
// process hands it its argv and cwd; that process links with warm code and cached inputs and
// answers with the exit status and the command's output. Without one, the command starts one
// (for the next command) and links in-process itself.
//
// CommonJS and free of imports from the linker: a command the resident process serves loads
// this file only (bin/weld.js is CommonJS too), which saves the ES module graph's start-up.
// One resident process serves one user, one weld build and one set of WELD_* settings.

import { mkdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

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

/** The name diagnostics start with: what the command was called ("weld", a symlink's name, …). */
export function progName(): string {
  return basename(process.argv[1] ?? 'weld').replace(/\.js$/, '');
}

/** Whether this process's stderr takes colors (for --color-diagnostics=auto). */
export function stderrHasColors(): boolean {
  return process.stderr.isTTY === true && process.stderr.hasColors?.() === true;
}

/**
 * The socket of the resident process for this build and these settings, in a directory only
 * this user can enter; null when such a directory cannot be had (then no resident process).
 */
export function socketPath(): string | null {
  // Unix sockets in a private directory; Windows (named pipes, no modes) has no resident process.
  if (process.platform === 'win32') return null;
  const uid = process.getuid?.() ?? 0;
  const dir = process.env.WELD_DAEMON_DIR || join(tmpdir(), `weld-${uid}`);
  let build: number;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory() || (process.getuid && st.uid !== uid) || (st.mode & 0o077) !== 0) return null;
    // A rebuilt or reinstalled weld gets a new resident process.
    build = statSync(join(__dirname, '..', 'cli.js')).mtimeMs;
  } catch {
    return null;
  }
  let key = `${process.version}\0${process.execPath}\0${__filename}\0${build}\0`;
  // Settings that change what a link does select their own resident process.
  for (const name of Object.keys(process.env).sort())
    // LLD_REPRODUCE too: links read it from the resident process's environment.
    if ((name.startsWith('WELD_') && !name.startsWith('WELD_DAEMON')) || name === 'LLD_REPRODUCE') key += `${name}=${process.env[name]}\0`;
  return join(dir, `${fnv(key)}.sock`);
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

/** The exit status of the command run by the resident process, or null: link in-process. */
export async function runViaDaemon(argv: string[]): Promise<number | null> {
  const sock = socketPath();
  if (!sock) return null;
  const req: DaemonRequest = { argv, cwd: process.cwd(), prog: progName(), autoColor: stderrHasColors() };
  let reply: DaemonReply;
  try {
    reply = await ask(sock, req);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') start(sock);
    return null;
  }
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(reply.code);
    throw e;
  });
  for (const l of reply.err) process.stderr.write(l + '\n');
  for (const l of reply.out) process.stdout.write(l + '\n');
  if (reply.bytes) process.stdout.write(Buffer.from(reply.bytes, 'base64'));
  return reply.code;
}

function ask(sock: string, req: DaemonRequest): Promise<DaemonReply> {
  return new Promise((resolve, reject) => {
    const conn = connect(sock);
    let buf = '';
    let connected = false;
    conn.setEncoding('utf8');
    conn.on('connect', () => {
      connected = true;
      conn.write(JSON.stringify(req) + '\n');
    });
    conn.on('data', (chunk: string) => (buf += chunk));
    conn.on('end', () => {
      try {
        resolve(JSON.parse(buf) as DaemonReply);
      } catch {
        // The resident process died mid-command: this command links in-process instead.
        reject(Object.assign(new Error('no reply'), { code: 'ENOREPLY' }));
      }
    });
    conn.on('error', (e) => {
      if (connected) reject(Object.assign(new Error('no reply'), { code: 'ENOREPLY' }));
      else reject(e);
    });
  });
}

function start(sock: string): void {
  try {
    // Only the command that starts a resident process loads child_process.
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    // A link allocates much that dies with it: 64 MB semi-spaces take a third off a big cached link.
    spawn(process.execPath, ['--max-semi-space-size=64', join(__dirname, 'server.js'), sock], { detached: true, stdio: 'ignore', env: process.env }).unref();
  } catch {
    // No resident process this time.
  }
}
