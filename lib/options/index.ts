// argv (wasm-ld syntax) -> LinkOptions, with wasm-ld's defaults, validation and messages.

import { isAbsolute, join } from 'node:path';
import type { Diagnostics } from '../diag.js';
import { responseFile } from '../output/reproduce.js';
import { parseOne, type ParsedArg } from './table.js';
import { expandResponseFiles, type FileSystem } from './rsp.js';

export type UnresolvedPolicy = 'error' | 'warn' | 'ignore' | 'import-dynamic';

/** The ordered file arguments and the positional switches between them. */
export type FileDirective =
  | { kind: 'input'; path: string }
  | { kind: 'library'; name: string }
  | { kind: 'whole-archive'; on: boolean }
  | { kind: 'start-lib' }
  | { kind: 'end-lib' }
  | { kind: 'static'; on: boolean };

export interface LinkOptions {
  files: FileDirective[];
  output: string;
  /** Entry symbol; "" means none. */
  entry: string;
  allowMultipleDefinition: boolean;
  checkFeatures: boolean;
  demangle: boolean;
  exportAll: boolean;
  exportDynamic: boolean;
  exportTable: boolean;
  importTable: boolean;
  growableTable: boolean;
  importUndefined: boolean;
  memoryImport: [string, string] | null;
  memoryExport: string | null;
  soname: string;
  mapFile: string;
  /** --build-id. */
  buildId: BuildId;
  /** --compress-relocations (needs --strip-debug or --strip-all). */
  compressRelocations: boolean;
  /** -Bsymbolic (meaningful only with -shared, which weld does not do: a warning). */
  bsymbolic: boolean;
  /** -shared: a dynamic library (dylink.0, imported memory, table and GOT). */
  shared: boolean;
  /** -pie: a position independent executable. */
  pie: boolean;
  /** -shared or -pie (lld ctx.isPic). */
  isPic: boolean;
  experimentalPic: boolean;
  /** -r: the output is a relocatable object again (linking section, reloc.* sections). */
  relocatable: boolean;
  /** -m wasm64: memory64 objects, 64-bit addresses. */
  is64: boolean;
  /** -m was given: lld's is64 is then set, which words the wasm32/wasm64 mismatch error. */
  machineGiven: boolean;
  /** --emit-relocs: a final module that keeps its relocations (linking and reloc.* sections). */
  emitRelocs: boolean;
  /** Shared libraries' function signatures must match (off with --no-shlib-sigcheck). */
  shlibSigCheck: boolean;
  /** --reproduce / LLD_REPRODUCE: the tar to write, and its response.txt. */
  reproduce: { given: string; path: string; response: string } | null;
  optimize: number;
  gcSections: boolean;
  printGcSections: boolean;
  keepSections: Set<string>;
  mergeDataSegments: boolean;
  searchPaths: string[];
  stripAll: boolean;
  stripDebug: boolean;
  stackFirst: boolean;
  trace: boolean;
  traceSymbols: string[];
  unresolvedSymbols: UnresolvedPolicy;
  whyExtract: string;
  verbose: boolean;
  tableBase: number;
  globalBase: number;
  initialHeap: number;
  initialMemory: number;
  maxMemory: number;
  noGrowableMemory: boolean;
  /** --shared-memory: the memory is shared, segments are passive and __wasm_init_memory fills them. */
  sharedMemory: boolean;
  zStackSize: number;
  pageSize: number;
  features: string[] | null;
  extraFeatures: string[] | null;
  /** Names from --allow-undefined-file and <lib>.imports side files. */
  allowUndefinedSymbols: Set<string>;
  /** null: not given (an empty value is a file name, which cannot be opened). */
  allowUndefinedFile: string | null;
  exports: string[];
  exportIfDefined: string[];
  undefined: string[];
  wraps: string[];
  errorLimit: number;
  fatalWarnings: boolean;
  noinhibitExec: boolean;
  version: boolean;
  printVersion: boolean;
  help: boolean;
  cacheDir: string;
  dumpPlan: string;
  /** The expanded argv, for the link cache digest. */
  argv: string[];
}

/** Flags weld parses but does not implement yet: they fail the link with a clear message. */
const UNSUPPORTED: Record<string, string> = {
};

/** --build-id: which id the `build_id` section carries (lld getBuildId, parseHex). */
export interface BuildId {
  kind: 'none' | 'fast' | 'sha1' | 'uuid' | 'hex';
  /** Bytes of the id: 16 (fast, uuid), 20 (sha1) or the hex string's. */
  size: number;
  /** The id itself for `0x<hex>`. */
  hex: Uint8Array;
}

