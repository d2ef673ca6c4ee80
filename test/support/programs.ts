// The corpus of small C/C++ programs under test/fixtures/programs/, each a directory with a
// manifest.json, and how to build them (compile → archive → clang link line) for a given
// optimization configuration.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compileToFiles,
  linkCommand,
  makeArchive,
  repoRoot,
  type Driver,
} from './toolchain.js';

export const programsDir = path.join(repoRoot, 'test', 'fixtures', 'programs');

export interface ArchiveSpec {
  /** Archive file name, "lib<stem>.a"; linked with -L<dir> -l<stem>. */
  name: string;
  /** Sources compiled into the archive's members (in member order). */
  sources: string[];
}

/** The manifest.json of one program. */
export interface ProgramManifest {
  /** What the program exercises. */
  description: string;
  language: 'c' | 'c++';
  /** Sources compiled and linked, in link order. */
  sources: string[];
  /** Extra compile flags (after the configuration's -O flags). */
  cflags?: string[];
  /** Extra driver flags at link time, e.g. "-Wl,--export=foo". */
  linkFlags?: string[];
  /** Static archives built from sources of this program, linked after the objects. */
  archives?: ArchiveSpec[];
  /** Program arguments (argv[1..]). */
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
  /** Expected stdout: a string, or lines each terminated by "\n". */
  stdout: string | string[];
  /** Expected stderr (same format); unchecked when absent. */
  stderr?: string | string[];
  exitCode: number;
  /**
   * Host imports the program needs besides WASI: module → name → JavaScript function source.
   * Programs with imports are listed separately (customImportPrograms).
   */
  imports?: Record<string, Record<string, string>>;
  /** Names the module must export. */
  exports?: string[];
}

export interface Program extends ProgramManifest {
  name: string;
  dir: string;
  /** Every file of the program's directory except manifest.json, by name. */
  files: Record<string, string>;
  driver: Driver;
}

export interface OptConfig {
  name: string;
  /** Flags for both compiling and the clang link step. */
  flags: string[];
  /** Only these programs are built in this configuration (absent: every program). */
  programs?: readonly string[];
}

/** Programs that also run in the code-generation variants below (a cross-section of the corpus). */
const VARIANT_PROGRAMS = ['stdio_printf', 'cpp_virtual', 'thread_local', 'fnptr_table', 'weak_symbols', 'ctor_priority', 'cpp_string', 'data_relocs', 'string_dedup', 'static_archive'];

/** The configurations programs are built in: every program at -O2 and -O0 -g, some in variants. */
export const OPT_CONFIGS: readonly OptConfig[] = [
  { name: 'O2', flags: ['-O2'] },
  { name: 'O0-g', flags: ['-O0', '-g'] },
  // Objects clang writes differently: PIC code (GOT relocations resolved statically), the MVP
  // feature set (no reference types: the legacy table path), tail calls and SIMD, and one
  // section for all functions and data (no -ffunction-sections/-fdata-sections).
  { name: 'O2-fPIC', flags: ['-O2', '-fPIC'], programs: VARIANT_PROGRAMS },
  { name: 'O2-mvp', flags: ['-O2', '-mcpu=mvp'], programs: VARIANT_PROGRAMS },
  { name: 'O3-simd-tail-call', flags: ['-O3', '-msimd128', '-mtail-call'], programs: VARIANT_PROGRAMS },
  { name: 'Os-g-one-section', flags: ['-Os', '-g', '-fno-function-sections', '-fno-data-sections'], programs: VARIANT_PROGRAMS },
];

function text(v: string | string[]): string {
  return Array.isArray(v) ? v.map((l) => `${l}\n`).join('') : v;
}

export function expectedStdout(p: ProgramManifest): string {
  return text(p.stdout);
}

export function expectedStderr(p: ProgramManifest): string | undefined {
  return p.stderr === undefined ? undefined : text(p.stderr);
}

