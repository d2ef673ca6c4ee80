// The client side of WELD_DAEMON=1: hands the command to the resident process, or starts one
// (for the next command) and lets this command link in-process. Loads nothing of the linker.

import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { progName, socketPath, stderrHasColors, type DaemonReply, type DaemonRequest } from './common.js';

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
    if (code === 'ENOENT' || code === 'ECONNREFUSED') await start(sock);
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

async function start(sock: string): Promise<void> {
  try {
    // Only the first command pays for loading child_process.
    const { spawn } = await import('node:child_process');
    const server = fileURLToPath(new URL('./server.js', import.meta.url));
    spawn(process.execPath, [server, sock], { detached: true, stdio: 'ignore', env: process.env }).unref();
  } catch {
    // No resident process this time.
  }
}