const NO_BUILD_ID: BuildId = { kind: 'none', size: 0, hex: new Uint8Array(0) };

function buildIdOption(arg: ParsedArg | undefined, diag: Diagnostics): BuildId {
  if (!arg) return NO_BUILD_ID;
  const s = arg.id === 'build_id' ? 'fast' : arg.values[0];
  if (s === 'fast') return { kind: 'fast', size: 16, hex: new Uint8Array(0) };
  if (s === 'sha1' || s === 'tree') return { kind: 'sha1', size: 20, hex: new Uint8Array(0) };
  if (s === 'uuid') return { kind: 'uuid', size: 16, hex: new Uint8Array(0) };
  if (s.startsWith('0x')) {
    const digits = s.slice(2);
    const hex: number[] = [];
    for (let i = 0; i < digits.length; i += 2) {
      const b = digits.slice(i, i + 2);
      // llvm::to_integer(b, h, 16): the whole pair must be hex digits and fit in a byte.
      if (!/^[0-9a-fA-F]+$/.test(b)) {
        diag.error(`not a hexadecimal value: ${b}`);
        return { kind: 'hex', size: 0, hex: new Uint8Array(0) };
      }
      hex.push(parseInt(b, 16));
    }
    return { kind: 'hex', size: hex.length, hex: Uint8Array.from(hex) };
  }
  if (s !== 'none') diag.error(`unknown --build-id style: ${s}`);
  return NO_BUILD_ID;
}

function lastOf(args: ParsedArg[], ...ids: string[]): ParsedArg | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (ids.includes(args[i].id)) return args[i];
  return undefined;
}

function hasFlag(args: ParsedArg[], pos: string, neg: string, def: boolean): boolean {
  const a = lastOf(args, pos, neg);
  return a ? a.id === pos : def;
}

/**
 * lld's driver dispatcher: `-flavor <name>` as the very first argument (only there, and never
 * from a response file) chooses the driver and is removed before the driver parses its options.
 * rustc always starts wasm-ld's command line with `-flavor wasm`.
 */
function stripFlavor(argv: readonly string[], diag: Diagnostics): readonly string[] {
  if (argv[0] !== '-flavor') return argv;
  // lld dies on a bad flavor before any option is looked at.
  if (argv.length < 2) diag.fatal("missing arg value for '-flavor'");
  const f = argv[1].toLowerCase();
  if (f === 'wasm' || f === 'ld-wasm') return argv.slice(2);
  if (['ld', 'ld.lld', 'gnu', 'link', 'ld64', 'ld64.lld', 'darwin'].includes(f))
    diag.fatal(`-flavor ${argv[1]} is not supported by weld: it links WebAssembly only (-flavor wasm)`);
  diag.fatal(`Unknown flavor: ${argv[1]}`);
}

