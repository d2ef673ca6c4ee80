#!/usr/bin/env node
const argv = process.argv.slice(2);
let code = null;
// WELD_DAEMON=1: a resident process links with warm code and cached inputs (README, "Command line").
if (process.env.WELD_DAEMON && process.env.WELD_DAEMON !== '0') {
  const { runViaDaemon } = await import('../dist/daemon/client.js');
  code = await runViaDaemon(argv);
}
if (code === null) {
  const { main } = await import('../dist/cli.js');
  code = main(argv);
}
process.exitCode = code;
