// Hostile and damaged inputs: every one must end in a clear LinkError naming the file (and
// member, section and offset where there is one) -- never a crash, a hang or a stray exception --
// and a failed link must leave no output file behind.

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinkError } from '../lib/diag.js';
import { runLink } from '../lib/link.js';
import { compile } from './support/toolchain.js';
import { rng } from './support/rng.js';

const SRC = `
#include <stdarg.h>
extern int ext(int);
static const char *names[] = {"alpha", "beta", "gamma"};
int table[4] = {1, 2, 3, 4};
int (*fp)(int) = ext;
__attribute__((constructor)) static void init(void) { table[0] = 7; }
const char *name(int i) { return names[i % 3]; }
int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; while (n--) s += va_arg(ap, int); va_end(ap); return s + fp(table[1]); }
`;

let obj: Uint8Array;
let dir: string;

interface Sec {
  id: number;
  name: string;
  start: number; // section id byte
  content: number; // after id+size (and after the name for custom sections)
  end: number;
}

function leb(b: Uint8Array, p: number): [number, number] {
  let r = 0;
  let m = 1;
  let x: number;
  do {
    x = b[p++];
    r += (x & 127) * m;
    m *= 128;
  } while (x & 128);
  return [r, p];
}

function sections(b: Uint8Array): Sec[] {
  const out: Sec[] = [];
  let p = 8;
  while (p < b.length) {
    const start = p;
    const id = b[p];
    const [size, q] = leb(b, p + 1);
    let content = q;
    let name = String(id);
    if (id === 0) {
      const [n, q2] = leb(b, q);
      name = new TextDecoder().decode(b.subarray(q2, q2 + n));
      content = q2 + n;
    }
    out.push({ id, name, start, content, end: q + size });
    p = q + size;
  }
  return out;
}

/** A one-member GNU archive written by hand (llvm-ar refuses damaged members), `name` as stored. */
function handArchive(name: string, member: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '644'.padEnd(8) + String(member.length).padEnd(10) + '`\n');
  const ar = new Uint8Array(8 + header.length + member.length + (member.length & 1));
  ar.set(new TextEncoder().encode('!<arch>\n'));
  ar.set(header, 8);
  ar.set(member, 8 + header.length);
  if (member.length & 1) ar[ar.length - 1] = 0x0a;
  return ar;
}

function link(files: Record<string, Uint8Array>, extra: string[] = []) {
  for (const [n, b] of Object.entries(files)) writeFileSync(join(dir, n), b);
  return runLink({ argv: [...Object.keys(files), '--no-entry', '--export-all', '--allow-undefined', ...extra], cwd: dir, requireOutput: false });
}

function expectLinkError(files: Record<string, Uint8Array>, extra: string[] = []): LinkError {
  try {
    link(files, extra);
  } catch (e) {
    if (e instanceof LinkError) return e;
    throw e;
  }
  throw new Error('the link succeeded');
}

beforeAll(async () => {
  obj = (await compile({ 'a.c': SRC }, ['-O1', '-g']))['a.o'];
  dir = mkdtempSync(join(tmpdir(), 'weld-bad-'));
}, 120_000);

