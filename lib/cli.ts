// The weld command: wasm-ld's flags, messages and exit status.

import { basename } from 'node:path';
import { LinkError, type Diagnostic } from './diag.js';
import { runLink } from './link.js';

// lld's colors: red "error:", magenta "warning:", then the plain message.
const COLOR = { error: '\x1b[0;31m', warning: '\x1b[0;35m' } as const;

function format(prog: string, d: Diagnostic, color: boolean): string {
  return color ? `${prog}: ${COLOR[d.severity]}${d.severity}: \x1b[0m${d.message}` : `${prog}: ${d.severity}: ${d.message}`;
}

export function main(argv: string[]): number {
  const prog = basename(process.argv[1] ?? 'weld').replace(/\.js$/, '');
  // A closed pipe (`weld --print-map … | head`) ends the output quietly, as it does for wasm-ld.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const stderr = (s: string) => process.stderr.write(s + '\n');
  // --color-diagnostics=auto: colors when stderr is a terminal that has them.
  const autoColor = process.stderr.isTTY === true && process.stderr.hasColors?.() === true;
  const stdout = (s: string) => process.stdout.write(s + '\n');
  // lld separates a multi-line diagnostic from the next one with a blank line.
  let sep = '';
  try {
    runLink({
      argv,
      cwd: process.cwd(),
      requireOutput: true,
      onDiagnostic: (d, color) => {
        stderr(sep + format(prog, d, color ?? autoColor));
        sep = d.message.includes('\n') ? '\n' : '';
      },
      onStdout: stdout,
      // Through process.stdout (not fs.writeSync) so a non-blocking pipe is drained before exit.
      onStdoutBytes: (bytes) => process.stdout.write(bytes),
      onLog: (l) => stderr(`${prog}: ${l}`),
    });
    return 0;
  } catch (e) {
    if (e instanceof LinkError) return 1;
    // A bug, not a user error: say so plainly, without a stack trace unless asked.
    stderr(`${prog}: error: internal error: ${(e as Error)?.message ?? e}`);
    if (process.env.WELD_DEBUG) stderr(String((e as Error)?.stack));
    return 1;
  }
}
