#!/usr/bin/env node
// npm run prebuild: builds the addon for this platform in release mode and installs it as
// prebuilds/<platform>-<arch>/weld.napi[.glibc|.musl].node, where node-gyp-build (and so
// lib/backend/native.ts) finds it in an installed package. Node-API: the one binary serves every
// Node.js version from 20 on. The npm tarball carries prebuilds/ (package.json "files").
//
// (The TypeScript build is `npm run build:ts`: there is no `build` script for npm to run this before.)

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const out = path.join(root, 'build', 'prebuild');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
  return r;
}

const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
fs.rmSync(out, { recursive: true, force: true });
run(process.execPath, [cmakeJs, 'rebuild', '--out', out, '--config', 'Release']);
const built = path.join(out, 'Release', 'weld.node');
if (!fs.existsSync(built)) throw new Error(`${built} was not produced`);

const tags = ['weld', 'napi'];
if (process.platform === 'linux') tags.push(fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const dest = path.join(dir, `${tags.join('.')}.node`);
fs.mkdirSync(dir, { recursive: true });
for (const f of fs.readdirSync(dir)) if (f.endsWith('.node')) fs.rmSync(path.join(dir, f));
fs.copyFileSync(built, dest);
if (process.platform !== 'win32' && spawnSync('strip', ['--version']).status === 0)
  run('strip', process.platform === 'darwin' ? ['-x', dest] : ['--strip-unneeded', dest]);

// It must load, in a fresh process, and say what it is.
const check = spawnSync(process.execPath, ['-p', 'const a = require(process.argv[1]); JSON.stringify({ abi: a.abi, planVersion: a.planVersion })', dest], {
  encoding: 'utf8',
});
if (check.status !== 0) throw new Error(`${dest} does not load: ${check.stderr}`);
console.log(`prebuild: ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes) ${check.stdout.trim()}`);

// What the binary asks of the system's C and C++ runtimes (older systems cannot load it).
if (process.platform === 'linux') {
  const syms = spawnSync('objdump', ['-T', dest], { encoding: 'utf8' });
  if (syms.status === 0) {
    const max = new Map();
    for (const m of syms.stdout.matchAll(/\b(GLIBC|GLIBCXX|CXXABI)_([0-9.]+)/g)) {
      const [name, ver] = [m[1], m[2]];
      const cur = max.get(name);
      const newer = !cur || ver.split('.').map(Number).reduce((d, x, i) => d || x - (Number(cur.split('.')[i]) || 0), 0) > 0;
      if (newer) max.set(name, ver);
    }
    console.log(`prebuild: needs ${[...max].map(([n, v]) => `${n}_${v}`).join(', ')}`);
  }
}
