#!/usr/bin/env node
'use strict';
// CommonJS (see bin/package.json): a command that a resident process serves (WELD_DAEMON=1,
// README "Command line") loads only dist/daemon/client.cjs, never the ES module graph.
const argv = process.argv.slice(2);

function linkHere() {
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
