import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../lib/diag.js';
import { parseOptions, type LinkOptions } from '../lib/options/index.js';
import { rspQuoting, tokenizeGnu, tokenizeWindows, type FileSystem } from '../lib/options/rsp.js';

function memFs(files: Record<string, string>): FileSystem {
  return {
    read: (p) => (p in files ? { bytes: new TextEncoder().encode(files[p]) } : { error: 'No such file or directory' }),
    exists: (p) => p in files,
  };
}

function parse(argv: string[], files: Record<string, string> = {}): { o: LinkOptions; diag: Diagnostics } {
  const diag = new Diagnostics();
  diag.errorLimit = 0;
  const o = parseOptions(argv, '/cwd', memFs(files), diag);
  return { o, diag };
}

const errors = (d: Diagnostics) => d.all.filter((x) => x.severity === 'error').map((x) => x.message);

describe('option syntax (LLVM OptTable rules)', () => {
  it('accepts one or two dashes for long options, joined or separate values', () => {
    const { o } = parse(['-o', 'a.wasm', '--export=f', '-export', 'g', '--export', 'h', '-e', 'start', 'x.o']);
    expect(o.output).toBe('a.wasm');
    expect(o.exports).toEqual(['f', 'g', 'h']);
    expect(o.entry).toBe('start');
    expect(o.files).toEqual([{ kind: 'input', path: 'x.o' }]);
  });

  it('parses -error-limit=0 as "-e rror-limit=0", as wasm-ld does', () => {
    const { o } = parse(['-error-limit=0']);
    expect(o.entry).toBe('rror-limit=0');
    expect(o.errorLimit).toBe(20);
    expect(parse(['--error-limit=0']).o.errorLimit).toBe(0);
  });

  it('keeps the order of files, libraries and positional switches', () => {
    const { o } = parse(['a.o', '--whole-archive', '-lfoo', '--no-whole-archive', '-L', 'dir', '--start-lib', 'b.o', '--end-lib', '-l:bar.a']);
    expect(o.files).toEqual([
      { kind: 'input', path: 'a.o' },
      { kind: 'whole-archive', on: true },
      { kind: 'library', name: 'foo' },
      { kind: 'whole-archive', on: false },
      { kind: 'start-lib' },
      { kind: 'input', path: 'b.o' },
      { kind: 'end-lib' },
      { kind: 'library', name: ':bar.a' },
    ]);
    expect(o.searchPaths).toEqual(['dir']);
  });

  it('reports unknown arguments and missing values with wasm-ld words', () => {
    expect(errors(parse(['--bogus', 'a.o']).diag)).toEqual(['unknown argument: --bogus']);
    expect(errors(parse(['a.o', '-o']).diag)).toEqual(['-o: missing argument']);
    expect(errors(parse(['--global-base=12ab']).diag)).toEqual(["--global-base=12ab: number expected, but got '12ab'"]);
    expect(errors(parse(['--unresolved-symbols=maybe']).diag)).toEqual(['unknown --unresolved-symbols value: maybe']);
    expect(errors(parse(['-m', 'wasm16']).diag)).toEqual(['invalid target architecture: wasm16']);
    expect(errors(parse(['--threads=0']).diag)).toEqual(["--threads: expected a positive integer, but got '0'"]);
  });

  it('-m wasm64 and -m wasm32', () => {
    expect(parse(['-m', 'wasm64']).o.is64).toBe(true);
    expect(parse(['-mwasm32']).o.is64).toBe(false);
    expect(errors(parse(['-m', 'wasm64']).diag)).toEqual([]);
  });

  it('-shared and -pie: PIC, an imported table, no default bases; -shared imports memory', () => {
    for (const flag of ['-shared', '-pie']) {
      const { o, diag } = parse([flag]);
      expect(errors(diag)).toEqual([]);
      expect(o.isPic).toBe(true);
      expect(o.importTable).toBe(true);
      expect(o.tableBase).toBe(0);
      expect(o.globalBase).toBe(0);
    }
    expect(parse(['-shared']).o.memoryImport).toEqual(['env', 'memory']);
    expect(parse(['-shared']).o.entry).toBe('__wasm_call_ctors');
    expect(parse(['-shared']).o.exportDynamic).toBe(true);
    expect(parse(['-pie']).o.memoryExport).toBe('memory');
    expect(errors(parse(['-shared', '--export-memory']).diag)).toEqual(['--export-memory is incompatible with --shared']);
    expect(errors(parse(['-pie', '--export-table']).diag)).toEqual(['-shared/-pie is incompatible with --export-table']);
  });

  it('--shared-memory is parsed, not refused', () => {
    const { o, diag } = parse(['--shared-memory']);
    expect(errors(diag)).toEqual([]);
    expect(o.sharedMemory).toBe(true);
    expect(parse(['a.o']).o.sharedMemory).toBe(false);
  });

  it('applies wasm-ld defaults: stack first, table base 1, exported memory', () => {
    const { o } = parse(['a.o']);
    expect(o.stackFirst).toBe(true);
    expect(o.globalBase).toBe(0);
    expect(o.tableBase).toBe(1);
    expect(o.memoryExport).toBe('memory');
    expect(o.memoryImport).toBeNull();
    expect(o.zStackSize).toBe(65536);
    expect(o.gcSections).toBe(true);
    expect(o.entry).toBe('_start');
    const old = parse(['--no-stack-first', 'a.o']).o;
    expect(old.globalBase).toBe(1024);
  });

  it('handles --allow-undefined, memory import/export and -z options', () => {
    const { o, diag } = parse(['--allow-undefined', '--import-memory=m,mem', '-z', 'stack-size=0x2000', '-z', 'nosuch']);
    expect(o.importUndefined).toBe(true);
    expect(o.unresolvedSymbols).toBe('ignore');
    expect(o.memoryImport).toEqual(['m', 'mem']);
    expect(o.memoryExport).toBeNull();
    expect(o.zStackSize).toBe(0x2000);
    expect(diag.warnings()).toEqual(['unknown -z value: nosuch']);
  });

  it('expands response files recursively with GNU quoting', () => {
    const { o } = parse(['@/cwd/a.rsp'], { '/cwd/a.rsp': 'x.o "y z.o" @/cwd/b.rsp', '/cwd/b.rsp': "--export='q r'" });
    expect(o.files).toEqual([
      { kind: 'input', path: 'x.o' },
      { kind: 'input', path: 'y z.o' },
    ]);
    expect(o.exports).toEqual(['q r']);
    expect(tokenizeGnu('a\\ b "c\\"d" \'e\\f\'')).toEqual(['a b', 'c"d', 'e\\f']);
  });

  it('--rsp-quoting=windows tokenizes as cl::TokenizeWindowsCommandLine', () => {
    // Microsoft's examples of argument parsing, which LLVM follows.
    expect(tokenizeWindows(String.raw`"abc" d e`)).toEqual(['abc', 'd', 'e']);
    expect(tokenizeWindows(String.raw`a\\\b d"e f"g h`)).toEqual([String.raw`a\\\b`, 'de fg', 'h']);
    expect(tokenizeWindows(String.raw`a\\\"b c d`)).toEqual([String.raw`a\"b`, 'c', 'd']);
    expect(tokenizeWindows(String.raw`a\\\\"b c" d e`)).toEqual([String.raw`a\\b c`, 'd', 'e']);
    // "" inside quotes is one quote; single quotes are ordinary; "" alone is an empty argument.
    expect(tokenizeWindows(`"a""b" 'c d' "" \r\n  x`)).toEqual(['a"b', "'c", "d'", '', 'x']);
    expect(tokenizeWindows(String.raw`C:\dir\x.o`)).toEqual([String.raw`C:\dir\x.o`]);
    const rsp = { '/cwd/w.rsp': String.raw`"y z.o" 'q.o' C:\x.o` };
    expect(parse(['--rsp-quoting=windows', '@/cwd/w.rsp'], rsp).o.files).toEqual([
      { kind: 'input', path: 'y z.o' },
      { kind: 'input', path: "'q.o'" },
      { kind: 'input', path: String.raw`C:\x.o` },
    ]);
    expect(parse(['--rsp-quoting=posix', '@/cwd/w.rsp'], rsp).o.files).toEqual([
      { kind: 'input', path: 'y z.o' },
      { kind: 'input', path: 'q.o' },
      { kind: 'input', path: 'C:x.o' },
    ]);
    expect(rspQuoting(['--rsp-quoting=windows', 'x.o', '-rsp-quoting=posix'])).toBe('posix');
    expect(rspQuoting(['--rsp-quoting=posix', 'x.o', '--rsp-quoting', 'windows'])).toBe('windows');
    expect(parse(['--rsp-quoting', 'windows', '@/cwd/w.rsp'], rsp).o.files[1]).toEqual({ kind: 'input', path: "'q.o'" });
    expect(rspQuoting([])).toBe(process.platform === 'win32' ? 'windows' : 'posix');
  });
});
