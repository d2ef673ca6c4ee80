// The weld command: wasm-ld's flags, messages and exit status.

import { basename } from 'node:path';
import { LinkError, type Diagnostic } from './diag.js';
import { runLink } from './link.js';

function format(prog: string, d: Diagnostic): string {
  return `${prog}: ${d.severity}: ${d.message}`;
}

export function main(argv: string[]): number {
  const prog = basename(process.argv[1] ?? 'weld').replace(/\.js$/, '');
  const stderr = (s: string) => process.stderr.write(s + '\n');
  const stdout = (s: string) => process.stdout.write(s + '\n');
  // lld separates a multi-line diagnostic from the next one with a blank line.
  let sep = '';
  try {
    runLink({
      argv,
      cwd: process.cwd(),
      requireOutput: true,
      onDiagnostic: (d) => {
        stderr(sep + format(prog, d));
        sep = d.message.includes('\n') ? '\n' : '';
      },
      onStdout: stdout,
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
