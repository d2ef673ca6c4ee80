// WELD_DAEMON=1: the weld command hands its link to a resident process (started by the first
// command, which links in-process), and every answer is the one an in-process link gives.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, repoRoot } from './support/toolchain.js';

const weld = join(repoRoot, 'bin', 'weld.js');
let dir: string;
let sockDir: string;
let objs: string[];

function run(args: string[], daemon: boolean) {
  const env = { ...process.env, WELD_DAEMON: daemon ? '1' : '0', WELD_DAEMON_DIR: sockDir, WELD_DAEMON_IDLE_MS: '60000' };
  const r = spawnSync(process.execPath, [weld, ...args], { cwd: dir, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

function serverPids(): number[] {
  if (!existsSync(sockDir)) return [];
  const pids: number[] = [];
  for (const f of readdirSync(sockDir).filter((f) => f.endsWith('.pid'))) {
    try {
      pids.push(Number(readFileSync(join(sockDir, f), 'utf8')));
    } catch {
      // Removed since the listing: a new resident process cleaning up after a dead one.
    }
  }
  return pids;
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 200 && serverPids().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(serverPids().length).toBe(1);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-daemon-'));
  sockDir = join(dir, 'sockets');
  objs = await compileToFiles(
    {
      'dmain.c': 'int helper(int);\nint run(int x) { return helper(x) * 3; }\n',
      'dhelper.c': 'int helper(int x) { return x + 4; }\n',
    },
    ['-O2'],
  );
  writeFileSync(join(dir, 'helper.o'), readFileSync(objs[1]));
}, 180_000);

afterAll(() => {
  for (const pid of serverPids())
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
});

describe('WELD_DAEMON=1', () => {
  it('the first command starts a resident process; later ones are linked by it, with the same results', async () => {
    const args = [objs[0], 'helper.o', '--no-entry', '--export=run'];
    const first = run([...args, '-o', 'first.wasm'], true);
    expect(first.code).toBe(0);
    await waitForServer();
    const inProcess = run([...args, '-o', 'ref.wasm', '--verbose'], false);
    const served = run([...args, '-o', 'ref.wasm', '--verbose'], true);
    expect(served.code).toBe(0);
    expect(served.stderr).toMatch(/weld: linked by the resident process \d+\n$/);
    expect(inProcess.stderr).not.toMatch(/resident/);
    const bytes = readFileSync(join(dir, 'ref.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes);
    expect((instance.exports.run as (x: number) => number)(2)).toBe(18);
    // The same bytes as an in-process link of the same command.
    expect(run([...args, '-o', 'same.wasm'], true).code).toBe(0);
    const servedBytes = readFileSync(join(dir, 'same.wasm'));
    expect(run([...args, '-o', 'same.wasm'], false).code).toBe(0);
    expect(Buffer.compare(servedBytes, readFileSync(join(dir, 'same.wasm')))).toBe(0);
    const a = run([...args, '-o', '-'], true);
    const b = run([...args, '-o', '-'], false);
    expect(a.code).toBe(0);
    expect(Buffer.compare(a.stdout, b.stdout)).toBe(0);
  }, 60_000);

  it('errors, warnings, stdout and exit status are the in-process ones', async () => {
    await waitForServer();
    for (const args of [
      [objs[0], '--no-entry', '--export=run', '-o', 'bad.wasm'],
      [objs[0], 'helper.o', '--no-entry', '--export=run', '-z', 'unknown', '--print-map', '-o', 'ok.wasm'],
      [objs[0], 'helper.o', '--no-entry', '--export=run', '--color-diagnostics', '--bogus', '-o', 'bad.wasm'],
      ['--version'],
    ]) {
      const local = run(args, false);
      const served = run(args, true);
      expect(served.code).toBe(local.code);
      expect(served.stderr).toBe(local.stderr);
      expect(served.stdout.toString()).toBe(local.stdout.toString());
    }
  }, 60_000);

  it('a changed input is read again', async () => {
    await waitForServer();
    const args = [objs[0], 'helper.o', '--no-entry', '--export=run', '-o', 'changed.wasm'];
    expect(run(args, true).code).toBe(0);
    const [other] = await compileToFiles({ 'dhelper2.c': 'int helper(int x) { return x + 100; }\n' }, ['-O2']);
    writeFileSync(join(dir, 'helper.o'), readFileSync(other));
    expect(run(args, true).code).toBe(0);
    const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'changed.wasm')));
    expect((instance.exports.run as (x: number) => number)(2)).toBe(306);
  }, 120_000);

  it('a dead resident process leaves a socket that the next command recovers from', async () => {
    await waitForServer();
    const [pid] = serverPids();
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // The stale socket: this command links in-process and starts a new resident process.
    const args = [objs[0], 'helper.o', '--no-entry', '--export=run', '-o', 'again.wasm'];
    expect(run(args, true).code).toBe(0);
    for (let i = 0; i < 200 && (serverPids().length === 0 || serverPids()[0] === pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(serverPids()).toHaveLength(1);
    expect(serverPids()[0]).not.toBe(pid);
    const served = run([...args, '--verbose'], true);
    expect(served.stderr).toContain(`linked by the resident process ${serverPids()[0]}`);
  }, 60_000);
});
