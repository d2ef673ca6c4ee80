// The weld command as clang and users run it: exit status, messages, atomic output, and
// `clang -fuse-ld=<weld>` (clang's own link line, executed with weld; clang's wasm driver
// ignores --ld-path).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkSync } from '../lib/index.js';
import { compileToFiles, parseHashHashHashLine, repoRoot, requireBuiltCommand, runTool, runWasi, sysroot, TARGET, treePut, wasmLd, type Tree } from './support/toolchain.js';

const weld = join(repoRoot, 'bin', 'weld.js');
let dir: string;
let objs: string[];

function run(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [weld, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-cli-'));
  requireBuiltCommand();
  objs = await compileToFiles(
    {
      'main.c': '#include <stdio.h>\nint helper(int);\nint main(int argc, char **argv) { printf("argc=%d helper=%d\\n", argc, helper(20)); return 7; }\n',
      'helper.c': 'int helper(int x) { return x * 2 + 2; }\n',
    },
    ['-O2'],
  );
}, 180_000);

describe('weld CLI', () => {
  it('is an executable with a node shebang', () => {
    expect(readFileSync(weld, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--version names weld, its backend and the LLD it matches', () => {
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^weld \d+\.\d+\.\d+ \(compatible with LLD 22; backend: (native|ts)\)/);
  });

  it('--help lists wasm-ld options', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('USAGE: weld [options] file...');
    expect(r.stdout).toContain('--export-dynamic');
    expect(r.stdout).toContain('--no-stack-first');
  });

  it('errors go to stderr in wasm-ld format with exit status 1', () => {
    const r = run([objs[0], '--no-entry', '--export=__main_argc_argv', '-o', 'x.wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`weld: error: ${objs[0]}: undefined symbol: helper\nweld: error: ${objs[0]}: undefined symbol: printf\n`);
    expect(existsSync(join(dir, 'x.wasm'))).toBe(false);
  });

  it('separates multi-line diagnostics with a blank line, like lld', () => {
    const r = run([objs[1], objs[1], '--no-entry', '--export=helper', '-o', 'x.wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`weld: error: duplicate symbol: helper\n>>> defined in ${objs[1]}\n>>> defined in ${objs[1]}\n`);
  });

  it('a failed link keeps an existing output file', () => {
    writeFileSync(join(dir, 'keep.wasm'), 'old');
    expect(run([objs[0], '-o', 'keep.wasm']).code).toBe(1);
    expect(readFileSync(join(dir, 'keep.wasm'), 'utf8')).toBe('old');
  });

  it('-o - writes the module to stdout (the same bytes as -o file); --why-extract=- prints as wasm-ld does', async () => {
    const root = await sysroot();
    const args = [`${root}/lib/${TARGET}/crt1-command.o`, ...objs, `-L${root}/lib/${TARGET}`, '-lc'];
    const r = spawnSync(process.execPath, [weld, ...args, '-o', '-'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toBe('');
    expect(existsSync(join(dir, '-'))).toBe(false);
    // The API returns the same bytes and writes nothing; the module (named "-" in its name
    // section, as wasm-ld names it) runs.
    expect(Buffer.compare(r.stdout, linkSync([...args, '-o', '-'], { cwd: dir }).bytes)).toBe(0);
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect((await runWasi(new Uint8Array(r.stdout), ['a'])).stdout).toBe('argc=2 helper=42\n');
    const why = run([...args, '--why-extract=-', '-o', 'file.wasm']);
    const ref = await wasmLd([...args, '--why-extract=-', '-o', 'file.wasm'], { cwd: dir });
    expect(ref.stdout).toContain('libc.a(');
    expect(why.stdout).toBe(ref.stdout);
    expect(why.code).toBe(ref.code);
  }, 120_000);

  it('--color-diagnostics colors "error:" and "warning:" as wasm-ld does; option errors do not hide input errors', async () => {
    const cases = [
      [objs[0], '--no-entry', '--export=__main_argc_argv', '--color-diagnostics', '-o', 'c.wasm'],
      [objs[0], '--no-entry', '--color-diagnostics=always', '--bogus-flag', '-z', 'unknown', 'missing.o', '-o', 'c.wasm'],
      [objs[0], '--no-entry', '--color-diagnostics', '--no-color-diagnostics', '--bogus-flag', '-o', 'c.wasm'],
      [objs[0], '--no-entry', '--color-diagnostics=sometimes', '--initial-memory=x', 'missing.o', '-o', 'c.wasm', '--entry'],
    ];
    for (const args of cases) {
      const r = run(args);
      const ref = await wasmLd(args, { cwd: dir });
      expect(r.code).toBe(ref.code);
      expect(r.stderr).toBe(ref.stderr.replace(/^wasm-ld: /gm, 'weld: '));
    }
    expect(run(cases[0]).stderr).toContain('weld: \x1b[0;31merror: \x1b[0m');
  }, 60_000);

  it('an integer option beyond int64 is "number expected", as in wasm-ld', async () => {
    const args = [objs[1], '--no-entry', '--initial-memory=99999999999999999999', '-o', 'big.wasm'];
    const r = run(args);
    const ref = await wasmLd(args, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(ref.stderr.replace(/^wasm-ld:/gm, 'weld:'));
    expect(r.stderr).toContain("number expected, but got '99999999999999999999'");
  }, 60_000);

  it('links what clang -fuse-ld=<weld> asks it to link, and the program runs', async () => {
    const root = await sysroot();
    // clang's WebAssembly driver picks its linker with -fuse-ld=<absolute path> (it ignores
    // --ld-path). YoWASP's clang cannot spawn processes, so the test takes the command clang
    // would run from -### and runs exactly that.
    const tree: Tree = {};
    for (const o of objs) treePut(tree, o, '');
    treePut(tree, weld, '#!/usr/bin/env node\n'); // clang checks the linker exists
    const r = await runTool('clang', [`--target=${TARGET}`, '-###', `-fuse-ld=${weld}`, ...objs, '-Wl,--export=helper', '-Wl,-z,stack-size=131072', '-o', join(dir, 'prog.wasm')], tree);
    const lines = (r.stderr + r.stdout).split('\n').filter((l) => l.startsWith(' "'));
    const cmd = parseHashHashHashLine(lines[lines.length - 1]);
    expect(cmd[0]).toBe(weld);
    const args = cmd.slice(1).map((a) => a.replace(/^\/usr\/lib\//, `${root}/lib/`).replace(/^-L\/usr\/lib\//, `-L${root}/lib/`));
    expect(args).toContain('--export=helper');
    const res = run(args);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const bytes = new Uint8Array(readFileSync(join(dir, 'prog.wasm')));
    const out = await runWasi(bytes, ['a', 'b']);
    expect(out.stdout).toBe('argc=3 helper=42\n');
    expect(out.code).toBe(7);
    const m = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.exports(m).map((e) => e.name)).toContain('helper');
  }, 120_000);
});

// bin/weld.js loads the command's modules as one bundle with a V8 code cache (scripts/bundle.mjs):
// a cold start then spends ~10 ms loading weld instead of ~35.
describe('the bundled command', () => {
  const bundleDir = join(repoRoot, 'dist', 'bundle');
  const runEnv = (args: string[], env: Record<string, string>) => {
    const r = spawnSync(process.execPath, [weld, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const cacheFiles = () => readdirSync(bundleDir).filter((f) => f.endsWith(`-${process.version}-${process.arch}.v8cache`));

  it('links exactly as the ES modules do, output and messages', () => {
    const args = [...objs, '--no-entry', '--export=helper', '--allow-undefined', '--why-extract=-', '--verbose'];
    // The same output name in two directories: the name section holds it.
    mkdirSync(join(dir, 'b'), { recursive: true });
    mkdirSync(join(dir, 'm'), { recursive: true });
    const viaBundle = runEnv([...args, '-o', 'b/out.wasm'], {});
    const viaModules = runEnv([...args, '-o', 'm/out.wasm'], { WELD_NO_BUNDLE: '1' });
    expect(existsSync(join(bundleDir, 'cli.cjs'))).toBe(true);
    expect(viaBundle.code).toBe(0);
    expect(viaBundle.stdout).toBe(viaModules.stdout);
    expect(viaBundle.stderr.replaceAll('b/out.wasm', 'X')).toBe(viaModules.stderr.replaceAll('m/out.wasm', 'X'));
    expect(Buffer.compare(readFileSync(join(dir, 'b', 'out.wasm')), readFileSync(join(dir, 'm', 'out.wasm')))).toBe(0);
    // The failure path too: same message, same exit status.
    const a = runEnv([...objs, '--no-entry', '--export=nope', '-o', 'x.wasm'], {});
    const b = runEnv([...objs, '--no-entry', '--export=nope', '-o', 'x.wasm'], { WELD_NO_BUNDLE: '1' });
    expect([a.code, a.stderr]).toEqual([b.code, b.stderr]);
    expect(a.code).toBe(1);
  });

  it('in a checkout, a bundle older than dist/cli.js (tsc run alone) is not used', () => {
    // A copy of the command and its modules, with a bundle that only says who it is.
    const pkg = mkdtempSync(join(tmpdir(), 'weld-bundle-'));
    cpSync(join(repoRoot, 'bin'), join(pkg, 'bin'), { recursive: true });
    mkdirSync(join(pkg, 'lib')); // a checkout: the staleness check applies
    cpSync(join(repoRoot, 'dist'), join(pkg, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.v8cache') });
    writeFileSync(join(pkg, 'dist', 'bundle', 'cli.cjs'), "exports.main = () => { console.log('from the bundle'); return 0; };\n");
    const version = () => spawnSync(process.execPath, [join(pkg, 'bin', 'weld.js'), '--version'], { encoding: 'utf8' }).stdout;
    const cli = join(pkg, 'dist', 'cli.js');
    const bundle = join(pkg, 'dist', 'bundle', 'cli.cjs');
    utimesSync(cli, new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    utimesSync(bundle, new Date(1_000_000_001_000), new Date(1_000_000_001_000));
    expect(version()).toBe('from the bundle\n');
    utimesSync(cli, new Date(1_000_000_002_000), new Date(1_000_000_002_000));
    expect(version()).toMatch(/^weld \d+\.\d+\.\d+ /);
    // An installed package (no lib/) has arbitrary mtimes from unpacking: its bundle is used.
    rmSync(join(pkg, 'lib'), { recursive: true });
    expect(version()).toBe('from the bundle\n');
  });

  it('a link leaves a code cache for this Node; a damaged one is rejected by V8 and written again', () => {
    const args = [...objs, '--no-entry', '--export=helper', '-o', 'c.wasm'];
    expect(runEnv(args, {}).code).toBe(0);
    const caches = cacheFiles();
    expect(caches.length).toBeGreaterThan(0);
    const hash = JSON.parse(readFileSync(join(bundleDir, 'meta.json'), 'utf8')).hash as string;
    const mine = join(bundleDir, `cli-${hash}-${process.version}-${process.arch}.v8cache`);
    expect(existsSync(mine)).toBe(true);
    const good = readFileSync(join(dir, 'c.wasm'));
    writeFileSync(mine, 'not a code cache');
    // An earlier bundle's cache for this Node is removed when a cache is written; another
    // Node's stays (it may share the package).
    const stale = join(bundleDir, `cli-0000-${process.version}-${process.arch}.v8cache`);
    const otherNode = join(bundleDir, `cli-${hash}-v0.0.1-${process.arch}.v8cache`);
    writeFileSync(stale, 'old');
    writeFileSync(otherNode, 'other');
    const r = runEnv(args, {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(Buffer.compare(readFileSync(join(dir, 'c.wasm')), good)).toBe(0);
    expect(readFileSync(mine, 'utf8')).not.toBe('not a code cache');
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(otherNode, 'utf8')).toBe('other');
    rmSync(otherNode);
  });

  it('a cold link makes V8 migrate no objects (an integer field turned boxed double slows every access)', async () => {
    // One heap number stored in a field that held small integers deprecates the class's shape:
    // V8 then migrates each existing chunk and symbol on its next access, which was most of a
    // cold command's layout time. `2 ** n` in unoptimized code is such a heap number.
    const root = await sysroot();
    const args = [`${root}/lib/${TARGET}/crt1-command.o`, ...objs, `-L${root}/lib/${TARGET}`, '-lc', '-o', 'm.wasm'];
    const r = spawnSync(process.execPath, ['--trace-migration', weld, ...args], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const migrations = r.stdout.split('\n').filter((l) => l.startsWith('[migrating]'));
    expect(migrations).toEqual([]);
  });
});

