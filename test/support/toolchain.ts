// Test harness around @yowasp/clang: clang 22, wasm-ld 22 and llvm-ar running inside Node,
// plus helpers to run WASI programs and to compare wasm modules section by section.
//
// Everything here works on a fresh machine with only `npm install`: no native toolchain,
// no `tar` binary. Slow results (extracted sysroot, compiled objects, archives) are cached
// under test/.cache/ (override with WELD_TEST_CACHE); every cache entry is written under a
// temporary name and renamed into place, so parallel vitest workers can share the cache.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as yowasp from '@yowasp/clang';

// ---------------------------------------------------------------------------------------------
// Locations and versions

/** Repository root (…/test/support/toolchain.ts → …). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Root of the on-disk caches. */
export const cacheRoot = process.env.WELD_TEST_CACHE
  ? path.resolve(process.env.WELD_TEST_CACHE)
  : path.join(repoRoot, 'test', '.cache');

const yowaspPackageDir = path.resolve(
  path.dirname(createRequire(import.meta.url).resolve('@yowasp/clang')),
  '..',
);

/** The @yowasp/clang package version, e.g. "22.0.0-git20542-10". Part of every cache key. */
export const toolchainVersion: string = JSON.parse(
  fs.readFileSync(path.join(yowaspPackageDir, 'package.json'), 'utf8'),
).version;

/** Bump when the way objects/archives are produced changes, to invalidate old cache entries. */
const HARNESS_CACHE_SCHEMA = 1;

/** The target every compile and link uses. */
export const TARGET = 'wasm32-wasip1';

// ---------------------------------------------------------------------------------------------
// Small fs helpers (concurrency-safe cache writes)

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function tmpSuffix(): string {
  return `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Write a file atomically: temp name in the same directory, then rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = file + tmpSuffix();
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}

/**
 * Publish a directory atomically: `fill` populates a fresh temp directory which is then renamed
 * to `dir`. If another process published `dir` first, ours is discarded (the content is the same
 * by construction: cache directories are content-addressed).
 */
async function publishDir(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  const tmp = dir + tmpSuffix();
  await fsp.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
    try {
      await fsp.rename(tmp, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw e;
      // Lost the race; the winner's directory is complete (it was renamed into place).
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Running yowasp tools

export type Tree = yowasp.Tree;

export interface ToolResult {
  /** Process exit code (0 on success). */
  code: number;
  stdout: string;
  stderr: string;
  /** The virtual filesystem after the run (inputs included), binary files as Uint8Array. */
  files: Tree;
}

type YowaspCommand = (args?: string[], files?: Tree, options?: yowasp.RunOptions) => unknown;

function yowaspCommand(tool: string): YowaspCommand {
  const commands = yowasp.commands as unknown as Record<string, YowaspCommand>;
  const cmd = commands[tool];
  if (!cmd) throw new Error(`@yowasp/clang has no command ${tool}`);
  return cmd;
}

let yowaspQueue: Promise<unknown> = Promise.resolve();
let yowaspLoaded: Promise<unknown> | undefined;

/**
 * Load (fetch and compile) the 75 MB toolchain module once, silently. Without this, the first
 * clang run prints "yowasp-llvm: fetched N%" progress lines: runClang's internal `-###` call does
 * not forward the fetchProgress option.
 */
export function loadToolchain(): Promise<unknown> {
  yowaspLoaded ??= Promise.resolve(
    (yowasp.runLLVM as unknown as YowaspCommand)(null as unknown as string[], {}, { fetchProgress: () => {} }),
  );
  return yowaspLoaded;
}

/**
 * Run a yowasp tool (`clang`, `clang++`, `wasm-ld`, `ar`, `nm`, `objdump`, ...) on a virtual
 * filesystem tree. Never throws for a non-zero exit: the code is returned. The VFS root is "/"
 * and is also the working directory; the toolchain's resources are mounted at /usr.
 *
 * Runs are serialized within a process (each run is synchronous inside the wasm module anyway,
 * and serializing keeps the captured stdout/stderr of concurrent callers apart).
 */
export function runTool(tool: string, args: string[], files: Tree = {}): Promise<ToolResult> {
  const run = async (): Promise<ToolResult> => {
    await loadToolchain();
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const options: yowasp.RunOptions = {
      stdout: (b) => void (b && out.push(new Uint8Array(b))),
      stderr: (b) => void (b && err.push(new Uint8Array(b))),
      decodeASCII: false,
      fetchProgress: () => {},
    };
    const decode = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');
    try {
      const result = (await yowaspCommand(tool)(args, files, options)) as Tree | undefined;
      return { code: 0, stdout: decode(out), stderr: decode(err), files: result ?? {} };
    } catch (e) {
      if (e instanceof yowasp.Exit) {
        return { code: e.code, stdout: decode(out), stderr: decode(err), files: e.files ?? {} };
      }
      throw e;
    }
  };
  const p = yowaspQueue.then(run, run);
  yowaspQueue = p.catch(() => undefined);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Virtual filesystem trees

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** Put `content` into `tree` at `vfsPath` (absolute or relative to the VFS root), creating dirs. */
export function treePut(tree: Tree, vfsPath: string, content: string | Uint8Array | Tree): void {
  const parts = splitPath(vfsPath);
  if (parts.length === 0) throw new Error(`bad VFS path ${vfsPath}`);
  let dir = tree;
  for (const part of parts.slice(0, -1)) {
    const next = dir[part];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) {
      const created: Tree = {};
      dir[part] = created;
      dir = created;
    } else {
      dir = next;
    }
  }
  dir[parts[parts.length - 1]!] = content;
}

/** Ensure the directory `vfsPath` exists in `tree`. */
function treeMkdir(tree: Tree, vfsPath: string): void {
  let dir = tree;
  for (const part of splitPath(vfsPath)) {
    const next = dir[part];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) {
      const created: Tree = {};
      dir[part] = created;
      dir = created;
    } else {
      dir = next;
    }
  }
}

