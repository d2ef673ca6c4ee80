// --reproduce=<file.tar> (and LLD_REPRODUCE): a tar of the link's inputs, as lld writes it
// (lld/Common/Reproduce.cpp, llvm/Support/TarWriter.cpp): under a directory named after the tar,
// response.txt (the command line, inputs made relative to the root, -o reduced to its file name),
// version.txt, and every file the link read at its absolute path without the leading '/'. Run
// `weld @response.txt` in that directory to link again.

import { basename, extname, isAbsolute, join, normalize } from 'node:path';
import { renderArg, type ParsedArg } from '../options/table.js';

const BLOCK = 512;

/** lld relativeToRoot: the absolute, normalized path without its leading '/'. */
export function relativeToRoot(path: string, cwd: string): string {
  const abs = normalize(isAbsolute(path) ? path : join(cwd, path));
  return abs.replace(/^\/+/, '');
}

const quote = (s: string) => (s.includes(' ') ? `"${s}"` : s);

/** lld createResponseFile: one argument a line; inputs relative to the root, -o its file name. */
export function responseFile(args: readonly ParsedArg[], cwd: string): string {
  let out = '';
  for (const a of args) {
    if (a.id === 'reproduce') continue;
    if (a.id === 'INPUT') out += quote(relativeToRoot(a.values[0], cwd));
    else if (a.id === 'o') out += `-o ${quote(basename(a.values[0]))}`;
    else out += renderArg(a);
    out += '\n';
  }
  return out;
}

/** A ustar archive, built in memory (llvm TarWriter's format: ustar, PAX headers for long paths). */
export class TarWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly seen = new Set<string>();
  private readonly enc = new TextEncoder();
  /** The top directory: `tarPath`'s stem (TarWriter::create(path, stem(path))). */
  private readonly base: string;

  constructor(tarPath: string) {
    this.base = basename(tarPath, extname(tarPath));
  }

  append(path: string, data: Uint8Array): void {
    const full = `${this.base}/${path}`;
    if (this.seen.has(full)) return;
    this.seen.add(full);
    const split = splitUstar(full);
    if (split) this.parts.push(this.header(split.name, split.prefix, data.length, 0));
    else {
      const pax = this.enc.encode(formatPax('path', full));
      this.parts.push(this.header('', '', pax.length, 0x78), pad(pax));
      this.parts.push(this.header('', '', data.length, 0));
    }
    this.parts.push(pad(data));
  }

  /** The archive, ended by two zero blocks. */
  finish(): Uint8Array {
    const size = this.parts.reduce((s, p) => s + p.length, 0) + 2 * BLOCK;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private header(name: string, prefix: string, size: number, type: number): Uint8Array {
    const h = new Uint8Array(BLOCK);
    const put = (s: string, at: number) => h.set(this.enc.encode(s), at);
    put(name, 0);
    if (type === 0) put('0000664', 100); // mode
    put(size.toString(8).padStart(11, '0'), 124);
    h[156] = type;
    put('ustar', 257);
    put('00', 263);
    put(prefix, 345);
    // The checksum is taken with its own field as spaces.
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    put(sum.toString(8).padStart(6, '0'), 148);
    h[154] = 0;
    return h;
  }
}

function pad(data: Uint8Array): Uint8Array {
  const rem = data.length % BLOCK;
  if (rem === 0) return data;
  const out = new Uint8Array(data.length + BLOCK - rem);
  out.set(data);
  return out;
}

/** TarWriter splitUstar: the path as (prefix, name) if ustar can hold it (137-byte prefixes). */
function splitUstar(path: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(path) < 100) return { prefix: '', name: path };
  const sep = path.lastIndexOf('/', 138);
  if (sep < 0) return null;
  const name = path.slice(sep + 1);
  if (Buffer.byteLength(name) >= 100 || Buffer.byteLength(path.slice(0, sep)) > 155) return null;
  return { prefix: path.slice(0, sep), name };
}

/** TarWriter formatPax: "<length> key=value\n", the length counting itself. */
function formatPax(key: string, value: string): string {
  const len = Buffer.byteLength(key) + Buffer.byteLength(value) + 3;
  let total = len + String(len).length;
  total = len + String(total).length;
  return `${total} ${key}=${value}\n`;
}