export function parseOptions(argvIn: readonly string[], cwd: string, fs: FileSystem, diag: Diagnostics): LinkOptions {
  const argv = expandResponseFiles(stripFlavor(argvIn, diag), cwd, fs, diag);
  const args: ParsedArg[] = [];
  const unknown: string[] = [];
  let missing = '';
  for (let i = 0; i < argv.length; ) {
    // As llvm::opt::OptTable::ParseArgs: an empty argument is no input (an option's separate
    // value may still be empty).
    if (argv[i] === '') {
      i++;
      continue;
    }
    const r = parseOne(argv, i);
    if (r.ok) args.push(r.arg);
    else if (r.kind === 'unknown') unknown.push(r.text);
    else missing = r.text;
    i = r.next;
  }
  // lld's WasmOptTable::parse: colors are chosen first (so every message is colored), then a
  // missing argument is reported, then the unknown ones.
  const color = lastOf(args, 'color_diagnostics', 'no_color_diagnostics', 'color_diagnostics_eq');
  if (color?.id === 'color_diagnostics') diag.color = true;
  else if (color?.id === 'no_color_diagnostics') diag.color = false;
  else if (color) {
    const v = color.values[0];
    if (v === 'always' || v === 'never') diag.color = v === 'always';
    else if (v !== 'auto') diag.error(`unknown option: --color-diagnostics=${v}`);
  }
  if (missing) diag.error(`${missing}: missing argument`);
  for (const text of unknown) diag.error(`unknown argument: ${text}`);
  // Most of the ~100 options asked for below are absent: a set of the given ones answers that
  // without a scan of the arguments (a small link's option parsing was half such scans, run in
  // unoptimized code for the first hundred links of a process).
  const given = new Set<string>();
  for (let i = 0; i < args.length; i++) given.add(args[i].id);
  const has = (id: string) => given.has(id);
  const value = (id: string, def = ''): string => (given.has(id) ? (lastOf(args, id)?.values[0] ?? def) : def);
  const all = (id: string): string[] => (given.has(id) ? args.filter((a) => a.id === id).flatMap((a) => a.values) : []);
  const flag = (pos: string, neg: string, def: boolean): boolean => (given.has(pos) || given.has(neg) ? hasFlag(args, pos, neg, def) : def);
  const integer = (id: string, def: number): number => {
    if (!given.has(id)) return def;
    const a = lastOf(args, id);
    if (!a) return def;
    const v = a.values[0] ?? '';
    // llvm::to_integer into an int64_t: out-of-range values are not numbers either.
    if (/^-?\d+$/.test(v) && BigInt.asIntN(64, BigInt(v)) === BigInt(v)) return Number(v);
    diag.error(`${argv[a.index]}: number expected, but got '${v}'`);
    return 0;
  };
  const zValue = (key: string, def: number): number => {
    if (!given.has('z')) return def;
    const zs = args.filter((a) => a.id === 'z');
    for (let i = zs.length - 1; i >= 0; i--) {
      const v = zs[i].values[0];
      const eq = v.indexOf('=');
      const k = eq < 0 ? v : v.slice(0, eq);
      if (k !== key) continue;
      const n = parseCInteger(eq < 0 ? '' : v.slice(eq + 1));
      if (n === null) {
        diag.error(`invalid ${key}: ${eq < 0 ? '' : v.slice(eq + 1)}`);
        return def;
      }
      return n;
    }
    return def;
  };

  // As wasm-ld: --error-limit and --fatal-warnings are interpreted before anything else is
  // checked, since error() and warn() depend on them (an unknown -z value under
  // --fatal-warnings is an error).
  const errorLimit = integer('error_limit', 20);
  const fatalWarnings = flag('fatal_warnings', 'no_fatal_warnings', false);
  diag.errorLimit = errorLimit;
  diag.fatalWarnings = fatalWarnings;

  for (const a of args) {
    const what = UNSUPPORTED[a.id];
    if (what) diag.error(`${what} is not supported by weld yet`);
  }
  for (const z of all('z')) {
    if (!z.startsWith('stack-size=') && !z.startsWith('muldefs')) diag.warn(`unknown -z value: ${z}`);
  }

  const relocatable = has('relocatable');
  const shared = has('shared');
  let entry: string;
  const entryArg = lastOf(args, 'entry', 'no_entry');
  if (!entryArg) entry = relocatable ? '' : shared ? '__wasm_call_ctors' : '_start';
  else entry = entryArg.id === 'no_entry' ? '' : entryArg.values[0];

  let unresolved: UnresolvedPolicy = flag('error_unresolved_symbols', 'warn_unresolved_symbols', true) ? 'error' : 'warn';
  const ur = lastOf(args, 'unresolved_symbols');
  if (ur) {
    const s = ur.values[0];
    if (s === 'ignore-all') unresolved = 'ignore';
    else if (s === 'import-dynamic') unresolved = 'import-dynamic';
    else if (s !== 'report-all') diag.error(`unknown --unresolved-symbols value: ${s}`);
  }

  let memoryImport: [string, string] | null = null;
  if (has('import_memory_with_name')) {
    const v = value('import_memory_with_name');
    const comma = v.indexOf(',');
    // "name" imports env.name; "module,name" splits at the first comma (lld's readConfigs).
    memoryImport = comma < 0 ? ['env', v] : [v.slice(0, comma), v.slice(comma + 1)];
  } else if (has('import_memory')) memoryImport = ['env', 'memory'];
  let memoryExport: string | null = null;
  if (has('export_memory_with_name')) memoryExport = value('export_memory_with_name');
  else if (has('export_memory')) memoryExport = 'memory';

  const stackFirst = flag('stack_first', 'no_stack_first', true);
  const o: LinkOptions = {
    files: [],
    output: value('o'),
    entry,
    allowMultipleDefinition:
      all('z').some((z) => z === 'muldefs') || flag('allow_multiple_definition', 'no_allow_multiple_definition', false),
    checkFeatures: flag('check_features', 'no_check_features', true),
    demangle: flag('demangle', 'no_demangle', true),
    exportAll: has('export_all'),
    exportDynamic: flag('export_dynamic', 'no_export_dynamic', shared),
    exportTable: has('export_table'),
    importTable: has('import_table'),
    growableTable: has('growable_table'),
    importUndefined: has('import_undefined'),
    memoryImport,
    memoryExport,
    soname: value('soname'),
    mapFile: has('print_map') ? '-' : value('Map'),
    optimize: integer('O', 1),
    gcSections: flag('gc_sections', 'no_gc_sections', !relocatable),
    printGcSections: flag('print_gc_sections', 'no_print_gc_sections', false),
    keepSections: new Set(all('keep_section')),
    mergeDataSegments: flag('merge_data_segments', 'no_merge_data_segments', !relocatable),
    searchPaths: all('library_path'),
    stripAll: has('strip_all'),
    stripDebug: has('strip_debug'),
    stackFirst,
    trace: has('trace'),
    traceSymbols: all('trace_symbol'),
    unresolvedSymbols: unresolved,
    whyExtract: value('why_extract'),
    verbose: has('verbose'),
    tableBase: integer('table_base', 0),
    globalBase: integer('global_base', 0),
    initialHeap: integer('initial_heap', 0),
    initialMemory: integer('initial_memory', 0),
    maxMemory: integer('max_memory', 0),
    noGrowableMemory: has('no_growable_memory'),
    sharedMemory: has('shared_memory'),
    zStackSize: zValue('stack-size', 65536),
    pageSize: integer('page_size', 65536),
    features: has('features') ? lastOf(args, 'features')!.values : null,
    extraFeatures: has('extra_features') ? lastOf(args, 'extra_features')!.values : null,
    allowUndefinedSymbols: new Set(),
    allowUndefinedFile: has('allow_undefined_file') ? value('allow_undefined_file') : null,
    exports: all('export'),
    exportIfDefined: all('export_if_defined'),
    undefined: all('undefined'),
    wraps: all('wrap'),
    errorLimit,
    fatalWarnings,
    noinhibitExec: has('noinhibit_exec'),
    version: has('version'),
    printVersion: has('v') || has('version'),
    help: has('help'),
    cacheDir: value('cache_dir'),
    dumpPlan: value('dump_plan'),
    buildId: NO_BUILD_ID,
    bsymbolic: has('Bsymbolic'),
    shared,
    pie: flag('pie', 'no_pie', false),
    isPic: false,
    experimentalPic: has('experimental_pic'),
    relocatable,
    is64: false,
    machineGiven: false,
    emitRelocs: has('emit_relocs'),
    shlibSigCheck: !has('no_shlib_sigcheck'),
    compressRelocations: has('compress_relocations'),
    reproduce: null,
    argv,
  };

  if (o.pageSize !== 1 && o.pageSize !== 65536) diag.error('--page_size=N must be either 1 or 65536');
  if (o.maxMemory !== 0 && o.noGrowableMemory) diag.error('--max-memory is incompatible with --no-growable-memory');
  const m = lastOf(args, 'm');
  if (m) {
    o.machineGiven = true;
    if (m.values[0] === 'wasm64') o.is64 = true;
    else if (m.values[0] !== 'wasm32') diag.error(`invalid target architecture: ${m.values[0]}`);
  }
  // No LTO here (bitcode is refused), but lld still checks its levels.
  const ltoO = integer('lto_O', 2);
  if (ltoO > 3) diag.error(`invalid optimization level for LTO: ${ltoO}`);
  const ltoCGO = integer('lto_CGO', ltoO === 3 ? 3 : 2);
  if (ltoCGO < 0 || ltoCGO > 3) diag.error(`invalid codegen optimization level for LTO: ${ltoCGO}`);
  if (integer('lto_partitions', 1) === 0) diag.error('--lto-partitions: number of threads must be > 0');
  const threads = lastOf(args, 'threads');
  if (threads && !(/^\d+$/.test(threads.values[0]) && Number(threads.values[0]) > 0))
    diag.error(`${threads.spelling.replace(/=$/, '')}: expected a positive integer, but got '${threads.values[0]}'`);
  const rsp = lastOf(args, 'rsp_quoting');
  if (rsp && rsp.values[0] !== 'posix' && rsp.values[0] !== 'windows') diag.error(`invalid response file quoting: ${rsp.values[0]}`);

  if (has('allow_undefined')) {
    o.importUndefined = true;
    o.unresolvedSymbols = 'ignore';
  }
  o.buildId = buildIdOption(lastOf(args, 'build_id', 'build_id_eq'), diag);
  // lld getReproduceOption: the option, else LLD_REPRODUCE.
  // An empty path (given or in the environment) is a tar that cannot be created, as in lld.
  const repro = has('reproduce') ? value('reproduce') : process.env.LLD_REPRODUCE;
  if (repro !== undefined) o.reproduce = { given: repro, path: repro === '' ? '' : isAbsolute(repro) ? repro : join(cwd, repro), response: responseFile(args, cwd) };
  // setConfigs: defaults that depend on other options.
  o.isPic = o.pie || o.shared;
  if (o.isPic) {
    if (o.exportTable) diag.error('-shared/-pie is incompatible with --export-table');
    // The table is the loader's: symbols' table slots are relative to __table_base.
    o.importTable = true;
  } else {
    if (!o.tableBase) o.tableBase = 1;
    if (!o.globalBase && !relocatable && !o.stackFirst) o.globalBase = 1024;
  }
  if (relocatable) {
    if (o.exportTable) diag.error('--relocatable is incompatible with --export-table');
    if (o.growableTable) diag.error('--relocatable is incompatible with --growable-table');
    // The table stays an import, as in the inputs.
    o.importTable = true;
  }
  if (o.shared) {
    if (o.memoryExport !== null) diag.error('--export-memory is incompatible with --shared');
    if (o.memoryImport === null) o.memoryImport = ['env', 'memory'];
  }
  if (o.memoryExport === null && o.memoryImport === null) o.memoryExport = 'memory';

  for (const a of args) {
    switch (a.id) {
      case 'INPUT':
        o.files.push({ kind: 'input', path: a.values[0] });
        break;
      case 'library':
        o.files.push({ kind: 'library', name: a.values[0] });
        break;
      case 'whole_archive':
        o.files.push({ kind: 'whole-archive', on: true });
        break;
      case 'no_whole_archive':
        o.files.push({ kind: 'whole-archive', on: false });
        break;
      case 'start_lib':
        o.files.push({ kind: 'start-lib' });
        break;
      case 'end_lib':
        o.files.push({ kind: 'end-lib' });
        break;
      case 'Bstatic':
        o.files.push({ kind: 'static', on: true });
        break;
      case 'Bdynamic':
        o.files.push({ kind: 'static', on: false });
        break;
    }
  }
  return o;
}

