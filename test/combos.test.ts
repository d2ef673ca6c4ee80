// Random combinations of link modes and options over PIC and non-PIC objects, TLS, an archive
// and a wasm64 object: every link gives a module or a LinkError, never an internal error. (This
// found -r -shared with data and --emit-relocs with a GOT-only function, where wasm-ld 22
// crashes.) Deterministic: a fixed seed and fixed inputs.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinkError } from '../lib/diag.js';
import { runLink } from '../lib/link.js';
import { rng } from './support/rng.js';
import { compileToFiles, makeArchive } from './support/toolchain.js';

let dir: string;
const inputs: string[] = [];

const SOURCES: Record<string, string> = {
  'lib.c': `extern int ext_data;
extern int ext_func(int);
static int local_data = 5;
int global_data = 7;
int *ptr_to_ext = &ext_data;
static int sq(int x) { return x * x; }
int (*fp_local)(int) = sq;
const char *str = "hello";
__attribute__((weak)) int weak_fn(int x) { return x + 100; }
extern void cb(void);
void *get_cb(void) { return (void *)cb; }
int api(int x) { return ext_func(x) + *ptr_to_ext + local_data + global_data + fp_local(x) + weak_fn(x); }
__attribute__((constructor)) static void ctor(void) { global_data += 10; }
`,
  'main.c': `extern int api(int);
int ext_data = 1000;
int ext_func(int x) { return x - 1; }
int main(void) { return api(3); }
`,
  'tls.c': `_Thread_local int tv = 3;
int get_tv(void) { return tv; }
`,
  'code.c': `int twice(int x) { return x * 2; }
`,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-combos-'));
  const put = async (args: string[], suffix: string) => {
    const paths = await compileToFiles(SOURCES, args, { sources: Object.keys(SOURCES) });
    Object.keys(SOURCES).forEach((n, i) => {
      const name = n.replace(/\.c$/, `${suffix}.o`);
      writeFileSync(join(dir, name), readFileSync(paths[i]));
      inputs.push(name);
    });
    return paths;
  };
  await put(['-O2', '-fPIC', '-fvisibility=default', '-matomics', '-mbulk-memory'], '.pic');
  const plain = await put(['-O1'], '');
  writeFileSync(join(dir, 'libcode.a'), readFileSync(await makeArchive('libcode.a', [plain[0], plain[3]])));
  inputs.push('libcode.a');
  const [w64] = await compileToFiles({ 'w64.c': 'int w64(int x) { return x + 64; }\n' }, ['-O1', '--target=wasm64-unknown-unknown']);
  writeFileSync(join(dir, 'w64.o'), readFileSync(w64));
  inputs.push('w64.o');
}, 180_000);

const MODES = [[], ['-r'], ['-shared'], ['-pie'], ['-r', '-shared'], ['-r', '--emit-relocs'], ['--emit-relocs', '-shared'], ['-shared', '--shared-memory'], ['-pie', '--emit-relocs'], ['-r', '--compress-relocations'], ['--emit-relocs', '--compress-relocations'], ['-shared', '--export-all']];
const FLAGS = [
  '--experimental-pic', '--no-gc-sections', '--export-all', '--export-dynamic', '--import-memory', '--shared-memory', '--import-table', '--export-table',
  '--growable-table', '--unresolved-symbols=import-dynamic', '--unresolved-symbols=ignore-all', '--strip-all', '--strip-debug', '-Bsymbolic',
  '--features=atomics,bulk-memory,mutable-globals', '--print-gc-sections', '--stack-first', '--global-base=1024', '--table-base=3', '--import-undefined',
  '--export=api', '--entry=main', '-O0', '--no-merge-data-segments', '--wrap=ext_func', '--no-check-features', '--whole-archive', '--export-memory',
  '--no-growable-memory', '--export-if-defined=weak_fn', '--allow-multiple-definition', '--export=__tls_base', '--export=__indirect_function_table',
  '--warn-unresolved-symbols', '--build-id', '-mwasm64',
];

describe('option combinations', () => {
  it('give a module or a LinkError, never an internal error', () => {
    const rand = rng(0xc0b0);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
    let linked = 0;
    let refused = 0;
    for (let n = 0; n < 600; n++) {
      const argv: string[] = [];
      for (let i = 0, k = 1 + Math.floor(rand() * 3); i < k; i++) argv.push(pick(inputs));
      argv.push(...pick(MODES));
      for (let i = 0, k = Math.floor(rand() * 4); i < k; i++) argv.push(pick(FLAGS));
      if (rand() < 0.7) argv.push('--no-entry', '--allow-undefined');
      argv.push('-o', 'out.wasm');
      try {
        runLink({ argv, cwd: dir, requireOutput: true });
        linked++;
      } catch (e) {
        if (!(e instanceof LinkError)) throw new Error(`weld ${argv.join(' ')}: ${(e as Error).stack}`);
        expect(e.diagnostics.some((d) => d.severity === 'error')).toBe(true);
        refused++;
      }
    }
    // Both outcomes are exercised.
    expect(linked).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  }, 120_000);
});
