// The npm package as users get it: `npm pack`, then installed into another project with install
// scripts blocked (npm 11's default for dependencies; --ignore-scripts here) and no build step,
// so the addon can only come from the shipped prebuild. It must load the native backend and link,
// through the API and through the installed `weld` command.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, repoRoot, requireBuiltCommand } from './support/toolchain.js';

const platformDir = `${process.platform}-${process.arch}`;
const hasPrebuild = existsSync(join(repoRoot, 'prebuilds', platformDir));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let project: string;
let packed: { filename: string; files: { path: string }[] };

/** A user's environment: none of the suite's WELD_* settings (WELD_PARITY, WELD_EXPECT_NATIVE). */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WELD_')));
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: userEnv(env), timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  if (!hasPrebuild) return;
  requireBuiltCommand();
  work = mkdtempSync(join(tmpdir(), 'weld-package-'));
  // dist/ is built by `pretest`; --ignore-scripts skips `prepare` rebuilding it here.
  packed = JSON.parse(run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot))[0];
  project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // node-gyp-build (weld's one dependency) comes from npm's cache when it is there.
  run(npm, ['install', join(work, packed.filename), '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], project);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!hasPrebuild)(`the npm package (prebuild for ${platformDir})`, () => {
  it('carries the prebuild, the compiled JavaScript and the command, not the tests or build output', () => {
    const files = packed.files.map((f) => f.path);
    expect(files.filter((f) => f.startsWith(`prebuilds/${platformDir}/`) && f.endsWith('.node')).length).toBeGreaterThan(0);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('bin/weld.js');
    // The command's bundle and its hash, but no code cache made by a local run.
    expect(files).toContain('dist/bundle/cli.cjs');
    expect(files).toContain('dist/bundle/meta.json');
    expect(files.some((f) => f.endsWith('.v8cache'))).toBe(false);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('build/'))).toBe(false);
    // Nothing was built in the installed copy: the addon there is the prebuild.
    expect(existsSync(join(project, 'node_modules', 'weld', 'build'))).toBe(false);
  });

  it('installed with scripts blocked, it loads the native backend from the prebuild and links', async () => {
    const objs = await compile({ 'answer.c': '__attribute__((export_name("answer"))) int answer(void) { return 42; }\n' }, ['-O2']);
    writeFileSync(join(project, 'answer.o'), objs['answer.o']!);
    const script = [
      "import { backend, linkSync } from 'weld';",
      "const r = linkSync(['--no-entry', 'answer.o'], { cwd: process.cwd() });",
      'const { instance } = await WebAssembly.instantiate(r.bytes);',
      'console.log(JSON.stringify({ backend, answer: instance.exports.answer() }));',
    ].join('\n');
    writeFileSync(join(project, 'use.mjs'), script);
    // WELD_BACKEND=native: a missing or unloadable addon fails loudly instead of falling back.
    const out = JSON.parse(run(process.execPath, ['use.mjs'], project, { WELD_BACKEND: 'native' }));
    expect(out).toEqual({ backend: 'native', answer: 42 });

    const version = run(process.execPath, [join(project, 'node_modules', 'weld', 'bin', 'weld.js'), '--version'], project);
    expect(version).toMatch(/backend: native/);
    run(process.execPath, [join(project, 'node_modules', 'weld', 'bin', 'weld.js'), '--no-entry', 'answer.o', '-o', 'answer.wasm'], project, {
      WELD_BACKEND: 'native',
    });
    const { instance } = await WebAssembly.instantiate(readFileSync(join(project, 'answer.wasm')));
    expect((instance.exports.answer as () => number)()).toBe(42);
    // The installed command ran from its bundle, and left its code cache beside it.
    const bundleDir = join(project, 'node_modules', 'weld', 'dist', 'bundle');
    expect(readdirSync(bundleDir).some((f) => f.endsWith(`-${process.version}-${process.arch}.v8cache`))).toBe(true);
  }, 120_000);

  it('without a prebuild or a build it still links, with the TypeScript backend, and says why', () => {
    // Runs last: it removes the installed prebuild.
    rmSync(join(project, 'node_modules', 'weld', 'prebuilds'), { recursive: true, force: true });
    const out = JSON.parse(run(process.execPath, ['use.mjs'], project));
    expect(out).toEqual({ backend: 'ts', answer: 42 });
    // Another directory, the same file name: the name section holds the output's name.
    mkdirSync(join(project, 'ts'));
    const r = spawnSync(process.execPath, [join(project, 'node_modules', 'weld', 'bin', 'weld.js'), '--verbose', '--no-entry', 'answer.o', '-o', 'ts/answer.wasm'], {
      cwd: project,
      encoding: 'utf8',
      env: userEnv(),
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/backend: ts \(.+\)/);
    expect(readFileSync(join(project, 'ts', 'answer.wasm'))).toEqual(readFileSync(join(project, 'answer.wasm')));
    // Asked for by name, the missing addon is an error, not a silent fallback.
    const native = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', env: userEnv({ WELD_BACKEND: 'native' }) });
    expect(native.status).not.toBe(0);
    expect(native.stderr).toMatch(/native/);
  });
});