function validate(name: string, m: ProgramManifest, files: Record<string, string>): void {
  const fail = (msg: string) => {
    throw new Error(`program ${name}: ${msg}`);
  };
  if (m.language !== 'c' && m.language !== 'c++') fail(`bad language ${String(m.language)}`);
  if (!Array.isArray(m.sources) || m.sources.length === 0) fail('no sources');
  for (const s of [...m.sources, ...(m.archives ?? []).flatMap((a) => a.sources)]) {
    if (!(s in files)) fail(`missing source ${s}`);
  }
  for (const a of m.archives ?? []) if (!/^lib.+\.a$/.test(a.name)) fail(`archive name ${a.name} is not lib<x>.a`);
  if (typeof m.exitCode !== 'number') fail('missing exitCode');
  if (m.stdout === undefined) fail('missing stdout');
}

/** Load one program by directory name. */
export function loadProgram(name: string): Program {
  const dir = path.join(programsDir, name);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ProgramManifest;
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (f === 'manifest.json') continue;
    if (fs.statSync(path.join(dir, f)).isFile()) files[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  validate(name, manifest, files);
  return { ...manifest, name, dir, files, driver: manifest.language === 'c++' ? 'clang++' : 'clang' };
}

/**
 * All programs, sorted by name. `filter` (e.g. from WELD_PROGRAM) is a comma-separated list of
 * names or /regex/ patterns; unknown names throw so typos do not silently select nothing.
 */
export function loadPrograms(filter?: string): Program[] {
  const names = fs
    .readdirSync(programsDir)
    .filter((n) => fs.existsSync(path.join(programsDir, n, 'manifest.json')))
    .sort();
  let selected = names;
  if (filter && filter.trim()) {
    const parts = filter.split(',').map((s) => s.trim()).filter(Boolean);
    selected = names.filter((n) =>
      parts.some((p) => (p.startsWith('/') && p.endsWith('/') ? new RegExp(p.slice(1, -1)).test(n) : p === n)),
    );
    for (const p of parts) {
      if (!(p.startsWith('/') && p.endsWith('/')) && !names.includes(p)) {
        throw new Error(`unknown program ${p}; known: ${names.join(', ')}`);
      }
    }
  }
  return selected.map(loadProgram);
}

/** Programs that run with only WASI imports. */
export function plainPrograms(filter?: string): Program[] {
  return loadPrograms(filter).filter((p) => !p.imports);
}

/** Programs that need extra host imports (their manifest's `imports`) when instantiated. */
export function customImportPrograms(filter?: string): Program[] {
  return loadPrograms(filter).filter((p) => !!p.imports);
}

export interface BuiltProgram {
  program: Program;
  config: OptConfig;
  /** Object files in link order. */
  objects: string[];
  /** Archive files. */
  archives: string[];
  /** Driver-level link arguments after the objects (what linkCommand received). */
  driverArgs: string[];
  /** The wasm-ld argv (no argv[0]) clang would run, with sysroot paths on disk. */
  argv: string[];
  /** The -o path in argv. */
  output: string;
}

/**
 * Compile (cached) a program in a configuration, build its archives, and compute the wasm-ld
 * command line clang would use, writing the output to `<outDir>/<program>.wasm`.
 */
export async function buildProgram(p: Program, config: OptConfig, outDir: string): Promise<BuiltProgram> {
  const cflags = [...config.flags, ...(p.cflags ?? [])];
  const objects = await compileToFiles(p.files, cflags, { sources: p.sources, driver: p.driver });
  const archives: string[] = [];
  const archiveArgs: string[] = [];
  for (const a of p.archives ?? []) {
    const members = await compileToFiles(p.files, cflags, { sources: a.sources, driver: p.driver });
    const file = await makeArchive(a.name, members);
    archives.push(file);
    archiveArgs.push(`-L${path.dirname(file)}`, `-l${a.name.replace(/^lib/, '').replace(/\.a$/, '')}`);
  }
  const output = path.join(outDir, `${p.name}.wasm`);
  const driverArgs = [...config.flags, ...(p.linkFlags ?? []), ...archiveArgs, '-o', output];
  const argv = await linkCommand(p.driver, objects, driverArgs);
  return { program: p, config, objects, archives, driverArgs, argv, output };
}
