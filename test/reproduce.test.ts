// --reproduce / LLD_REPRODUCE: the tar lld writes (response.txt with lld's argument rendering,
// version.txt, every file read under its absolute path), usable to link again: `weld
// @response.txt` in the unpacked directory gives the same module. Plus output paths that lld
// does not normalize.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinkError } from '../lib/diag.js';
import { runLink } from '../lib/link.js';
import { TarWriter } from '../lib/output/reproduce.js';
import { compileToFiles, wasmLdOutcome } from './support/toolchain.js';
import { expectSameLink } from './support/expect.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weld-repro-'));
  const [a, b] = await compileToFiles(
    { 'a.c': 'int helper(int);\nint twice(int x) { return helper(x) * 2; }\n', 'b.c': 'int helper(int x) { return x + 1; }\n' },
    ['-O2'],
    { sources: ['a.c', 'b.c'] },
  );
  writeFileSync(join(dir, 'a.o'), readFileSync(a));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'b.o'), readFileSync(b));
}, 180_000);

/** A ustar reader for the tests (regular files and PAX `path` records). */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (at: number, len: number) => new TextDecoder().decode(tar.subarray(at, at + len)).replace(/\0.*$/s, '');
  let at = 0;
  let paxPath = '';
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break;
    const size = parseInt(text(at + 124, 12), 8);
    const type = tar[at + 156];
    // The checksum: the header's byte sum with the checksum field as spaces.
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : tar[at + i]!;
    expect(parseInt(text(at + 148, 8), 8)).toBe(sum);
    expect(text(at + 257, 6)).toBe('ustar');
    const data = tar.subarray(at + 512, at + 512 + size);
    if (type === 0x78) paxPath = new TextDecoder().decode(data).match(/^\d+ path=(.*)\n$/s)![1]!;
    else {
      const prefix = text(at + 345, 155);
      const name = paxPath || (prefix ? `${prefix}/${text(at, 100)}` : text(at, 100));
      files.set(name, data);
      paxPath = '';
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  // Two zero blocks end the archive.
  expect(tar.length - at).toBe(1024);
  return files;
}

function weld(argv: string[], cwd: string): { code: number; messages: string[]; bytes?: Uint8Array } {
  try {
    const r = runLink({ argv, cwd, requireOutput: true });
    return { code: 0, messages: r.diagnostics.map((d) => `${d.severity}: ${d.message}`), bytes: r.bytes };
  } catch (e) {
    if (!(e instanceof LinkError)) throw e;
    return { code: 1, messages: e.diagnostics.map((d) => `${d.severity}: ${d.message}`) };
  }
}

const root = (p: string) => p.replace(/^\/+/, '');