/** Look up a file in a tree; undefined if missing or a directory. */
export function treeGet(tree: Tree, vfsPath: string): Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const part of splitPath(vfsPath)) {
    if (node === undefined || typeof node === 'string' || node instanceof Uint8Array) return undefined;
    node = node[part];
  }
  if (typeof node === 'string') return new TextEncoder().encode(node);
  return node instanceof Uint8Array ? node : undefined;
}

// ---------------------------------------------------------------------------------------------
// Sysroot

let sysrootPromise: Promise<string> | undefined;

/**
 * Extract the toolchain's sysroot (`lib/…`: crt1-command.o, libc.a, libc++.a, libc++abi.a,
 * libclang_rt.builtins.a, …) from @yowasp/clang's llvm-resources.tar into
 * test/.cache/sysroot-<version>/ (once) and return that directory. Its layout mirrors the VFS
 * `/usr`, so `<sysroot>/lib/wasm32-wasip1/libc.a` is the VFS `/usr/lib/wasm32-wasip1/libc.a`.
 */
export function sysroot(): Promise<string> {
  sysrootPromise ??= extractSysroot();
  return sysrootPromise;
}

async function extractSysroot(): Promise<string> {
  const dir = path.join(cacheRoot, `sysroot-${toolchainVersion}`);
  const marker = path.join(dir, '.complete');
  if (exists(marker)) return dir;
  const tar = await fsp.readFile(path.join(yowaspPackageDir, 'gen', 'llvm-resources.tar'));
  await publishDir(dir, async (tmp) => {
    for (const entry of readTar(tar)) {
      if (!entry.name.startsWith('lib/')) continue;
      const dest = path.join(tmp, ...splitPath(entry.name));
      if (entry.type === 'dir') await fsp.mkdir(dest, { recursive: true });
      else if (entry.type === 'file') {
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.writeFile(dest, entry.data);
      }
    }
    await fsp.writeFile(path.join(tmp, '.complete'), `${toolchainVersion}\n`);
  });
  if (!exists(marker)) throw new Error(`sysroot extraction into ${dir} failed`);
  return dir;
}

export interface TarEntry {
  name: string;
  type: 'file' | 'dir' | 'other';
  data: Uint8Array;
}

