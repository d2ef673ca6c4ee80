// The resident process: serves weld commands over a Unix socket with warm code and cached
// inputs, one at a time, until it has been idle for WELD_DAEMON_IDLE_MS (default 10 minutes).

import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { runCli } from '../cli.js';
import { PersistentCache } from '../input/cache.js';
import type { DaemonReply, DaemonRequest } from './client.cjs';

const sock = process.argv[2];
if (!sock) process.exit(2);
const cache = new PersistentCache(Number(process.env.WELD_DAEMON_CACHE_BYTES) || 1 << 30);

function serve(conn: Socket, line: string): void {
  let reply: DaemonReply;
  try {
    const req = JSON.parse(line) as DaemonRequest;
    const out: string[] = [];
    const err: string[] = [];
    let bytes: Uint8Array | undefined;
    const code = runCli(req.argv, {
      prog: req.prog,
      cwd: req.cwd,
      autoColor: req.autoColor,
      cache,
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      outBytes: (b) => (bytes = b),
    });
    if (req.argv.includes('--verbose')) err.push(`${req.prog}: linked by the resident process ${process.pid}`);
    reply = { code, out, err, bytes: bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  } catch (e) {
    reply = { code: 1, out: [], err: [`weld: error: internal error in the resident process: ${(e as Error)?.message ?? e}`] };
  }
  conn.end(JSON.stringify(reply) + '\n');
}

/** How long the process waits for the next command before it exits. */
function idleMilliseconds(): number {
  const v = Number(process.env.WELD_DAEMON_IDLE_MS);
  return Number.isFinite(v) && v > 0 ? v : 10 * 60 * 1000;
}

let idle: NodeJS.Timeout | undefined;
function touch(): void {
  if (idle) clearTimeout(idle);
  idle = setTimeout(stop, idleMilliseconds());
}

const server = createServer((conn) => {
  touch();
  let buf = '';
  conn.setEncoding('utf8');
  conn.on('data', (chunk: string) => {
    buf += chunk;
    const nl = buf.indexOf('\n');
    if (nl < 0) return;
    serve(conn, buf.slice(0, nl));
    touch();
  });
  conn.on('error', () => conn.destroy());
});

function stop(): void {
  server.close();
  cleanup();
  process.exit(0);
}

function cleanup(): void {
  for (const f of [sock, `${sock}.pid`])
    try {
      unlinkSync(f);
    } catch {
      // Already gone.
    }
}

server.on('listening', () => {
  // Whole or not at all: a reader never sees an empty pid file.
  writeFileSync(`${sock}.pid.${process.pid}`, String(process.pid));
  renameSync(`${sock}.pid.${process.pid}`, `${sock}.pid`);
  touch();
});
server.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EADDRINUSE') process.exit(1);
  // Another resident process answers there (we are not needed), or a dead one left its socket.
  const probe = connect(sock);
  probe.on('connect', () => {
    probe.destroy();
    process.exit(0);
  });
  probe.on('error', () => {
    cleanup();
    server.listen(sock);
  });
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(sock);
