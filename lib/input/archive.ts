// `ar` archives: GNU and BSD member-name conventions, thin archives. The symbol index is
// ignored (members are scanned for their symbols), so a missing or stale index does not matter.

import { InputError } from '../diag.js';
import { latin1Slice, startsWithText } from './reader.js';

export interface ArchiveMember {
  name: string;
  /** The bytes holding the member (the archive itself, or the member's own file for thin archives). */
  buf: Uint8Array;
  start: number;
  end: number;
  /** Offset of the member header inside the archive. */
  headerOffset: number;
  /** For thin archives: the path the member was read from. */
  path?: string;
}

const utf8 = new TextDecoder();

// Magic compared bytewise (asked of every input, every link), not decoded.
export function isArchive(buf: Uint8Array): boolean {
  return startsWithText(buf, '!<arch>\n') || startsWithText(buf, '!<thin>\n');
}

export function isThinArchive(buf: Uint8Array): boolean {
  return startsWithText(buf, '!<thin>\n');
}

function field(buf: Uint8Array, at: number, len: number): string {
  // Header fields are ASCII but for odd names: one native slice, checked by a native search
  // (every member of every archive of a fresh link comes here; a byte loop is slow in a cold
  // process). A name's bytes are UTF-8, as the long names' (wasm-ld prints them as they are).
  const s = latin1Slice(buf, at, at + len);
  return NON_ASCII.test(s) ? utf8.decode(buf.subarray(at, at + len)).trimEnd() : s.trimEnd();
}
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Lists the members of an archive. `readMember` loads a thin archive's member file (relative
 * paths resolved by the caller).
 */
export function readArchive(
  path: string,
  buf: Uint8Array,
  readMember: (name: string) => Uint8Array,
): ArchiveMember[] {
  const thin = isThinArchive(buf);
  const fail = (msg: string, offset: number): never => {
    throw new InputError(`${path}: failed to parse archive: ${msg} (at offset ${offset})`, { file: path, offset });
  };
  const members: ArchiveMember[] = [];
  let longNames: Uint8Array | null = null;
  let pos = 8;
  while (pos < buf.length) {
    if (buf.length - pos < 60) {
      // Some writers pad the end with a newline.
      if (buf.length - pos === 1 && buf[pos] === 0x0a) break;
      fail('truncated member header', pos);
    }
    const header = pos;
    if (buf[header + 58] !== 0x60 || buf[header + 59] !== 0x0a) fail('bad member header terminator', header);
    const rawName = field(buf, header, 16);
    const sizeStr = field(buf, header + 48, 10);
    if (!/^\d+$/.test(sizeStr)) fail(`bad member size '${sizeStr}'`, header + 48);
    let size = Number(sizeStr);
    let dataStart = header + 60;
    let name: string;
    let special = false;
    if (rawName === '/' || rawName === '/SYM64/' || rawName === '__.SYMDEF' || rawName === '__.SYMDEF SORTED' || rawName === '/SYM64' || rawName === '__.SYMDEF_64') {
      special = true;
      name = rawName;
    } else if (rawName === '//') {
      special = true;
      name = rawName;
      if (dataStart + size > buf.length) fail('long name table extends past the end', header);
      longNames = buf.subarray(dataStart, dataStart + size);
    } else if (/^\/\d+$/.test(rawName)) {
      if (!longNames) fail('long name reference without a long name table', header);
      const off = Number(rawName.slice(1));
      if (off >= longNames!.length) fail(`long name offset ${off} out of range`, header);
      let end = off;
      while (end < longNames!.length && longNames![end] !== 0x0a && longNames![end] !== 0) end++;
      name = utf8.decode(longNames!.subarray(off, end));
      if (name.endsWith('/')) name = name.slice(0, -1);
    } else if (rawName.startsWith('/')) {
      // LLVM's reader: any other name starting with '/' is a long-name reference, and refused.
      name = fail(`long name offset characters after the '/' are not all decimal numbers: '${rawName.slice(1)}'`, header);
    } else if (rawName.startsWith('#1/')) {
      const n = Number(rawName.slice(3));
      if (!Number.isInteger(n) || n > size) fail(`bad BSD long name length '${rawName}'`, header);
      if (dataStart + n > buf.length) fail('BSD long name extends past the end', header);
      name = utf8.decode(buf.subarray(dataStart, dataStart + n)).replace(/\0+$/, '');
      dataStart += n;
      size -= n;
      // The BSD symbol table hides behind a long name too.
      if (name === '__.SYMDEF' || name === '__.SYMDEF SORTED' || name === '__.SYMDEF_64' || name === '__.SYMDEF_64 SORTED') special = true;
    } else {
      name = rawName.endsWith('/') ? rawName.slice(0, -1) : rawName;
    }
    // Thin archives carry their symbol table and long-name table inline, but no member data.
    const inline = !thin || special;
    if (inline && dataStart + size > buf.length) fail(`member '${name}' extends past the end of the archive`, header);
    if (!special) {
      if (thin) {
        const data = readMember(name);
        members.push({ name, buf: data, start: 0, end: data.length, headerOffset: header, path: name });
      } else {
        members.push({ name, buf, start: dataStart, end: dataStart + size, headerOffset: header });
      }
    }
    pos = inline ? dataStart + size : dataStart;
    if (pos & 1) pos++;
  }
  return members;
}