/** Minimal ustar/pax/GNU tar reader (regular files and directories). */
export function* readTar(buf: Uint8Array): Generator<TarEntry> {
  const str = (off: number, len: number) => {
    const s = buf.subarray(off, off + len);
    const nul = s.indexOf(0);
    return Buffer.from(nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
  };
  const num = (off: number, len: number) => {
    if (buf[off]! & 0x80) {
      // GNU base-256 encoding
      let v = 0;
      for (let i = 1; i < len; i++) v = v * 256 + buf[off + i]!;
      return v;
    }
    const s = str(off, len).trim();
    return s ? parseInt(s, 8) : 0;
  };
  let off = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (off + 512 <= buf.length) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) break;
    const size = num(off + 124, 12);
    const typeflag = String.fromCharCode(buf[off + 156]!);
    const magic = str(off + 257, 6);
    let name = str(off, 100);
    if (magic.startsWith('ustar')) {
      const prefix = str(off + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === 'L') {
      longName = Buffer.from(data).toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (typeflag === 'x') {
      for (const rec of Buffer.from(data).toString('utf8').split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
      continue;
    }
    if (typeflag === 'g') continue;
    if (paxPath !== undefined) name = paxPath;
    else if (longName !== undefined) name = longName;
    paxPath = longName = undefined;
    name = name.replace(/^\.\//, '').replace(/\/+$/, '');
    const type = typeflag === '5' ? 'dir' : typeflag === '0' || typeflag === '\0' ? 'file' : 'other';
    yield { name, type, data };
  }
}

/** Rewrite the VFS sysroot prefix `/usr` in one wasm-ld argument to the extracted sysroot. */
function rewriteSysrootArg(arg: string, root: string): string {
  return arg.replace(/^(-L|--library-path=|[^=]*=)?\/usr(?=\/)/, (_m, pre: string | undefined) => `${pre ?? ''}${root}`);
}

// ---------------------------------------------------------------------------------------------
// Compiling (cached)

export type Driver = 'clang' | 'clang++';

const SOURCE_RE = /\.(c|cc|cpp|cxx|C|s)$/;
const CXX_RE = /\.(cc|cpp|cxx|C)$/;

export interface CompileOptions {
  /** Driver; default clang++ if any source is C++, else clang. */
  driver?: Driver;
  /** Which files to compile (default: every C/C++ source in `files`, in insertion order). */
  sources?: string[];
}

interface CompiledEntry {
  dir: string;
  /** Object file names in source order. */
  objects: string[];
}

function objectName(source: string): string {
  return path.posix.basename(source).replace(SOURCE_RE, '.o');
}

async function compileCached(
  files: Record<string, string>,
  args: string[],
  opts: CompileOptions = {},
): Promise<CompiledEntry> {
  const sources = opts.sources ?? Object.keys(files).filter((f) => SOURCE_RE.test(f));
  if (sources.length === 0) throw new Error('compile: no sources');
  for (const s of sources) if (!(s in files)) throw new Error(`compile: ${s} is not among the files`);
  const objects = sources.map(objectName);
  if (new Set(objects).size !== objects.length) throw new Error(`compile: object name clash in ${sources.join(' ')}`);
  const driver = opts.driver ?? (sources.some((s) => CXX_RE.test(s)) ? 'clang++' : 'clang');
  const key = sha256(
    JSON.stringify({
      schema: HARNESS_CACHE_SCHEMA,
      toolchain: toolchainVersion,
      driver,
      args,
      sources,
      files: Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    }),
  );
  const dir = path.join(cacheRoot, 'objects', key);
  if (!exists(path.join(dir, 'meta.json'))) {
    const tree: Tree = {};
    for (const [name, text] of Object.entries(files)) treePut(tree, name, text);
    const argv = [`--target=${TARGET}`, '-c', ...args, ...sources];
    const r = await runTool(driver, argv, tree);
    if (r.code !== 0) {
      throw new Error(`${driver} ${argv.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
    }
    await publishDir(dir, async (tmp) => {
      for (const obj of objects) {
        const bytes = treeGet(r.files, obj);
        if (!bytes) throw new Error(`${driver} did not produce ${obj}:\n${r.stderr}`);
        await fsp.writeFile(path.join(tmp, obj), bytes);
      }
      const meta = { driver, args, sources, toolchain: toolchainVersion, diagnostics: r.stderr };
      await fsp.writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    });
  }
  return { dir, objects };
}

/**
 * Compile sources with yowasp clang/clang++ (`--target=wasm32-wasip1 -c <args> <sources>`) and
 * return the objects by name (`main.c` → `main.o`). `files` may include headers. Results are
 * cached under test/.cache/objects/<sha256(toolchain, driver, args, files)>/.
 */
export async function compile(
  files: Record<string, string>,
  args: string[],
  opts: CompileOptions = {},
): Promise<Record<string, Uint8Array>> {
  const { dir, objects } = await compileCached(files, args, opts);
  const out: Record<string, Uint8Array> = {};
  for (const obj of objects) out[obj] = new Uint8Array(await fsp.readFile(path.join(dir, obj)));
  return out;
}

/** Like compile(), but returns the absolute paths of the (cached) object files, in source order. */
export async function compileToFiles(
  files: Record<string, string>,
  args: string[],
  opts: CompileOptions = {},
): Promise<string[]> {
  const { dir, objects } = await compileCached(files, args, opts);
  return objects.map((o) => path.join(dir, o));
}

/**
 * Build a static archive `name` (e.g. "libshapes.a") from object files with yowasp llvm-ar
 * (`ar rcs`), cached by content; returns its absolute path. Members are named by basename.
 */
export async function makeArchive(name: string, objectPaths: string[]): Promise<string> {
  const members: [string, Uint8Array][] = [];
  for (const p of objectPaths) members.push([path.basename(p), new Uint8Array(await fsp.readFile(p))]);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ schema: HARNESS_CACHE_SCHEMA, toolchain: toolchainVersion, name }));
  for (const [n, b] of members) hash.update(`\0${n}\0${b.length}\0`).update(b);
  const dir = path.join(cacheRoot, 'archives', hash.digest('hex'));
  const file = path.join(dir, name);
  if (!exists(file)) {
    const tree: Tree = {};
    for (const [n, b] of members) tree[n] = b;
    const r = await runTool('ar', ['rcs', name, ...members.map(([n]) => n)], tree);
    const bytes = treeGet(r.files, name);
    if (r.code !== 0 || !bytes) throw new Error(`ar rcs ${name} failed (exit ${r.code}):\n${r.stderr}`);
    await publishDir(dir, async (tmp) => fsp.writeFile(path.join(tmp, name), bytes));
  }
  return file;
}

// ---------------------------------------------------------------------------------------------
// Link command lines

/** Split one `clang -###` command line (` "a" "b c" ...`) into its arguments. */
export function parseHashHashHashLine(line: string): string[] {
  return Array.from(line.matchAll(/ (?:([^ "]+)|"((?:[^"\\$]|\\["\\$])*)")/g), (m) =>
    m[1] !== undefined ? m[1] : m[2]!.replace(/\\(["$\\])/g, '$1'),
  );
}

/**
 * The wasm-ld argv (without argv[0]) that clang 22 would run to link `objects` with
 * `extraArgs` (driver-level args: `-o out.wasm`, `-Wl,...`, `-L`, `-l`, `-O2`, ...), obtained
 * from yowasp `clang -###`. Sysroot paths (/usr/lib/...) are rewritten to the extracted
 * sysroot(), so weld can read them from disk; wasmLd() maps them back into its VFS.
 */
export async function linkCommand(driver: Driver, objects: string[], extraArgs: string[]): Promise<string[]> {
  const root = await sysroot();
  const tree: Tree = {};
  // clang checks that input files exist; give it placeholders at the same paths.
  for (const o of objects) treePut(tree, o, '');
  const args = [`--target=${TARGET}`, '-###', ...objects, ...extraArgs];
  const r = await runTool(driver, args, tree);
  const text = r.stderr + r.stdout;
  if (r.code !== 0) throw new Error(`${driver} ${args.join(' ')} failed (exit ${r.code}):\n${text}`);
  const commands = text
    .split('\n')
    .filter((l) => l.startsWith(' "'))
    .map(parseHashHashHashLine);
  const ld = commands.filter((c) => c[0] !== undefined && /(^|\/)wasm-ld$/.test(c[0]));
  if (ld.length !== 1) throw new Error(`expected one wasm-ld command in clang -### output:\n${text}`);
  if (commands.length !== 1) throw new Error(`clang would run more than the linker:\n${text}`);
  return ld[0]!.slice(1).map((a) => rewriteSysrootArg(a, root));
}

// ---------------------------------------------------------------------------------------------
// Running wasm-ld

export interface WasmLdResult {
  /** The output module (absent when the link failed). */
  bytes?: Uint8Array;
  stdout: string;
  stderr: string;
  code: number;
  /** wasm-ld's file system afterwards: other outputs (--Map, --why-extract) are read from it. */
  files: Tree;
}

export interface WasmLdOptions {
  /** Directory relative paths in `args` are relative to (default process.cwd()). */
  cwd?: string;
}

const fileCache = new Map<string, { mtimeMs: number; size: number; data: Uint8Array }>();

function readFileCached(p: string): Uint8Array {
  const st = fs.statSync(p);
  const hit = fileCache.get(p);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.data;
  const data = new Uint8Array(fs.readFileSync(p));
  fileCache.set(p, { mtimeMs: st.mtimeMs, size: st.size, data });
  return data;
}

function statKind(p: string): 'file' | 'dir' | undefined {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}

/** Options of wasm-ld whose value is a separate argument that names an output file. */
const OUTPUT_VALUE_OPTS = new Set(['-o', '--output', '-Map', '--Map', '--reproduce']);

/**
 * Run yowasp's wasm-ld with `args` (wasm-ld syntax, no argv[0]). Input files named by the
 * arguments (positional files, `@response` files, `--opt=<existing file>`, every file of each
 * `-L` directory) are read from disk and placed in the VFS at the same path (absolute paths at
 * the same absolute path, relative ones relative to the VFS root, which is wasm-ld's cwd), so
 * the argv is passed unchanged and the output is what wasm-ld makes of exactly this argv.
 * Relative paths must not climb above `cwd` ("../").
 */
export async function wasmLd(args: string[], opts: WasmLdOptions = {}): Promise<WasmLdResult> {
  const cwd = opts.cwd ?? process.cwd();
  const tree: Tree = {};
  const mirrorFile = (p: string) => {
    const real = path.resolve(cwd, p);
    if (statKind(real) === 'file') treePut(tree, p, readFileCached(real));
  };
  const mirrorDir = (d: string) => {
    const real = path.resolve(cwd, d);
    if (statKind(real) !== 'dir') return;
    treeMkdir(tree, d);
    for (const ent of fs.readdirSync(real, { withFileTypes: true })) {
      if (ent.isFile() || (ent.isSymbolicLink() && statKind(path.join(real, ent.name)) === 'file')) {
        treePut(tree, path.posix.join(d, ent.name), readFileCached(path.join(real, ent.name)));
      }
    }
  };
  let output = 'a.out';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (OUTPUT_VALUE_OPTS.has(a)) {
      const v = args[++i];
      if (v === undefined) break;
      if (a === '-o' || a === '--output') output = v;
      treeMkdir(tree, path.posix.dirname(v));
      continue;
    }
    if (a.startsWith('-o') && a.length > 2 && !a.startsWith('--')) {
      output = a.slice(2);
      treeMkdir(tree, path.posix.dirname(output));
      continue;
    }
    if (a.startsWith('--output=')) {
      output = a.slice('--output='.length);
      treeMkdir(tree, path.posix.dirname(output));
      continue;
    }
    if (a === '-L' || a === '--library-path') {
      const v = args[++i];
      if (v !== undefined) mirrorDir(v);
      continue;
    }
    if (a.startsWith('-L')) {
      mirrorDir(a.slice(2));
      continue;
    }
    if (a.startsWith('--library-path=')) {
      mirrorDir(a.slice('--library-path='.length));
      continue;
    }
    if (a.startsWith('@')) {
      mirrorFile(a.slice(1));
      continue;
    }
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        const v = a.slice(eq + 1);
        if (v && !/^(-|\d)/.test(v)) mirrorFile(v);
      }
      continue;
    }
    mirrorFile(a);
  }
  const r = await runTool('wasm-ld', args, tree);
  const bytes = r.code === 0 ? treeGet(r.files, output) : undefined;
  return { bytes, stdout: r.stdout, stderr: r.stderr, code: r.code, files: r.files };
}

// ---------------------------------------------------------------------------------------------
// Running WASI programs

export interface RunWasiOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** Extra imports: module → name → JavaScript source of a function, e.g. "(a, b) => a + b". */
  imports?: Record<string, Record<string, string>>;
  /** Milliseconds before the run is abandoned and runWasi rejects (default 30 000). */
  timeoutMs?: number;
  /** argv[0] (default "main.wasm"). */
  argv0?: string;
}

export interface RunWasiResult {
  stdout: string;
  stderr: string;
  /** Exit code (from proc_exit or main's return); -1 when the program trapped. */
  code: number;
  /** The trap / instantiation error message, when the program did not exit normally. */
  trap?: string;
}

const WASI_WORKER_SOURCE = `
const { WASI } = require('node:wasi');
const { workerData, parentPort } = require('node:worker_threads');
const d = workerData;
let result;
try {
  const wasi = new WASI({
    version: 'preview1',
    args: d.args,
    env: d.env,
    preopens: {},
    returnOnExit: true,
    stdin: d.stdin,
    stdout: d.stdout,
    stderr: d.stderr,
  });
  const module = new WebAssembly.Module(d.bytes);
  const imports = { wasi_snapshot_preview1: wasi.wasiImport };
  for (const [mod, fns] of Object.entries(d.imports)) {
    imports[mod] = imports[mod] || {};
    for (const [name, src] of Object.entries(fns)) imports[mod][name] = (0, eval)('(' + src + ')');
  }
  const instance = new WebAssembly.Instance(module, imports);
  result = { code: wasi.start(instance) };
} catch (e) {
  result = { trap: String((e && e.stack) || e) };
}
parentPort.postMessage(result);
`;

/**
 * Run a WASI (preview1) command module under node:wasi in a worker thread, capturing stdout and
 * stderr (through temp files), with a timeout (the worker is terminated and the promise rejects).
 */
export async function runWasi(
  bytes: Uint8Array,
  args: string[] = [],
  opts: RunWasiOptions = {},
): Promise<RunWasiResult> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'weld-wasi-'));
  const inPath = path.join(dir, 'stdin');
  const outPath = path.join(dir, 'stdout');
  const errPath = path.join(dir, 'stderr');
  await fsp.writeFile(inPath, opts.stdin ?? '');
  const fds = {
    stdin: fs.openSync(inPath, 'r'),
    stdout: fs.openSync(outPath, 'w'),
    stderr: fs.openSync(errPath, 'w'),
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    const copy = new Uint8Array(bytes); // transferable copy
    const worker = new Worker(WASI_WORKER_SOURCE, {
      eval: true,
      execArgv: ['--no-warnings'],
      workerData: {
        bytes: copy,
        args: [opts.argv0 ?? 'main.wasm', ...args],
        env: opts.env ?? {},
        imports: opts.imports ?? {},
        ...fds,
      },
      transferList: [copy.buffer as ArrayBuffer],
      stdout: false,
      stderr: false,
    });
    const result = await new Promise<{ code?: number; trap?: string }>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        reject(new Error(`runWasi: program did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.once('message', (m: { code?: number; trap?: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (e) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ trap: String(e?.stack ?? e) });
      });
      worker.once('exit', (code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ trap: `worker exited (${code}) without a result` });
      });
    });
    await worker.terminate();
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
    fds.stdout = fds.stderr = -1;
    return {
      stdout: await fsp.readFile(outPath, 'utf8'),
      stderr: await fsp.readFile(errPath, 'utf8'),
      code: result.code ?? -1,
      ...(result.trap !== undefined ? { trap: result.trap } : {}),
    };
  } finally {
    for (const fd of Object.values(fds)) if (fd >= 0) fs.closeSync(fd);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// WebAssembly JS API (typed locally: the project's lib setting has no DOM/WebAssembly values)

interface WasmJsApi {
  validate(bytes: Uint8Array): boolean;
  Module: {
    new (bytes: Uint8Array): object;
    exports(module: object): { name: string; kind: string }[];
    imports(module: object): { module: string; name: string; kind: string }[];
  };
}
const WA = (globalThis as unknown as { WebAssembly: WasmJsApi }).WebAssembly;

/** WebAssembly.validate. */
export function wasmValidate(bytes: Uint8Array): boolean {
  return WA.validate(bytes);
}

/** Export names of a module, in order. */
export function wasmExports(bytes: Uint8Array): string[] {
  return WA.Module.exports(new WA.Module(bytes)).map((e) => e.name);
}

/** Imports of a module as "module.name" strings, in order. */
export function wasmImports(bytes: Uint8Array): string[] {
  return WA.Module.imports(new WA.Module(bytes)).map((i) => `${i.module}.${i.name}`);
}

// ---------------------------------------------------------------------------------------------
// Comparing modules

export interface WasmSection {
  id: number;
  /** Custom section name (id 0). */
  name?: string;
  /** "type", "code", 'custom "name"', ... */
  label: string;
  /** File offset of the section id byte. */
  start: number;
  /** File offset of the payload (after id and size). */
  payloadStart: number;
  end: number;
  /** The whole section, id and size included. */
  bytes: Uint8Array;
  /** The payload (for custom sections, after the name). */
  payload: Uint8Array;
}

const SECTION_NAMES = [
  'custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export',
  'start', 'element', 'code', 'data', 'datacount', 'tag',
];

class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
  ) {}
  u8(): number {
    if (this.pos >= this.buf.length) throw new Error('unexpected end');
    return this.buf[this.pos++]!;
  }
  uleb(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (!(b & 0x80)) return result;
      mul *= 128;
    }
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('unexpected end');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  name(): string {
    return Buffer.from(this.bytes(this.uleb())).toString('utf8');
  }
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
}

/** Split a wasm module into sections. Throws on a malformed header or section framing. */
export function parseSections(bytes: Uint8Array): WasmSection[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('not a wasm module (bad magic)');
  }
  const r = new Reader(bytes, 8);
  const out: WasmSection[] = [];
  while (!r.done) {
    const start = r.pos;
    const id = r.u8();
    const size = r.uleb();
    const payloadStart = r.pos;
    const end = payloadStart + size;
    if (end > bytes.length) throw new Error(`section ${id} at 0x${start.toString(16)} overruns the module`);
    let name: string | undefined;
    let payload = bytes.subarray(payloadStart, end);
    if (id === 0) {
      const pr = new Reader(payload);
      name = pr.name();
      payload = payload.subarray(pr.pos);
    }
    const label = id === 0 ? `custom "${name}"` : (SECTION_NAMES[id] ?? `unknown(${id})`);
    out.push({ id, name, label, start, payloadStart, end, bytes: bytes.subarray(start, end), payload });
    r.pos = end;
  }
  return out;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && firstDiff(a, b) === -1;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function hexWindow(b: Uint8Array, at: number): string {
  const s = Math.max(0, at - 4);
  const parts: string[] = [];
  for (let i = s; i < Math.min(b.length, at + 12); i++) {
    const h = b[i]!.toString(16).padStart(2, '0');
    parts.push(i === at ? `[${h}]` : h);
  }
  return parts.join(' ') || '(end)';
}

/** Split a vector-of-items section payload (count, then items) using `skip` to find item ends. */
function splitVector(payload: Uint8Array, skip: (r: Reader) => void): { items: Uint8Array[]; offsets: number[] } {
  const r = new Reader(payload);
  const count = r.uleb();
  const items: Uint8Array[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = r.pos;
    skip(r);
    items.push(payload.subarray(s, r.pos));
    offsets.push(s);
  }
  return { items, offsets };
}

function skipSized(r: Reader): void {
  const n = r.uleb();
  r.bytes(n);
}

function countImportedFunctions(sections: WasmSection[]): number {
  const imp = sections.find((s) => s.id === 2);
  if (!imp) return 0;
  const r = new Reader(imp.payload);
  let funcs = 0;
  const count = r.uleb();
  for (let i = 0; i < count; i++) {
    r.name();
    r.name();
    const kind = r.u8();
    if (kind === 0) {
      funcs++;
      r.uleb();
    } else if (kind === 1) {
      r.u8();
      const flags = r.uleb();
      r.uleb();
      if (flags & 1) r.uleb();
    } else if (kind === 2) {
      const flags = r.uleb();
      r.uleb();
      if (flags & 1) r.uleb();
    } else if (kind === 3) {
      r.u8();
      r.u8();
    } else if (kind === 4) {
      r.u8();
      r.uleb();
    } else throw new Error(`unknown import kind ${kind}`);
  }
  return funcs;
}

/** Function names from the "name" section (index → name). */
function functionNames(sections: WasmSection[]): Map<number, string> {
  const names = new Map<number, string>();
  const sec = sections.find((s) => s.id === 0 && s.name === 'name');
  if (!sec) return names;
  try {
    const r = new Reader(sec.payload);
    while (!r.done) {
      const id = r.u8();
      const size = r.uleb();
      const end = r.pos + size;
      if (id === 1) {
        const count = r.uleb();
        for (let i = 0; i < count; i++) {
          const idx = r.uleb();
          names.set(idx, r.name());
        }
      }
      r.pos = end;
    }
  } catch {
    // best effort
  }
  return names;
}

const NAME_SUBSECTIONS: Record<number, string> = {
  0: 'module', 1: 'function', 2: 'local', 3: 'label', 4: 'type', 5: 'table', 6: 'memory',
  7: 'global', 8: 'elem', 9: 'data', 10: 'field', 11: 'tag',
};

function parseNameSubsections(payload: Uint8Array): { id: number; body: Uint8Array; offset: number }[] {
  const r = new Reader(payload);
  const out: { id: number; body: Uint8Array; offset: number }[] = [];
  while (!r.done) {
    const id = r.u8();
    const size = r.uleb();
    const offset = r.pos;
    out.push({ id, body: r.bytes(size), offset });
  }
  return out;
}

function parseNameMap(body: Uint8Array): [number, string][] {
  const r = new Reader(body);
  const count = r.uleb();
  const out: [number, string][] = [];
  for (let i = 0; i < count; i++) {
    const idx = r.uleb();
    out.push([idx, r.name()]);
  }
  return out;
}

function describeSectionDiff(
  a: WasmSection,
  b: WasmSection,
  secsA: WasmSection[],
  secsB: WasmSection[],
): string[] {
  const lines: string[] = [];
  const at = firstDiff(a.payload, b.payload);
  const base =
    `section ${a.label}: payload size ${a.payload.length} vs ${b.payload.length}` +
    (at >= 0
      ? `, first difference at payload offset ${hex(at)} (file offset ${hex(a.end - a.payload.length + at)} vs ${hex(b.end - b.payload.length + at)})`
      : ', payloads equal (section framing differs)');
  lines.push(base);
  if (at < 0) return lines;
  try {
    if (a.id === 10) {
      // code: find differing function bodies
      const va = splitVector(a.payload, skipSized);
      const vb = splitVector(b.payload, skipSized);
      const imported = countImportedFunctions(secsA);
      const names = functionNames(secsA);
      if (va.items.length !== vb.items.length) lines.push(`  function count ${va.items.length} vs ${vb.items.length}`);
      const n = Math.min(va.items.length, vb.items.length);
      const differing: number[] = [];
      for (let i = 0; i < n; i++) if (!equalBytes(va.items[i]!, vb.items[i]!)) differing.push(i);
      if (differing.length) {
        const i = differing[0]!;
        const fa = va.items[i]!;
        const fb = vb.items[i]!;
        const off = firstDiff(fa, fb);
        const fname = names.get(imported + i);
        lines.push(
          `  ${differing.length} of ${n} function bodies differ; first: body #${i} (function index ${imported + i}` +
            `${fname ? ` "${fname}"` : ''}), size ${fa.length} vs ${fb.length}, first difference at body offset ${hex(off)}`,
        );
        lines.push(`    a: ${hexWindow(fa, off)}`);
        lines.push(`    b: ${hexWindow(fb, off)}`);
      }
    } else if (a.id === 11) {
      const skipSeg = (r: Reader) => {
        const flags = r.uleb();
        if (flags === 2) r.uleb();
        if (flags === 0 || flags === 2) {
          // const expr up to 0x0b
          for (;;) {
            const op = r.u8();
            if (op === 0x0b) break;
            if (op === 0x41 || op === 0x42 || op === 0x23) r.uleb();
            else if (op === 0x44) r.bytes(8);
            else if (op === 0x43) r.bytes(4);
          }
        }
        skipSized(r);
      };
      const va = splitVector(a.payload, skipSeg);
      const vb = splitVector(b.payload, skipSeg);
      if (va.items.length !== vb.items.length) lines.push(`  segment count ${va.items.length} vs ${vb.items.length}`);
      const n = Math.min(va.items.length, vb.items.length);
      for (let i = 0; i < n; i++) {
        if (!equalBytes(va.items[i]!, vb.items[i]!)) {
          const off = firstDiff(va.items[i]!, vb.items[i]!);
          lines.push(`  first differing data segment #${i}: size ${va.items[i]!.length} vs ${vb.items[i]!.length}, first difference at segment offset ${hex(off)}`);
          lines.push(`    a: ${hexWindow(va.items[i]!, off)}`);
          lines.push(`    b: ${hexWindow(vb.items[i]!, off)}`);
          break;
        }
      }
    } else if (a.id === 0 && a.name === 'name') {
      const sa = parseNameSubsections(a.payload);
      const sb = parseNameSubsections(b.payload);
      const la = sa.map((s) => NAME_SUBSECTIONS[s.id] ?? String(s.id)).join(',');
      const lb = sb.map((s) => NAME_SUBSECTIONS[s.id] ?? String(s.id)).join(',');
      if (la !== lb) lines.push(`  name subsections [${la}] vs [${lb}]`);
      for (const x of sa) {
        const y = sb.find((s) => s.id === x.id);
        if (!y || equalBytes(x.body, y.body)) continue;
        const kind = NAME_SUBSECTIONS[x.id] ?? String(x.id);
        if (x.id === 1 || x.id === 7 || x.id === 9 || x.id === 4 || x.id === 5 || x.id === 6 || x.id === 8 || x.id === 11) {
          const ma = parseNameMap(x.body);
          const mb = parseNameMap(y.body);
          let detail = `count ${ma.length} vs ${mb.length}`;
          for (let i = 0; i < Math.max(ma.length, mb.length); i++) {
            const ea = ma[i];
            const eb = mb[i];
            if (!ea || !eb || ea[0] !== eb[0] || ea[1] !== eb[1]) {
              detail += `; first differing entry #${i}: ${ea ? `${ea[0]}="${ea[1]}"` : '(none)'} vs ${eb ? `${eb[0]}="${eb[1]}"` : '(none)'}`;
              break;
            }
          }
          lines.push(`  ${kind} names differ: ${detail}`);
        } else if (x.id === 0) {
          lines.push(`  module name "${new Reader(x.body).name()}" vs "${new Reader(y.body).name()}"`);
        } else {
          lines.push(`  ${kind} subsection differs at offset ${hex(firstDiff(x.body, y.body))}`);
        }
      }
    } else if (a.id === 2 || a.id === 7) {
      const skipEntry =
        a.id === 7
          ? (r: Reader) => {
              r.name();
              r.u8();
              r.uleb();
            }
          : (r: Reader) => {
              r.name();
              r.name();
              const kind = r.u8();
              if (kind === 0) r.uleb();
              else if (kind === 1) {
                r.u8();
                const f = r.uleb();
                r.uleb();
                if (f & 1) r.uleb();
              } else if (kind === 2) {
                const f = r.uleb();
                r.uleb();
                if (f & 1) r.uleb();
              } else if (kind === 3) {
                r.u8();
                r.u8();
              } else if (kind === 4) {
                r.u8();
                r.uleb();
              }
            };
      const describe = (item: Uint8Array) => {
        const r = new Reader(item);
        const n1 = r.name();
        if (a.id === 7) return `"${n1}" kind ${r.u8()} index ${r.uleb()}`;
        const n2 = r.name();
        return `"${n1}"."${n2}" kind ${r.u8()}`;
      };
      const va = splitVector(a.payload, skipEntry);
      const vb = splitVector(b.payload, skipEntry);
      if (va.items.length !== vb.items.length) lines.push(`  entry count ${va.items.length} vs ${vb.items.length}`);
      for (let i = 0; i < Math.max(va.items.length, vb.items.length); i++) {
        const x = va.items[i];
        const y = vb.items[i];
        if (!x || !y || !equalBytes(x, y)) {
          lines.push(`  first differing entry #${i}: ${x ? describe(x) : '(none)'} vs ${y ? describe(y) : '(none)'}`);
          break;
        }
      }
    } else {
      lines.push(`    a: ${hexWindow(a.payload, at)}`);
      lines.push(`    b: ${hexWindow(b.payload, at)}`);
    }
  } catch (e) {
    lines.push(`  (could not decode further: ${(e as Error).message})`);
    lines.push(`    a: ${hexWindow(a.payload, at)}`);
    lines.push(`    b: ${hexWindow(b.payload, at)}`);
  }
  return lines;
}

/**
 * Compare two wasm modules section by section. Returns human-readable differences, empty when
 * the modules are byte-identical. For differing sections it says which section and where the
 * first difference is; for code, which function body; for data, which segment; for the "name"
 * section, which subsection and entry; for imports/exports, which entry.
 */
export function sectionDiff(a: Uint8Array, b: Uint8Array): string[] {
  if (equalBytes(a, b)) return [];
  let sa: WasmSection[];
  let sb: WasmSection[];
  try {
    sa = parseSections(a);
  } catch (e) {
    return [`first module is malformed: ${(e as Error).message}`];
  }
  try {
    sb = parseSections(b);
  } catch (e) {
    return [`second module is malformed: ${(e as Error).message}`];
  }
  const lines: string[] = [];
  if (!equalBytes(a.subarray(0, 8), b.subarray(0, 8))) lines.push('module header differs');
  const labelsA = sa.map((s) => s.label);
  const labelsB = sb.map((s) => s.label);
  if (labelsA.join('\n') !== labelsB.join('\n')) {
    lines.push(`section lists differ:\n  a: ${labelsA.join(', ')}\n  b: ${labelsB.join(', ')}`);
  }
  // Pair sections by label and occurrence number.
  const occurrences = (secs: WasmSection[]) => {
    const seen = new Map<string, number>();
    return secs.map((s) => {
      const n = seen.get(s.label) ?? 0;
      seen.set(s.label, n + 1);
      return `${s.label}#${n}`;
    });
  };
  const keysA = occurrences(sa);
  const keysB = occurrences(sb);
  const byKeyB = new Map(keysB.map((k, i) => [k, sb[i]!]));
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i]!;
    const y = byKeyB.get(keysA[i]!);
    if (!y) {
      lines.push(`section ${x.label} only in first module (${x.payload.length} bytes)`);
      continue;
    }
    if (!equalBytes(x.bytes, y.bytes)) lines.push(...describeSectionDiff(x, y, sa, sb));
  }
  const keySetA = new Set(keysA);
  for (let i = 0; i < sb.length; i++) {
    if (!keySetA.has(keysB[i]!)) lines.push(`section ${sb[i]!.label} only in second module (${sb[i]!.payload.length} bytes)`);
  }
  if (lines.length === 0) lines.push(`modules differ (sizes ${a.length} vs ${b.length}) but no section difference was found`);
  return lines;
}

/** A link's outcome as the differential tests compare it: status, diagnostics, module. */
export interface LinkOutcome {
  code: number;
  /** "error: ..." / "warning: ..." in order. */
  messages: string[];
  bytes?: Uint8Array;
}

/** Run wasm-ld 22 on `argv` in `cwd` and report it the way the differential tests compare links. */
export async function wasmLdOutcome(argv: string[], cwd: string): Promise<LinkOutcome> {
  const r = await wasmLd(argv, { cwd });
  return { code: r.code, messages: splitLld(r.stderr), bytes: r.bytes };
}

/** wasm-ld's stderr as a list of diagnostics ("error: ..."/"warning: ..."), prefix removed. */
export function splitLld(stderr: string): string[] {
  const out: string[] = [];
  for (const chunk of stderr.split(/\n(?=wasm-ld: )/)) {
    const t = chunk.replace(/\n+$/, '');
    if (t) out.push(t.replace(/^wasm-ld: /, ''));
  }
  return out;
}

/**
 * Throws unless dist/ holds a build of the sources with its command bundle up to date: `tsc`
 * alone leaves the bundle older than dist/cli.js, and bin/weld.js then (rightly) ignores it.
 */
export function requireBuiltCommand(): void {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const bundle = path.join(repoRoot, 'dist', 'bundle', 'cli.cjs');
  if (!fs.existsSync(cli)) throw new Error('dist/ is missing: run `npm run build:ts` (npm test does)');
  if (!fs.existsSync(bundle) || fs.statSync(cli).mtimeMs > fs.statSync(bundle).mtimeMs)
    throw new Error('dist/bundle/cli.cjs is missing or older than dist/cli.js: run `npm run build:ts` (npm test does)');
}

