// The WritePlan can be dumped and replayed (--dump-plan), and a link's plan executes to the
// same bytes on every backend.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeTs } from '../lib/backend/ts.js';
import { nativeBackend } from '../lib/backend/index.js';
import { runLink } from '../lib/link.js';
import { loadPlan } from '../lib/plan/dump.js';
import { compile } from './support/toolchain.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-plan-'));
  const o = await compile({ 'a.c': 'static const char *s[] = {"x", "y"};\nint t[3] = {1, 2, 3};\nint *p = &t[1];\n__attribute__((export_name("get"))) const char *get(int i) { return s[i & 1] + *p; }\n' }, ['-O1', '-g']);
  writeFileSync(join(dir, 'a.o'), o['a.o']);
}, 120_000);

describe('WritePlan dump and replay', () => {
  it('replays a dumped plan to the very bytes of the link', () => {
    const r = runLink({ argv: ['a.o', '--no-entry', '-o', 'a.wasm', '--dump-plan=a.plan'], cwd: dir });
    const plan = loadPlan(new Uint8Array(readFileSync(join(dir, 'a.plan'))));
    expect(executeTs(plan)).toEqual(r.bytes);
    const n = nativeBackend();
    if (!('error' in n)) expect(n.execute(plan)).toEqual(r.bytes);
    expect(new Uint8Array(readFileSync(join(dir, 'a.wasm')))).toEqual(r.bytes);
  });
});
