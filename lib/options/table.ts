// wasm-ld's option table (lld/wasm/Options.td), with the same spellings, prefixes and forms.
// Matching follows LLVM's OptTable: the longest option name that accepts the argument wins, so
// `-error-limit=0` parses as `-e rror-limit=0` exactly as it does in wasm-ld.

export type OptKind = 'flag' | 'joined' | 'separate' | 'joinedOrSeparate' | 'commaJoined';

export interface OptSpec {
  /** Canonical id (aliases map to their target's id). */
  id: string;
  name: string;
  prefixes: readonly string[];
  kind: OptKind;
  help?: string;
  meta?: string;
}

const D2 = ['--'] as const;
const D12 = ['--', '-'] as const;
const D1 = ['-'] as const;

const specs: OptSpec[] = [];

function add(id: string, name: string, prefixes: readonly string[], kind: OptKind, help?: string, meta?: string): void {
  specs.push({ id, name, prefixes, kind, help, meta });
}
/** Flag with "--" or "-" (F). */
const F = (id: string, name: string, help?: string) => add(id, name, D12, 'flag', help);
/** Flag with "--" only (FF). */
const FF = (id: string, name: string, help?: string) => add(id, name, D2, 'flag', help);
/** Joined with "--" only (JJ). */
const JJ = (id: string, name: string, help?: string, meta?: string) => add(id, name, D2, 'joined', help, meta);
/** Joined with "--" or "-" (J). */
const J = (id: string, name: string, help?: string, meta?: string) => add(id, name, D12, 'joined', help, meta);
/** "--name value" and "--name=value", double dash only (EEq). */
function EEq(id: string, name: string, help: string): void {
  add(id, name, D2, 'separate');
  add(id, name + '=', D2, 'joined', help);
}
/** "-name value", "--name value", "-name=value", "--name=value" (Eq). */
function Eq(id: string, name: string, help: string, meta?: string): void {
  add(id, name, D12, 'separate');
  add(id, name + '=', D12, 'joined', help, meta);
}
/** --name / --no-name with "--" or "-" (B). */
function B(id: string, name: string, help1: string, help2: string): void {
  add(id, name, D12, 'flag', help1);
  add('no_' + id, 'no-' + name, D12, 'flag', help2);
}
/** --name / --no-name with "--" only (BB). */
function BB(id: string, name: string, help1: string, help2: string): void {
  add(id, name, D2, 'flag', help1);
  add('no_' + id, 'no-' + name, D2, 'flag', help2);
}