describe('--reproduce', () => {
  it('writes response.txt (lld rendering), version.txt and every input; the tar links again to the same module', () => {
    const argv = ['--no-entry', 'a.o', './sub/b.o', '--export=twice', '-y', 'twice', '--extra-features=mutable-globals,sign-ext', '-z', 'stack-size=65536', '--reproduce=repro.tar', '-o', 'out.wasm'];
    const first = weld(argv, dir);
    expect(first.code).toBe(0);
    const files = untar(readFileSync(join(dir, 'repro.tar')));
    expect([...files.keys()]).toEqual(['repro/response.txt', 'repro/version.txt', `repro/${root(dir)}/a.o`, `repro/${root(dir)}/sub/b.o`]);
    expect(new TextDecoder().decode(files.get('repro/response.txt'))).toBe(
      ['--no-entry', `${root(dir)}/a.o`, `${root(dir)}/sub/b.o`, '--export twice', '--trace-symbol twice', '--extra-features= mutable-globals sign-ext', '-z stack-size=65536', '-o out.wasm', ''].join('\n'),
    );
    expect(new TextDecoder().decode(files.get('repro/version.txt'))).toMatch(/^weld .* \(compatible with LLD 22\)\n$/);
    expect(new Uint8Array(files.get(`repro/${root(dir)}/a.o`)!)).toEqual(new Uint8Array(readFileSync(join(dir, 'a.o'))));

    // Unpacked, `weld @response.txt` in repro/ links the same module. (lld's rendering of
    // comma-joined options does not parse back, so this relink leaves that line out.)
    const unpacked = mkdtempSync(join(tmpdir(), 'weld-repro-x-'));
    for (const [name, data] of files) {
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), data);
    }
    const rsp = join(unpacked, 'repro', 'response.txt');
    writeFileSync(rsp, readFileSync(rsp, 'utf8').replace('--extra-features= mutable-globals sign-ext\n', ''));
    const again = weld(['@response.txt'], join(unpacked, 'repro'));
    expect(again.code).toBe(0);
    const plain = weld(argv.filter((a) => !a.startsWith('--reproduce') && !a.startsWith('--extra-features')), dir);
    expect(new Uint8Array(again.bytes!)).toEqual(new Uint8Array(plain.bytes!));
  });

  it('LLD_REPRODUCE names the tar when the option does not', () => {
    const saved = process.env.LLD_REPRODUCE;
    process.env.LLD_REPRODUCE = 'env.tar';
    try {
      expect(weld(['--no-entry', 'a.o', 'sub/b.o', '-o', 'out.wasm'], dir).code).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.LLD_REPRODUCE;
      else process.env.LLD_REPRODUCE = saved;
    }
    expect([...untar(readFileSync(join(dir, 'env.tar'))).keys()]).toContain('env/response.txt');
  });

  it('holds what was read when the link fails, and a tar that cannot be created is the first error, as in wasm-ld', async () => {
    const failed = weld(['--no-entry', 'a.o', 'missing.o', '--reproduce=partial.tar', '-o', 'out.wasm'], dir);
    expect(failed.code).toBe(1);
    expect([...untar(readFileSync(join(dir, 'partial.tar'))).keys()]).toEqual(['partial/response.txt', 'partial/version.txt', `partial/${root(dir)}/a.o`]);
    // YoWASP's wasm-ld runs in a virtual file system that lets it create any path, so these
    // messages are the ones the native wasm-ld 22 prints (checked with /usr/bin/wasm-ld-22).
    expect(weld(['--no-entry', '--reproduce=/nonexistent/x.tar', 'a.o', 'missing.o', '-o', 'out.wasm'], dir).messages).toEqual([
      'error: --reproduce: cannot open /nonexistent/x.tar',
      'error: cannot open missing.o: No such file or directory',
    ]);
    expect(weld(['--no-entry', '--reproduce=sub', 'a.o', '-o', 'out.wasm'], dir)).toEqual({ code: 1, messages: ['error: --reproduce: cannot open sub'] });
  });

  it('long paths: a ustar prefix up to 137 bytes, PAX path records beyond', () => {
    const t = new TarWriter('/x/long.tar');
    const mid = `${'d'.repeat(120)}/${'e'.repeat(90)}`;
    const huge = `${'f'.repeat(200)}/${'g'.repeat(150)}`;
    t.append(mid, new Uint8Array([1]));
    t.append(huge, new Uint8Array([2, 3]));
    t.append(mid, new Uint8Array([9])); // a second copy of a path is left out
    const files = untar(t.finish());
    expect(files.get(`long/${mid}`)).toEqual(new Uint8Array([1]));
    expect(files.get(`long/${huge}`)).toEqual(new Uint8Array([2, 3]));
    expect(files.size).toBe(2);
  });
});

describe('output paths', () => {
  it('are not normalized: "nodir/../o.wasm" needs nodir/, as in wasm-ld', async () => {
    // The native wasm-ld 22 refuses it (YoWASP's virtual file system normalizes the path).
    const argv = ['--no-entry', 'a.o', 'sub/b.o', '--export=twice', '-o', 'nodir/../o.wasm'];
    expect(weld(argv, dir)).toEqual({ code: 1, messages: ['error: cannot open output file nodir/../o.wasm: No such file or directory'] });
    const ok = ['--no-entry', 'a.o', 'sub/b.o', '--export=twice', '-o', 'sub/../o.wasm'];
    expectSameLink(weld(ok, dir), await wasmLdOutcome(ok, dir));
  });

  it("a map file or output that cannot be created gets wasm-ld's messages", () => {
    const args = ['--no-entry', 'a.o', 'sub/b.o', '--export=twice'];
    expect(weld([...args, '--Map=nodir/m.map', '-o', 'm.wasm'], dir)).toEqual({
      code: 1,
      messages: ['error: cannot open map file nodir/m.map: No such file or directory'],
    });
    // An existing file in a directory where no file can be created (native wasm-ld 22 says the same).
    if (existsSync('/proc/version'))
      expect(weld([...args, '-o', '/proc/version'], dir)).toEqual({
        code: 1,
        messages: ['error: cannot open output file /proc/version: No such file or directory'],
      });
  });
});