/** checkOptions: combinations wasm-ld refuses, checked once the inputs are known. */
export function checkOptions(o: LinkOptions, diag: Diagnostics): void {
  if (o.compressRelocations && !o.stripDebug && !o.stripAll)
    diag.error('--compress-relocations is incompatible with output debug information. Please pass --strip-debug or --strip-all');
  if (o.pie && o.shared) diag.error('-shared and -pie may not be used together');
  if (!o.output) diag.error('no output file specified');
  if (o.importTable && o.exportTable) diag.error('--import-table and --export-table may not be used together');
  if (o.relocatable) {
    if (o.entry) diag.error('entry point specified for relocatable output file');
    if (o.gcSections) diag.error('-r and --gc-sections may not be used together');
    if (o.compressRelocations) diag.error('-r -and --compress-relocations may not be used together');
    if (o.undefined.length) diag.error('-r -and --undefined may not be used together');
    if (o.pie) diag.error('-r and -pie may not be used together');
    if (o.sharedMemory) diag.error('-r and --shared-memory may not be used together');
    if (o.globalBase) diag.error('-r and --global-base may not by used together');
  }
  // Module-linking style dynamic libraries will change what -shared and -pie mean.
  if (!o.experimentalPic) {
    if (o.shared) diag.warn('creating shared libraries, with -shared, is not yet stable');
    if (o.pie) diag.warn('creating PIEs, with -pie, is not yet stable');
    if (o.unresolvedSymbols === 'import-dynamic') diag.warn('dynamic imports are not yet stable (--unresolved-symbols=import-dynamic)');
  }
  if (o.bsymbolic && !o.shared) diag.warn('-Bsymbolic is only meaningful when combined with -shared');
  if (o.isPic) {
    if (o.globalBase) diag.error('--global-base may not be used with -shared/-pie');
    if (o.tableBase) diag.error('--table-base may not be used with -shared/-pie');
  }
}

/** strtoull-like parse with base autodetection, as llvm::to_integer(s, v, 0). */
export function parseCInteger(s: string): number | null {
  // llvm::to_integer (radix 0): 0x/0X hex, 0b/0B binary, 0o or a leading 0 octal, else decimal;
  // every digit must fit the radix, and the value a uint64_t.
  let radix = 10;
  let digits = s;
  if (/^0[xX]/.test(s)) [radix, digits] = [16, s.slice(2)];
  else if (/^0[bB]/.test(s)) [radix, digits] = [2, s.slice(2)];
  else if (s.startsWith('0o')) [radix, digits] = [8, s.slice(2)];
  else if (/^0\d/.test(s)) [radix, digits] = [8, s.slice(1)];
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^\d+$/;
  if (!valid.test(digits)) return null;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const v = BigInt(prefix + digits);
  return v < 1n << 64n ? Number(v) : null;
}