F('Bsymbolic', 'Bsymbolic', 'Bind defined symbols locally');
F('Bdynamic', 'Bdynamic', 'Link against shared libraries');
F('Bstatic', 'Bstatic', 'Do not link against shared libraries (default)');
F('build_id', 'build-id', 'Alias for --build-id=fast');
J('build_id_eq', 'build-id=', 'Generate build ID note', '[fast,sha1,uuid,0x<hexstring>]');
B('color_diagnostics', 'color-diagnostics', 'Alias for --color-diagnostics=always', 'Alias for --color-diagnostics=never');
J('color_diagnostics_eq', 'color-diagnostics=', 'Use colors in diagnostics (default: auto)', '[auto,always,never]');
F('compress_relocations', 'compress-relocations', 'Compress the relocation targets in the code section.');
B('demangle', 'demangle', 'Demangle symbol names (default)', 'Do not demangle symbol names');
F('emit_relocs', 'emit-relocs', 'Generate relocations in output');
F('error_unresolved_symbols', 'error-unresolved-symbols', 'Report unresolved symbols as errors');
B('export_dynamic', 'export-dynamic', 'Put symbols in the dynamic symbol table', 'Do not put symbols in the dynamic symbol table (default)');
F('end_lib', 'end-lib', 'End a grouping of objects that should be treated as if they were together in an archive');
add('entry', 'entry', D12, 'separate', 'Name of entry point symbol', '<entry>');
EEq('error_limit', 'error-limit', 'Maximum number of errors to emit before stopping (0 = no limit)');
F('fatal_warnings', 'fatal-warnings', 'Treat warnings as errors');
B('gc_sections', 'gc-sections', 'Enable garbage collection of unused sections (default)', 'Disable garbage collection of unused sections');
BB('merge_data_segments', 'merge-data-segments', 'Enable merging data segments (default)', 'Disable merging data segments');
F('help', 'help', 'Print option help');
add('library', 'l', D1, 'joinedOrSeparate', 'Root name of library to use', '<libName>');
add('library_path', 'L', D1, 'joinedOrSeparate', 'Add a directory to the library search path', '<dir>');
add('m', 'm', D1, 'joinedOrSeparate', 'Set target emulation');
Eq('mllvm', 'mllvm', "Additional arguments to forward to LLVM's option processing");
Eq('Map', 'Map', 'Print a link map to the specified file');
F('no_fatal_warnings', 'no-fatal-warnings', 'Do not treat warnings as errors (default)');
add('o', 'o', D1, 'joinedOrSeparate', 'Path to file to write output', '<path>');
add('O', 'O', D1, 'joinedOrSeparate', 'Optimize output file size');
B('pie', 'pie', 'Create a position independent executable', 'Do not create a position independent executable (default)');
B('print_gc_sections', 'print-gc-sections', 'List removed unused sections', 'Do not list removed unused sections (default)');
F('print_map', 'print-map', 'Print a link map to the standard output');
F('relocatable', 'relocatable', 'Create relocatable object file');
EEq('reproduce', 'reproduce', 'Dump linker invocation and input files for debugging');
Eq('rsp_quoting', 'rsp-quoting', 'Quoting style for response files', '[posix,windows]');
F('shared', 'shared', 'Build a shared object');
F('start_lib', 'start-lib', 'Start a grouping of objects that should be treated as if they were together in an archive');
F('strip_all', 'strip-all', 'Strip all symbols');
F('strip_debug', 'strip-debug', 'Strip debugging information');
Eq('threads', 'threads', "Number of threads. '1' disables multi-threading. By default all available hardware threads are used");
F('trace', 'trace', 'Print the names of the input files');
Eq('trace_symbol', 'trace-symbol', 'Trace references to symbols');
Eq('undefined', 'undefined', 'Force undefined symbol during linking');
Eq('unresolved_symbols', 'unresolved-symbols', 'Determine how to handle unresolved symbols');
add('v', 'v', D1, 'flag', 'Display the version number');
F('verbose', 'verbose', 'Verbose mode');
F('version', 'version', 'Display the version number and exit');
F('warn_unresolved_symbols', 'warn-unresolved-symbols', 'Report unresolved symbols as warnings');
Eq('wrap', 'wrap', 'Use wrapper functions for symbol', '<symbol>=<symbol>');
add('z', 'z', D1, 'joinedOrSeparate', 'Linker option extensions', '<option>');
F('allow_undefined', 'allow-undefined', 'Allow undefined symbols in linked binary. This options is equivalent to --import-undefined and --unresolved-symbols=ignore-all');
F('import_undefined', 'import-undefined', 'Turn undefined symbols into imports where possible');
J('allow_undefined_file', 'allow-undefined-file=', 'Allow symbols listed in <file> to be undefined in linked binary');
add('allow_undefined_file', 'allow-undefined-file', D1, 'separate');
Eq('export', 'export', 'Force a symbol to be exported');
Eq('export_if_defined', 'export-if-defined', 'Force a symbol to be exported, if it is defined in the input');
FF('export_all', 'export-all', 'Export all symbols (normally combined with --no-gc-sections)');
FF('export_table', 'export-table', 'Export function table to the environment');
FF('growable_table', 'growable-table', 'Remove maximum size from function table, allowing table to grow');
JJ('global_base', 'global-base=', 'Memory offset at which to place global data (Defaults to 1024)');
Eq('keep_section', 'keep-section', 'Preserve a section even when --strip-all is given. Can be specified multiple times to keep multiple sections');
FF('import_memory', 'import-memory', 'Import the module\'s memory from the default module of "env" with the name "memory".');
JJ('import_memory_with_name', 'import-memory=', "Import the module's memory from the passed module with the passed name.", '<module>,<name>');
FF('export_memory', 'export-memory', 'Export the module\'s memory with the default name of "memory"');
JJ('export_memory_with_name', 'export-memory=', "Export the module's memory with the passed name");
FF('shared_memory', 'shared-memory', 'Use shared linear memory');
Eq('soname', 'soname', 'Set the module name in the generated name section');
FF('import_table', 'import-table', 'Import function table from the environment');
JJ('initial_heap', 'initial-heap=', 'Initial size of the heap');
JJ('initial_memory', 'initial-memory=', 'Initial size of the linear memory');
JJ('max_memory', 'max-memory=', 'Maximum size of the linear memory');
FF('no_growable_memory', 'no-growable-memory', 'Set maximum size of the linear memory to its initial size');
FF('no_entry', 'no-entry', 'Do not output any entry point');
FF('stack_first', 'stack-first', 'Place stack at start of linear memory (default)');
FF('no_stack_first', 'no-stack-first', 'Place the stack after static data region');
JJ('page_size', 'page-size=', 'The Wasm page size (Defaults to 65536)');
JJ('table_base', 'table-base=', 'Table offset at which to place address taken functions (Defaults to 1)');
B('whole_archive', 'whole-archive', 'Force load of all members in a static library', 'Do not force load of all members in a static library (default)');
JJ('why_extract', 'why-extract=', 'Print to a file about why archive members are extracted');
BB('check_features', 'check-features', 'Check feature compatibility of linked objects (default)', 'Ignore feature compatibility of linked objects');
add('features', 'features=', D12, 'commaJoined', 'Comma-separated used features, inferred from input objects by default.');
add('extra_features', 'extra-features=', D12, 'commaJoined', 'Comma-separated list of features to add to the default set of features inferred from input objects.');
F('allow_multiple_definition', 'allow-multiple-definition', 'Allow multiple definitions');
F('no_allow_multiple_definition', 'no-allow-multiple-definition', 'Do not allow multiple definitions (default)');
F('noinhibit_exec', 'noinhibit-exec', 'Retain the executable output file whenever it is still usable');
F('no_shlib_sigcheck', 'no-shlib-sigcheck', 'Do not check signatures of functions defined in shared libraries.');
Eq('rpath', 'rpath', 'Add a DT_RUNPATH to the output');
// Aliases.
add('entry', 'e', D1, 'joinedOrSeparate');
J('entry', 'entry=');
F('Bdynamic', 'call_shared', 'Alias for --Bdynamic');
F('Bdynamic', 'dy', 'Alias for --Bdynamic');
F('Bstatic', 'dn', 'Alias for --Bstatic');
F('Bstatic', 'non_shared', 'Alias for --Bstatic');
F('Bstatic', 'static', 'Alias for --Bstatic');
add('export_dynamic', 'E', D1, 'flag', 'Alias for --export-dynamic');
add('initial_memory', 'i', D1, 'flag');
add('library', 'library', D12, 'separate');
add('library', 'library=', D12, 'joined');
add('library_path', 'library-path', D12, 'separate');
add('library_path', 'library-path=', D12, 'joined');
add('print_map', 'M', D1, 'flag', 'Alias for --print-map');
add('relocatable', 'r', D1, 'flag');
add('strip_all', 's', D1, 'flag', 'Alias for --strip-all');
add('strip_debug', 'S', D1, 'flag', 'Alias for --strip-debug');
add('trace', 't', D1, 'flag', 'Alias for --trace');
add('trace_symbol', 'y', D1, 'joinedOrSeparate', 'Alias for --trace-symbol');
add('undefined', 'u', D1, 'joinedOrSeparate');
add('v', 'V', D1, 'flag', 'Alias for -v');
// LTO (accepted: they configure LTO, which only bitcode inputs would use).
JJ('lto_O', 'lto-O', 'Optimization level for LTO', '<opt-level>');
JJ('lto_CGO', 'lto-CGO', 'Codegen optimization level for LTO', '<cgopt-level>');
JJ('lto_partitions', 'lto-partitions=', 'Number of LTO codegen partitions');
F('disable_verify', 'disable-verify');
F('save_temps', 'save-temps', 'Save intermediate LTO compilation results');
JJ('thinlto_cache_dir', 'thinlto-cache-dir=', 'Path to ThinLTO cached object file directory');
EEq('thinlto_cache_policy', 'thinlto-cache-policy', 'Pruning policy for the ThinLTO cache');
JJ('thinlto_jobs', 'thinlto-jobs=', 'Number of ThinLTO jobs. Default to --threads=');
FF('lto_debug_pass_manager', 'lto-debug-pass-manager', 'Debug new pass manager');
FF('experimental_pic', 'experimental-pic', 'Enable Experimental PIC');
// weld's own: a link cache (issue 5) and a plan dump for replaying parity failures.
JJ('cache_dir', 'cache-dir=', 'Skip the link when inputs and options match the last link of the same output (weld)');
JJ('dump_plan', 'dump-plan=', 'Write the link\'s WritePlan to a file (weld)');