describe('damaged objects give located errors', () => {
  it('links the undamaged object', () => {
    const r = link({ 'a.o': obj });
    expect(r.bytes.length).toBeGreaterThan(100);
  });

  it('truncated file', () => {
    const e = expectLinkError({ 'a.o': obj.slice(0, Math.floor(obj.length / 2)) });
    const d = e.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.file).toBe('a.o');
    expect(typeof d.offset).toBe('number');
    expect(d.message).toMatch(/^a\.o: /);
  });

  it('wrong wasm version', () => {
    const b = obj.slice();
    b[4] = 2;
    expect(expectLinkError({ 'a.o': b }).message).toContain('a.o: offset 4: invalid version number: 2');
  });

  it('endless LEB in a section size', () => {
    const b = new Uint8Array(obj.length + 20);
    b.set(obj.subarray(0, 9));
    b.fill(0xff, 9, 29); // the first section's size: a LEB that never ends
    b.set(obj.subarray(9), 29);
    const e = expectLinkError({ 'a.o': b });
    expect(e.message).toMatch(/a\.o: .*offset 9: malformed uleb128/);
  });

  it('count larger than the section', () => {
    const b = obj.slice();
    const type = sections(b).find((s) => s.id === 1)!;
    b[type.content] = 0x7f; // 127 types in a section that holds far fewer
    const e = expectLinkError({ 'a.o': b });
    expect(e.message).toMatch(/a\.o: TYPE section at offset \d+: /);
    expect(e.diagnostics[0].section).toBe('TYPE');
  });

  it('linking metadata version', () => {
    const b = obj.slice();
    const linking = sections(b).find((s) => s.name === 'linking')!;
    b[linking.content] = 3;
    expect(expectLinkError({ 'a.o': b }).message).toContain('unexpected metadata version: 3 (Expected: 2)');
  });

  it('relocation offset outside its section', () => {
    const b = obj.slice();
    const rc = sections(b).find((s) => s.name === 'reloc.CODE')!;
    // reloc section: target index, count, then (type, offset, index[, addend]) entries.
    let p = leb(b, rc.content)[1];
    const [count, q] = leb(b, p);
    p = q;
    for (let i = 0; i < count; i++) {
      const type = b[p++];
      const [, end] = leb(b, p);
      if (end - p >= 2) {
        // A padded offset far past the section end, same length so the layout holds.
        for (let k = p; k < end - 1; k++) b[k] = 0xff;
        b[end - 1] = 0x0f;
        break;
      }
      p = leb(b, end)[1];
      if ([3, 4, 5, 8, 9, 11, 21, 23].includes(type)) p = leb(b, p)[1];
    }
    const e = expectLinkError({ 'a.o': b });
    expect(e.message).toMatch(/reloc\.CODE section at offset \d+: (invalid relocation offset|relocations not in offset order)/);
  });

  it('a data symbol past its segment is named, a local one (its name read only then) too', () => {
    /** Where defined data symbol `name`'s offset LEB is in the symbol table. */
    const offsetOf = (b: Uint8Array, name: string): number => {
      const linking = sections(b).find((s) => s.name === 'linking')!;
      let p = leb(b, linking.content)[1]; // version
      while (p < linking.end) {
        const type = b[p];
        const [len, q] = leb(b, p + 1);
        if (type === 8) {
          let [count, r] = leb(b, q);
          while (count--) {
            const kind = b[r++];
            const [flags, r1] = leb(b, r);
            r = r1;
            const defined = (flags & 0x10) === 0;
            if (kind === 1) {
              const [n, r2] = leb(b, r);
              const sym = new TextDecoder().decode(b.subarray(r2, r2 + n));
              r = r2 + n;
              if (!defined) continue;
              r = leb(b, r)[1]; // segment index
              if (sym === name) return r;
              r = leb(b, leb(b, r)[1])[1]; // offset, size
            } else if (kind === 3) r = leb(b, r)[1];
            else {
              r = leb(b, r)[1];
              if (defined || flags & 0x40) r = leb(b, r)[1] + leb(b, r)[0];
            }
          }
        }
        p = q + len;
      }
      throw new Error(`no data symbol ${name}`);
    };
    for (const [name, binding] of [
      ['names', 'local'],
      ['table', 'global'],
    ]) {
      const b = obj.slice();
      const at = offsetOf(b, name);
      expect(b[at], binding).toBe(0); // offset 0, one byte: 127 keeps the layout
      b[at] = 0x7f;
      const e = expectLinkError({ 'a.o': b });
      expect(e.message, binding).toMatch(new RegExp(`a\\.o: .*offset \\d+: invalid data symbol offset: \`${name}\` \\(offset: 127 segment size: \\d+\\)`));
    }
  });

  it('symbol index out of range in a relocation', () => {
    const b = obj.slice();
    const rc = sections(b).find((s) => s.name === 'reloc.CODE')!;
    let p = leb(b, rc.content)[1];
    p = leb(b, p)[1];
    p++;
    p = leb(b, p)[1]; // offset
    const [, end] = leb(b, p);
    for (let i = p; i < end - 1; i++) b[i] = 0xff;
    b[end - 1] = end - p === 1 ? 0x7f : 0x7f;
    const e = expectLinkError({ 'a.o': b });
    expect(e.message).toMatch(/reloc\.CODE section .*invalid relocation (symbol|type) index/);
  });

  it('a damaged archive member is named', () => {
    // A hand-written archive: llvm-ar refuses to index a damaged member.
    writeFileSync(join(dir, 'libbad.a'), handArchive('m.o/', obj.slice(0, obj.length - 40)));
    let err: LinkError | undefined;
    try {
      runLink({ argv: ['--no-entry', '--whole-archive', 'libbad.a'], cwd: dir, requireOutput: false });
    } catch (x) {
      err = x as LinkError;
    }
    expect(err).toBeInstanceOf(LinkError);
    expect(err!.diagnostics[0].file).toBe('libbad.a');
    expect(err!.diagnostics[0].member).toBe('m.o');
    expect(err!.message).toContain('libbad.a(m.o)');
  });

  it('an archive member named "/" and more than digits is refused, as LLVM does', () => {
    writeFileSync(join(dir, 'libslash.a'), handArchive('/abc', obj));
    let err: unknown;
    try {
      runLink({ argv: ['--no-entry', '--whole-archive', 'libslash.a'], cwd: dir, requireOutput: false });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).message).toBe("libslash.a: failed to parse archive: long name offset characters after the '/' are not all decimal numbers: 'abc' (at offset 8)");
  });

  it('LLVM bitcode is refused with a clear message', () => {
    const bc = new Uint8Array([0x42, 0x43, 0xc0, 0xde, 0x35, 0x14, 0, 0, 5, 0, 0, 0]);
    expect(expectLinkError({ 'b.bc': bc }).message).toContain('b.bc: LTO/bitcode is not supported');
  });

  /** `b` with `extra` appended to section `sec`'s contents (its size re-encoded). */
  function growSection(b: Uint8Array, sec: Sec, extra: number[]): Uint8Array {
    const [size, q] = leb(b, sec.start + 1);
    const n = size + extra.length;
    const lebBytes: number[] = [];
    for (let v = n; ; ) {
      const byte = v & 0x7f;
      v = Math.floor(v / 128);
      if (v === 0) {
        lebBytes.push(byte);
        break;
      }
      lebBytes.push(byte | 0x80);
    }
    return new Uint8Array([...b.subarray(0, sec.start + 1), ...lebBytes, ...b.subarray(q, sec.end), ...extra, ...b.subarray(sec.end)]);
  }

  it('bytes after the last function body or data segment are refused, as LLVM does', () => {
    const code = sections(obj).find((x) => x.id === 10)!;
    let e = expectLinkError({ 'a.o': growSection(obj, code, [0x0b]) });
    expect(e.message).toMatch(/^a\.o: CODE section at offset \d+: code section ended prematurely$/);
    const data = sections(obj).find((x) => x.id === 11)!;
    e = expectLinkError({ 'a.o': growSection(obj, data, [0x00]) });
    expect(e.message).toMatch(/^a\.o: DATA section at offset \d+: data section ended prematurely$/);
  });

  it("a function's local declarations must fit in its body", () => {
    const b = obj.slice();
    const code = sections(b).find((x) => x.id === 10)!;
    const [size, body] = leb(b, leb(b, code.content)[1]); // the first body, past the function count
    expect(size).toBeLessThan(200);
    expect(b[body]).toBeLessThan(0x80); // a one-byte declaration count
    b[body] = 0x7f; // 127 declarations of at least 2 bytes each: past the body's end
    const e = expectLinkError({ 'a.o': b });
    expect(e.message).toMatch(/^a\.o: CODE section at offset \d+: Function extends beyond buffer$/);
  });

  it('an unknown linking sub-section is skipped, as LLVM does', () => {
    const linking = sections(obj).find((x) => x.name === 'linking')!;
    const b = growSection(obj, linking, [100, 2, 0xab, 0xcd]);
    expect(link({ 'u.o': b }).bytes).toEqual(link({ 'u.o': obj }).bytes);
  });

  it('an unknown target feature policy prefix is refused when the object is read, naming it', () => {
    const b = obj.slice();
    const tf = sections(b).find((x) => x.name === 'target_features')!;
    const first = leb(b, tf.content)[1];
    expect(b[first]).toBe(0x2b);
    b[first] = 0x2a; // '*'
    const e = expectLinkError({ 'f.o': b });
    expect(e.message).toBe(`f.o: target_features section at offset ${first}: unknown feature policy prefix`);
  });

  it('random mutations never escape as anything but LinkError', () => {
    const rand = rng(0x5eed);
    let ok = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const b = obj.slice();
      const n = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) {
        const at = 8 + Math.floor(rand() * (b.length - 8));
        const kind = rand();
        if (kind < 0.5) b[at] = Math.floor(rand() * 256);
        else if (kind < 0.75) b[at] ^= 1 << Math.floor(rand() * 8);
        else b[at] = 0xff;
      }
      const cut = rand() < 0.1 ? Math.floor(rand() * b.length) : b.length;
      try {
        link({ 'm.o': b.subarray(0, cut) });
        ok++;
      } catch (e) {
        if (!(e instanceof LinkError)) throw new Error(`mutation ${i}: ${(e as Error).stack}`);
        const first = e.diagnostics.find((d) => d.severity === 'error')!;
        expect(first.message.length).toBeGreaterThan(0);
        refused++;
      }
    }
    expect(ok + refused).toBe(400);
    expect(refused).toBeGreaterThan(100);
  }, 60_000);
});

describe('output safety', () => {
  it('a failed link leaves no file and does not touch an existing one', () => {
    const out = join(dir, 'keep.wasm');
    writeFileSync(out, 'previous contents');
    const b = obj.slice(0, 100);
    expect(() => link({ 'a.o': b }, ['-o', out])).toThrow(LinkError);
    expect(readFileSync(out, 'utf8')).toBe('previous contents');
    writeFileSync(join(dir, 'a.o'), obj);
    const failing = () => runLink({ argv: ['a.o', '--no-entry', '-o', 'new.wasm', '--export=missing_symbol'], cwd: dir, requireOutput: false });
    expect(failing).toThrow(LinkError);
    expect(existsSync(join(dir, 'new.wasm'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('a successful link replaces the output atomically', () => {
    const out = join(dir, 'keep.wasm');
    const r = link({ 'a.o': obj }, ['-o', out]);
    expect(new Uint8Array(readFileSync(out))).toEqual(r.bytes);
  });
});
