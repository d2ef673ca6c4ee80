// The weld command: wasm-ld's flags, messages and exit status.

import { LinkError, type Diagnostic } from './diag.js';
import type { InputCache } from './input/index.js';
import { runLink } from './link.js';
import { progName, stderrHasColors } from './daemon/client.cjs';

// lld's colors: red "error:", magenta "warning:", then the plain message.
const COLOR = { error: '\x1b[0;31m', warning: '\x1b[0;35m' } as const;

function format(prog: string, d: Diagnostic, color: boolean): string {
  return color ? `${prog}: ${COLOR[d.severity]}${d.severity}: \x1b[0m${d.message}` : `${prog}: ${d.severity}: ${d.message}`;
}

/** Where one command's output goes: this process's stdio, or a resident process's client. */
export interface CliIO {
  /** The program name diagnostics start with ("weld", or whatever the command is called). */
  prog: string;
  cwd: string;
  /** --color-diagnostics=auto: whether stderr is a terminal that has colors. */
  autoColor: boolean;
  out(line: string): void;
  err(line: string): void;
  /** The module of `-o -`. */
  outBytes(bytes: Uint8Array): void;
  /** Parsed inputs kept between commands (the resident process); absent: nothing is kept. */
  cache?: InputCache;
}

/** Runs one weld command; returns its exit status. */
export function runCli(argv: string[], io: CliIO): number {
  // lld separates a multi-line diagnostic from the next one with a blank line.
  let sep = '';
  try {
    runLink({
      argv,
      cwd: io.cwd,
      cache: io.cache,
      requireOutput: true,
      onDiagnostic: (d, color) => {
        io.err(sep + format(io.prog, d, color ?? io.autoColor));
        sep = d.message.includes('\n') ? '\n' : '';
      },
      onStdout: io.out,
      onStdoutBytes: io.outBytes,
      onLog: (l) => io.err(`${io.prog}: ${l}`),
    });
    return 0;
  } catch (e) {
    if (e instanceof LinkError) return 1;
    // A bug, not a user error: say so plainly, without a stack trace unless asked.
    io.err(`${io.prog}: error: internal error: ${(e as Error)?.message ?? e}`);
    if (process.env.WELD_DEBUG) io.err(String((e as Error)?.stack));
    return 1;
  }
}

export function main(argv: string[]): number {
  // A closed pipe (`weld --print-map … | head`) ends the output quietly, as it does for wasm-ld.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  return runCli(argv, {
    prog: progName(),
    cwd: process.cwd(),
    autoColor: stderrHasColors(),
    out: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s + '\n'),
    // Through process.stdout (not fs.writeSync) so a non-blocking pipe is drained before exit.
    outBytes: (bytes) => process.stdout.write(bytes),
  });
}