export const OPTIONS: readonly OptSpec[] = specs;

/** Each id's own option (its first definition; later ones are aliases, as in Options.td). */
const canonical = new Map<string, OptSpec>();
for (const spec of specs) if (!canonical.has(spec.id)) canonical.set(spec.id, spec);

/**
 * lld toString(Arg): an argument as LLVM prints it, under its unaliased option's spelling
 * (`--export=f` and `--export f` both print as `--export f`, `-e f` as `--entry f`).
 */
export function renderArg(a: ParsedArg): string {
  const spec = canonical.get(a.id);
  if (!spec) return [a.spelling, ...a.values].join(' ');
  const k = spec.prefixes[0] + spec.name;
  if (a.values.length === 0) return k;
  // Only joined options render joined; comma-joined ones come out space-separated after a
  // space (`--features= a b`), as lld writes them.
  const v = a.values.join(' ');
  return spec.kind === 'joined' ? k + v : `${k} ${v}`;
}

/** Candidate (prefix+name) spellings, longest first: the order OptTable effectively tries them. */
const candidates: { spelling: string; spec: OptSpec }[] = [];
for (const spec of specs) for (const p of spec.prefixes) candidates.push({ spelling: p + spec.name, spec });
candidates.sort((a, b) => b.spelling.length - a.spelling.length);
/**
 * The candidates by their first three characters (shorter spellings by themselves), each list
 * still longest first: an argument is tried against the few spellings it can start with, not
 * against all of them (a link's argv went through the whole table once per option).
 */
