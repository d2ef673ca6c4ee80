// Diagnostics: every message a link produces, as data. The CLI prints them the way
// wasm-ld does ("weld: error: ..."); the API hands them to the caller.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  message: string;
  /** Input file path (the archive path for archive members). */
  file?: string;
  /** Archive member name, when the problem is inside an archive member. */
  member?: string;
  /** Section name ("CODE", "linking", ".debug_info", ...). */
  section?: string;
  /** Byte offset inside the file (or archive member). */
  offset?: number;
  /** Symbol the message is about. */
  symbol?: string;
}

export type DiagnosticDetails = Omit<Diagnostic, 'severity' | 'message'>;

/** Thrown by link() and linkSync(): carries every diagnostic of the failed link. */
export class LinkError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly warnings: string[];

  constructor(diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors.length ? errors.map((d) => d.message).join('\n') : 'link failed');
    this.name = 'LinkError';
    this.diagnostics = diagnostics;
    this.warnings = diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message);
  }
}

/** Thrown internally to abandon a link once it cannot go on; turned into LinkError at the top. */
export class StopLink extends Error {
  constructor() {
    super('link stopped');
  }
}

/** An input the parser refused; carries the location for the diagnostic. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly details: DiagnosticDetails,
  ) {
    super(message);
  }
}

export class Diagnostics {
  readonly all: Diagnostic[] = [];
  /** Lines for stdout (--trace, --print-gc-sections, --verbose, --print-map). */
  readonly out: string[] = [];
  errorCount = 0;
  errorLimit = 20;
  /** Colored "error:"/"warning:" for the CLI (--color-diagnostics); undefined means auto. */
  color: boolean | undefined = undefined;
  fatalWarnings = false;
  verbose = false;
  /** Where messages go as they happen (the CLI streams them); null buffers them only. */
  onMessage: ((d: Diagnostic) => void) | null = null;
  onOut: ((line: string) => void) | null = null;
  onLog: ((line: string) => void) | null = null;
  readonly logs: string[] = [];

  /**
   * lld's ErrorHandler::error: errors beyond --error-limit are not shown; the first one beyond it
   * is replaced by "too many errors emitted" and stops the link.
   */
  error(message: string, details: DiagnosticDetails = {}): void {
    if (this.errorLimit && this.errorCount >= this.errorLimit) {
      this.errorCount++;
      const stop: Diagnostic = {
        severity: 'error',
        message: 'too many errors emitted, stopping now (use -error-limit=0 to see all errors)',
      };
      this.all.push(stop);
      this.onMessage?.(stop);
      throw new StopLink();
    }
    const d: Diagnostic = { severity: 'error', message, ...details };
    this.all.push(d);
    this.onMessage?.(d);
    this.errorCount++;
  }

  warn(message: string, details: DiagnosticDetails = {}): void {
    if (this.fatalWarnings) return this.error(message, details);
    const d: Diagnostic = { severity: 'warning', message, ...details };
    this.all.push(d);
    this.onMessage?.(d);
  }

  /** An error after which nothing sensible can follow. */
  fatal(message: string, details: DiagnosticDetails = {}): never {
    this.error(message, details);
    throw new StopLink();
  }

  /** Repeats a diagnostic of an earlier link (a link-cache hit). */
  report(d: Diagnostic): void {
    this.all.push(d);
    if (d.severity === 'error') this.errorCount++;
    this.onMessage?.(d);
  }

  message(line: string): void {
    this.out.push(line);
    this.onOut?.(line);
  }

  /** --verbose lines; wasm-ld writes them to stderr with its name as prefix. */
  log(line: string): void {
    if (!this.verbose) return;
    this.logs.push(line);
    this.onLog?.(line);
  }

  /** Stops the link if any error was reported so far. */
  checkpoint(): void {
    if (this.errorCount) throw new StopLink();
  }

  warnings(): string[] {
    return this.all.filter((d) => d.severity === 'warning').map((d) => d.message);
  }
}
