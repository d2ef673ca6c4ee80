// -m wasm64 (memory64 objects), differential against wasm-ld 22 (YoWASP): 64-bit memory and
// table limits, i64 address globals and initializers, i64 pointer constants in the synthetic
// functions, with shared memory, PIC and -r, and wasm-ld's errors for mixed inputs. (Node 20
// cannot instantiate 64-bit tables, so these modules are checked by their bytes.)

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileToFiles, parseSections, type LinkOutcome } from './support/toolchain.js';
import { expectSameLink, linkBoth } from './support/expect.js';

let dir: string;

const SOURCES: Record<string, string> = {
  'lib.c': `static int sdata = 7;
int gdata = 5;
int *pd = &gdata;
const char *greeting = "hello";
static int helper(int x) { return x + sdata; }
int (*fp)(int) = helper;
char big_bss[4096];
__attribute__((constructor)) void ctor(void) { gdata += 10; }
int api(int x) { return helper(x) + *pd + fp(x) + big_bss[x]; }
const char *get_greeting(void) { return greeting; }
`,
  'main.c': `extern int api(int);
int main(void) { return api(4); }
`,
  'tls.c': `_Thread_local int tv = 3;
_Thread_local char tbuf[16];
int get_tv(void) { return tv + tbuf[2]; }
`,
};

const W64 = '--target=wasm64-unknown-unknown';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-wasm64-'));
  const put = async (names: string[], args: string[], suffix: string) => {
    const paths = await compileToFiles(SOURCES, [W64, '-fvisibility=default', ...args], { sources: names });
    names.forEach((n, i) => writeFileSync(join(dir, n.replace(/\.c$/, `${suffix}.o`)), readFileSync(paths[i])));
  };
  await put(['lib.c', 'main.c'], ['-O2'], '');
  await put(['lib.c', 'main.c'], ['-O2', '-fPIC'], 'pic');
  await put(['lib.c'], ['-O0', '-g'], 'g');
  await put(['tls.c'], ['-O2', '-matomics', '-mbulk-memory'], '');
  const w32 = await compileToFiles({ 'main.c': SOURCES['main.c'] }, ['-O2'], { sources: ['main.c'] });
  writeFileSync(join(dir, 'main32.o'), readFileSync(w32[0]));
}, 180_000);

async function same(args: string[]): Promise<LinkOutcome> {
  const { lld, weld } = await linkBoth(['-m', 'wasm64', ...args, '-o', 'out.wasm'], dir);
  expectSameLink(weld, lld);
  return weld;
}

describe('-m wasm64 matches wasm-ld 22', () => {
  const ok: [string, string[]][] = [
    ['a program', ['lib.o', 'main.o', '--entry=main']],
    ['--export-all: data addresses exported as i64 globals', ['lib.o', 'main.o', '--entry=main', '--export-all']],
    ['imported memory with a maximum past 4 GiB', ['lib.o', 'main.o', '--entry=main', '--import-memory', '--max-memory=8589934592']],
    ['debug info', ['libg.o', 'main.o', '--entry=main']],
    ['threads: i64 __tls_base and __wasm_init_tls(i64)', ['tls.o', '--no-entry', '--export=get_tv', '--export=__wasm_init_tls', '--export=__tls_size', '--shared-memory']],
    ['a shared library', ['-shared', '--experimental-pic', 'libpic.o', 'mainpic.o']],
    ['a PIE', ['-pie', '--experimental-pic', 'libpic.o', 'mainpic.o', '--entry=main']],
    ['-r', ['-r', 'lib.o', 'main.o']],
  ];
  for (const [what, args] of ok) {
    it(what, async () => {
      const weld = await same(args);
      expect(weld.code).toBe(0);
    });
  }

  it('the memory is 64-bit (limits flag 0x4)', async () => {
    const weld = await same(['lib.o', 'main.o', '--entry=main']);
    const mem = parseSections(weld.bytes!).find((s) => s.label === 'memory')!;
    expect(mem.payload[1]! & 0x4).toBe(0x4);
  });

  it('errors: a wasm32 object in a wasm64 link, and wasm64 objects without -m wasm64', async () => {
    expect((await same(['lib.o', 'main32.o', '--entry=main'])).messages).toEqual(["error: main32.o: wasm32 object file can't be linked in wasm64 mode"]);
    const { lld, weld } = await linkBoth(['lib.o', 'main.o', '--entry=main', '-o', 'out.wasm'], dir);
    expectSameLink(weld, lld);
    expect(weld.messages).toEqual(['error: lib.o: must specify -mwasm64 to process wasm64 object files']);
    // With -m wasm32 given, lld words it as the other mismatch.
    const m32 = await linkBoth(['-m', 'wasm32', 'lib.o', 'main.o', '--entry=main', '-o', 'out.wasm'], dir);
    expectSameLink(m32.weld, m32.lld);
    expect(m32.weld.messages).toEqual(["error: lib.o: wasm32 object file can't be linked in wasm64 mode"]);
  });
});
