#!/usr/bin/env node
'use strict';
// CommonJS (see bin/package.json): a command that a resident process serves (WELD_DAEMON=1,
// README "Command line") loads only dist/daemon/client.cjs, never the ES module graph.
const argv = process.argv.slice(2);

/**
 * The command line's modules as one bundle (scripts/bundle.mjs), compiled with a V8 code cache
 * kept next to it: the first run writes the cache (keyed by the bundle's hash, Node's version
 * and the architecture; V8 rejects a cache it cannot use), later runs skip most compilation.
 * Null without a bundle: then the ES modules load as usual.
 */
function loadBundle() {
  const fs = require('node:fs');
  const path = require('node:path');
  const dir = path.join(__dirname, '..', 'dist', 'bundle');
  const file = path.join(dir, 'cli.cjs');
  let source;
  let hash;
  try {
    // In a checkout (sources in lib/), a bundle older than the modules it was made from (`tsc`
    // run alone) would run stale code. An installed package's files were built together, and
    // unpacking gives them arbitrary mtimes: no check there.
    if (fs.existsSync(path.join(__dirname, '..', 'lib')) && fs.statSync(path.join(__dirname, '..', 'dist', 'cli.js')).mtimeMs > fs.statSync(file).mtimeMs)
      return null;
    source = fs.readFileSync(file, 'utf8');
    hash = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')).hash;
  } catch {
    return null;
  }
  if (typeof hash !== 'string') return null;
  const Module = require('node:module');
  const vm = require('node:vm');
  const cacheFile = path.join(dir, `cli-${hash}-${process.version}-${process.arch}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dir);
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    // After the link: the cache then holds the functions it compiled. A read-only package
    // directory (or a race with another weld) only means no cache this time.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
      // Caches of earlier bundles for this Node (each build in a checkout makes one) are dead.
      const mine = path.basename(cacheFile);
      const suffix = `-${process.version}-${process.arch}.v8cache`;
      for (const f of fs.readdirSync(dir)) if (f !== mine && f.startsWith('cli-') && f.endsWith(suffix)) fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // Never written.
      }
    }
  };
  return { main: mod.exports.main, saveCache };
}

function linkHere() {
  const bundle = process.env.WELD_NO_BUNDLE ? null : loadBundle();
  if (bundle) {
    process.exitCode = bundle.main(argv);
    // A cache written by a link holds the linker's functions (--version's would not).
    if (process.exitCode === 0 && !argv.some((a) => /^--?(version|v|help|V)$/.test(a))) bundle.saveCache();
    return Promise.resolve();
  }
  return import('../dist/cli.js').then(({ main }) => {
    process.exitCode = main(argv);
  });
}

if (process.env.WELD_DAEMON && process.env.WELD_DAEMON !== '0') {
  require('../dist/daemon/client.cjs')
    .runViaDaemon(argv)
    .then((code) => (code === null ? linkHere() : (process.exitCode = code)));
} else {
  linkHere();
}
