// The input cache a Linker keeps between links: file bytes (keyed by path + size + mtime, or by
// content for in-memory inputs) and everything derived from them (parsed objects, archive member
// tables, lazy symbol names). Bounded by bytes, least recently used first out.

import { createHash } from 'node:crypto';
import type { FileSystem } from '../options/rsp.js';
import type { ArchiveMember } from './archive.js';
import type { InputCache, SymbolPool } from './index.js';
import type { ObjectData } from './object.js';
import type { LazyIndex } from '../resolve/model.js';
import { NameIds } from '../resolve/nameids.js';

interface Entry {
  key: string;
  /** How many paths refer to this entry (in-memory inputs can share content). */
  refs: number;
  /** Content digest, computed on demand for the link cache. */
  digest: string;
  bytes: Uint8Array;
  cost: number;
  /** Parsed objects and lazy names by member index + 1 (0: the file itself). */
  objects: (ObjectData | undefined)[];
  names: (string[] | undefined)[];
  archive: ArchiveMember[] | null;
  lazyIndex: LazyIndex | null;
}

/**
 * In-memory inputs by buffer: their content key and a private copy of the bytes that were hashed.
 * The caller may change a buffer between links: a buffer that no longer equals its copy is hashed
 * again (comparing costs far less than hashing), and the cache keeps the copy, never the buffer.
 */
const contentKeys = new WeakMap<Uint8Array, { key: string; copy: Uint8Array }>();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** The content key of an in-memory input, and the bytes to cache for it. */
export function contentKey(bytes: Uint8Array): { key: string; copy: Uint8Array } {
  let k = contentKeys.get(bytes);
  if (!k || !sameBytes(bytes, k.copy)) {
    // new Uint8Array(view) copies (a Buffer's slice() would be a view of the caller's memory).
    k = { key: 'mem:' + createHash('sha1').update(bytes).digest('hex'), copy: new Uint8Array(bytes) };
    contentKeys.set(bytes, k);
  }
  return k;
}

export class PersistentCache implements InputCache {
  /** path -> entry; Map order is the LRU order (oldest first). */
  private byPath = new Map<string, Entry>();
  private byKey = new Map<string, Entry>();
  private bytes = 0;
  readonly symbolPool: SymbolPool = { symbols: [], names: new NameIds() };

  constructor(public maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  clear(): void {
    this.symbolPool.names = new NameIds();
    this.byPath.clear();
    this.byKey.clear();
    this.bytes = 0;
  }

  /** Points `path` at `e`, most recently used. */
  private setPath(path: string, e: Entry): void {
    const old = this.byPath.get(path);
    if (old) {
      this.byPath.delete(path);
      // The same entry again (an in-memory input linked twice) keeps its reference.
      if (old === e) {
        this.byPath.set(path, e);
        return;
      }
      this.release(old);
    }
    e.refs++;
    this.byPath.set(path, e);
  }

  private release(e: Entry): void {
    if (--e.refs > 0) return;
    this.byKey.delete(e.key);
    this.bytes -= e.cost;
  }

  /** Drops least recently used files until the cache fits (the newest entry always stays). */
  private evict(): void {
    for (const [path, e] of this.byPath) {
      if (this.bytes <= this.maxBytes || this.byPath.size <= 1) break;
      this.byPath.delete(path);
      this.release(e);
    }
  }

  /** A content digest of a cached file (for the link cache), computed once. */
  digest(key: string, bytes: Uint8Array): string {
    const e = this.byKey.get(key);
    if (e?.digest) return e.digest;
    const d = createHash('sha1').update(bytes).digest('hex');
    if (e) e.digest = d;
    return d;
  }

  read(fs: FileSystem, path: string): { bytes: Uint8Array; key: string } | { error: string } {
    const st = fs.stat ? fs.stat(path) : null;
    const hit = this.byPath.get(path);
    if (hit && st && hit.key === fileKey(path, st)) {
      this.byPath.delete(path);
      this.byPath.set(path, hit);
      return { bytes: hit.bytes, key: hit.key };
    }
    const r = fs.read(path);
    if ('error' in r) return r;
    let key: string;
    let bytes = r.bytes;
    if (st) key = fileKey(path, st);
    else ({ key, copy: bytes } = contentKey(r.bytes));
    let e = this.byKey.get(key);
    if (!e) {
      e = { key, refs: 0, digest: '', bytes, cost: bytes.length, objects: [], names: [], archive: null, lazyIndex: null };
      this.byKey.set(key, e);
      this.bytes += e.cost;
    }
    this.setPath(path, e);
    this.evict();
    return { bytes: e.bytes, key };
  }

  object(key: string, member: number, make: () => ObjectData): ObjectData {
    const e = this.byKey.get(key);
    let o = e?.objects[member + 1];
    if (!o) {
      o = make();
      if (e) {
        e.objects[member + 1] = o;
        // Parsed data costs about its relocation and symbol tables on top of the bytes (and, per
        // relocation, --gc-sections' memo of each chunk's targets, liveRefs).
        const extra = o.relocType.length * 25 + o.symKind.length * 40;
        e.cost += extra;
        this.bytes += extra;
        this.evict();
      }
    }
    return o;
  }

  lazyNames(key: string, member: number, make: () => string[]): string[] {
    const e = this.byKey.get(key);
    let n = e?.names[member + 1];
    if (!n) {
      n = make();
      if (e) e.names[member + 1] = n;
    }
    return n;
  }

  lazyIndex(key: string, make: () => LazyIndex): LazyIndex {
    const e = this.byKey.get(key);
    if (e?.lazyIndex) return e.lazyIndex;
    const x = make();
    if (e) {
      e.lazyIndex = x;
      // Its name list and map (the names themselves are the members' own).
      const extra = x.names.length * 40;
      e.cost += extra;
      this.bytes += extra;
      this.evict();
    }
    return x;
  }

  archive(key: string, make: () => ArchiveMember[]): ArchiveMember[] {
    const e = this.byKey.get(key);
    if (e?.archive) return e.archive;
    const a = make();
    if (e) e.archive = a;
    return a;
  }
}

function fileKey(path: string, st: { size: number; mtimeMs: number }): string {
  return `${path}\0${st.size}\0${st.mtimeMs}`;
}