const byPrefix = new Map<string, { spelling: string; spec: OptSpec }[]>();
for (const c of candidates) {
  const k = c.spelling.slice(0, 3);
  let list = byPrefix.get(k);
  if (!list) byPrefix.set(k, (list = []));
  list.push(c);
}

export interface ParsedArg {
  id: string;
  /** The spelling as written (e.g. "--export="). */
  spelling: string;
  values: string[];
  /** Index of the argument in argv. */
  index: number;
}

export type ParseResult =
  | { ok: true; arg: ParsedArg; next: number }
  | { ok: false; kind: 'unknown' | 'missing'; text: string; next: number };

/** Parses one argument starting at argv[i]. Inputs come back with id "INPUT". */
export function parseOne(argv: readonly string[], i: number): ParseResult {
  const s = argv[i];
  if (s.length < 2 || s[0] !== '-') return { ok: true, arg: { id: 'INPUT', spelling: '', values: [s], index: i }, next: i + 1 };
  // Longer spellings first: those sharing the argument's first three characters, then two, one.
  for (let n = Math.min(3, s.length); n >= 1; n--) {
    const r = tryCandidates(byPrefix.get(s.slice(0, n)), argv, i);
    if (r) return r;
  }
  return { ok: false, kind: 'unknown', text: s, next: i + 1 };
}

function tryCandidates(list: { spelling: string; spec: OptSpec }[] | undefined, argv: readonly string[], i: number): ParseResult | null {
  if (!list) return null;
  const s = argv[i];
  for (let c = 0; c < list.length; c++) {
    const { spelling, spec } = list[c];
    if (!s.startsWith(spelling)) continue;
    const exact = s.length === spelling.length;
    switch (spec.kind) {
      case 'flag':
        if (!exact) continue;
        return { ok: true, arg: { id: spec.id, spelling, values: [], index: i }, next: i + 1 };
      case 'joined':
        return { ok: true, arg: { id: spec.id, spelling, values: [s.slice(spelling.length)], index: i }, next: i + 1 };
      case 'commaJoined':
        // As llvm::opt: empty values ("a,,b", a trailing comma, nothing at all) are dropped.
        return { ok: true, arg: { id: spec.id, spelling, values: s.slice(spelling.length).split(',').filter((v) => v !== ''), index: i }, next: i + 1 };
      case 'separate':
        if (!exact) continue;
        if (i + 1 >= argv.length) return { ok: false, kind: 'missing', text: s, next: i + 1 };
        return { ok: true, arg: { id: spec.id, spelling, values: [argv[i + 1]], index: i }, next: i + 2 };
      case 'joinedOrSeparate':
        if (exact) {
          if (i + 1 >= argv.length) return { ok: false, kind: 'missing', text: s, next: i + 1 };
          return { ok: true, arg: { id: spec.id, spelling, values: [argv[i + 1]], index: i }, next: i + 2 };
        }
        return { ok: true, arg: { id: spec.id, spelling, values: [s.slice(spelling.length)], index: i }, next: i + 1 };
    }
  }
  return null;
}

/** The --help text, in wasm-ld's layout. */
export function helpText(prog: string): string {
  const lines = ['OVERVIEW: LLVM Linker', '', `USAGE: ${prog} [options] file...`, '', 'OPTIONS:'];
  const rows: [string, string][] = [];
  for (const spec of specs) {
    if (!spec.help) continue;
    const p = spec.prefixes[0];
    let left = p + spec.name;
    if (spec.kind === 'separate' || spec.kind === 'joinedOrSeparate') left += ' ' + (spec.meta ?? '<value>');
    else if (spec.kind === 'joined' || spec.kind === 'commaJoined') left += spec.meta ?? '<value>';
    rows.push([left, spec.help]);
  }
  rows.sort((a, b) => a[0].replace(/^-+/, '').toLowerCase().localeCompare(b[0].replace(/^-+/, '').toLowerCase()));
  for (const [l, h] of rows) {
    if (l.length > 22) lines.push('  ' + l, ' '.repeat(26) + h);
    else lines.push('  ' + l.padEnd(24) + h);
  }
  return lines.join('\n') + '\n';
}
