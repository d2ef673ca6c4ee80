// Vitest global setup: the suite's temporary files (every mkdtemp of every test file, and of the
// processes they start) go under one directory of this run, removed when the run ends, so
// `npm test` leaves nothing in the system's temporary directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VARS = ['TMPDIR', 'TMP', 'TEMP'] as const;

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'weld-test-'));
  const before = VARS.map((v) => process.env[v]);
  // os.tmpdir() reads these at each call, in the test workers and in the processes tests start.
  for (const v of VARS) process.env[v] = dir;
  return () => {
    VARS.forEach((v, i) => {
      if (before[i] === undefined) delete process.env[v];
      else process.env[v] = before[i];
    });
    rmSync(dir, { recursive: true, force: true });
  };
}
