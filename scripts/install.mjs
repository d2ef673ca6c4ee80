#!/usr/bin/env node
// npm's install hook: builds the native WritePlan executor, or explains why weld will use the
// TypeScript one. It never fails the install: without cmake, a C++ compiler or cmake-js, weld
// still works (slower), and says so here.
//
// What it does:
//   - in a git checkout (or with WELD_BUILD_FROM_SOURCE=1): `cmake-js compile` into build/Release,
//     then checks that the result loads;
//   - in an installed package (the npm tarball carries prebuilds/): nothing if the prebuild for
//     this platform loads, else a source build if cmake-js is at hand;
//   - WELD_SKIP_NATIVE_BUILD=1: nothing.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function say(msg) {
  console.log(`weld: ${msg}`);
}

function warn(msg) {
  console.warn(
    `\nweld: WARNING: ${msg}\n` +
      'weld: the native executor is not available: links will use the TypeScript executor (same output, slower).\n' +
      'weld: to build it: install cmake (>= 3.15) and a C++17 compiler, then run `npm run build:native` in the weld package.\n',
  );
}

/** Whether `file` loads as weld's addon, tried in a child process so that a crash cannot hurt. */
function loads(file) {
  const r = spawnSync(process.execPath, ['-e', 'const a = require(process.argv[1]); if (typeof a.execute !== "function") process.exit(3);', file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 ? '' : (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
}

/** The prebuild node-gyp-build would pick for this platform, if any. */
function prebuild() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  } catch {
    return undefined;
  }
  return files.length ? path.join(dir, files[0]) : undefined;
}

function main() {
  if (process.env.WELD_SKIP_NATIVE_BUILD === '1') {
    say('WELD_SKIP_NATIVE_BUILD=1: not building the native executor');
    return;
  }
  const fromSource = fs.existsSync(path.join(root, '.git')) || process.env.WELD_BUILD_FROM_SOURCE === '1';
  const pre = prebuild();
  if (!fromSource && pre) {
    const problem = loads(pre);
    if (!problem) {
      say(`using the prebuilt native executor ${path.relative(root, pre)}`);
      return;
    }
    say(`the prebuilt native executor ${path.relative(root, pre)} does not load here (${problem}); trying a source build`);
  }
  let cmakeJs;
  try {
    cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  } catch {
    warn(pre ? 'cmake-js is not installed and the prebuild does not load' : `cmake-js is not installed and there is no prebuild for ${process.platform}-${process.arch}`);
    return;
  }
  if (!fs.existsSync(path.join(root, 'native')) || !fs.existsSync(path.join(root, 'CMakeLists.txt'))) {
    warn('the native sources are not in this package');
    return;
  }
  say('building the native executor (cmake-js compile)');
  const r = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `cmake-js exited with ${r.status}`;
    if (pre && !loads(pre)) {
      say(`the source build failed (${why}); the prebuilt ${path.relative(root, pre)} will be used`);
      return;
    }
    warn(`the source build failed (${why})`);
    return;
  }
  const built = path.join(root, 'build', 'Release', 'weld.node');
  const problem = fs.existsSync(built) ? loads(built) : 'build/Release/weld.node was not produced';
  if (problem) {
    // node-gyp-build prefers build/Release over prebuilds/: do not leave a broken build there.
    fs.rmSync(built, { force: true });
    warn(`the native executor was built but does not load (${problem})`);
    return;
  }
  say(`native executor built: ${path.relative(root, built)}`);
}

try {
  main();
} catch (e) {
  warn(`the install step failed unexpectedly (${e instanceof Error ? e.message : String(e)})`);
}
