// createFiles/addFile: turns the command line's file arguments into ObjFiles (eager objects and
// lazy archive members), with wasm-ld's search rules and messages.

import { createHash } from 'node:crypto';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { InputError, type Diagnostics } from '../diag.js';
import type { FileDirective, LinkOptions } from '../options/index.js';
import type { FileSystem } from '../options/rsp.js';
import { LazyGroup, ObjFile, type LazyIndex, type ObjectSource, type Symbol } from '../resolve/model.js';
import type { NameIds } from '../resolve/nameids.js';
import { isArchive, isThinArchive, readArchive, type ArchiveMember } from './archive.js';
import { startsWithText } from './reader.js';
import { isWasmObject, parseObject, scanDefinedSymbols, type ObjectData, type RelocDecoder } from './object.js';
import { parseStub, type StubFile } from './stub.js';

/** A thin archive's member table is read without the members' bytes (each link reads those). */
const NO_BYTES = new Uint8Array(0);

/** What a link may keep between links: parsed objects and archive tables. */
export interface InputCache {
  /** Reads a file (via the cache when unchanged). */
  read(fs: FileSystem, path: string): { bytes: Uint8Array; key: string } | { error: string };
  /** The parsed object of a file (member -1) or of an archive's member (its index). */
  object(key: string, member: number, make: () => ObjectData): ObjectData;
  lazyNames(key: string, member: number, make: () => string[]): string[];
  /** An archive's lazy-name index (its members' lazy names, in offer order). */
  lazyIndex(key: string, make: () => LazyIndex): LazyIndex;
  archive(key: string, make: () => ArchiveMember[]): ArchiveMember[];
  /** Content digest of a file read through this cache (for the link cache). */
  digest(key: string, bytes: Uint8Array): string;
  /**
   * The global symbols links through this cache made: the next link resets and reuses them
   * instead of allocating. Only for caches whose links never overlap (a Linker runs its links
   * one at a time; each worker thread has its own cache).
   */
  symbolPool?: SymbolPool;
}

export interface SymbolPool {
  symbols: Symbol[];
  /** The global names the links made, as ids (resolution indexes arrays by them). */
  names: NameIds;
}

/** A cache that lives for one link. */
export function oneShotCache(): InputCache {
  const objects = new Map<string, ObjectData>();
  const names = new Map<string, string[]>();
  const archives = new Map<string, ArchiveMember[]>();
  return {
    read(fs, path) {
      const r = fs.read(path);
      return 'error' in r ? r : { bytes: r.bytes, key: path };
    },
    object(key, member, make) {
      const k = `${key}(${member})`;
      let o = objects.get(k);
      if (!o) objects.set(k, (o = make()));
      return o;
    },
    lazyNames(key, member, make) {
      const k = `${key}(${member})`;
      let n = names.get(k);
      if (!n) names.set(k, (n = make()));
      return n;
    },
    lazyIndex(_key, make) {
      return make();
    },
    archive(key, make) {
      let a = archives.get(key);
      if (!a) archives.set(key, (a = make()));
      return a;
    },
    digest(_key, bytes) {
      return createHash('sha1').update(bytes).digest('hex');
    },
  };
}

/** An archive's wasm objects and its other members (bitcode, anything else), by member index. */
interface MemberKinds {
  objects: number[];
  bad: number[];
}
const kindsOf = new WeakMap<ArchiveMember[], MemberKinds>();

/** Sorted once per (cached) member table: every link of the archive asks again. */
function memberKinds(members: ArchiveMember[]): MemberKinds {
  let k = kindsOf.get(members);
  if (!k) {
    k = { objects: [], bad: [] };
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      if (!isBitcode(m.buf, m.start) && isWasmObject(m.buf, m.start, m.end)) k.objects.push(i);
      else k.bad.push(i);
    }
    kindsOf.set(members, k);
  }
  return k;
}

/** The members' lazy names one after another; `names` may throw for a malformed member. */
function lazyIndex(members: number[], names: (member: number) => string[]): LazyIndex {
  const all: string[] = [];
  const owner: number[] = [];
  const first = new Map<string, number>();
  for (let k = 0; k < members.length; k++) {
    for (const name of names(members[k])) {
      if (!first.has(name)) first.set(name, all.length);
      all.push(name);
      owner.push(k);
    }
  }
  return { names: all, member: Int32Array.from(owner), first };
}

function isBitcode(b: Uint8Array, start = 0): boolean {
  return (
    (b.length - start >= 4 && b[start] === 0x42 && b[start + 1] === 0x43 && b[start + 2] === 0xc0 && b[start + 3] === 0xde) ||
    (b.length - start >= 4 && b[start] === 0xde && b[start + 1] === 0xc0 && b[start + 2] === 0x17 && b[start + 3] === 0x0b)
  );
}

export class InputLoader {
  /** Objects, and archives' lazy members as groups, in command-line order. */
  readonly files: (ObjFile | LazyGroup)[] = [];
  /** Stub libraries, in command-line order. */
  readonly stubs: StubFile[] = [];
  /** Every file read (path and cache key), in order: what the link cache digests. */
  readonly read: { path: string; key: string; bytes: Uint8Array }[] = [];
  private inWholeArchive = false;
  private inLib = false;
  /** -Bstatic/-Bdynamic state; -shared and -pie start dynamic (`-l` then finds lib<name>.so first). */
  private isStatic: boolean;

  constructor(
    private readonly config: LinkOptions,
    private readonly cwd: string,
    private readonly fs: FileSystem,
    private readonly diag: Diagnostics,
    private readonly cache: InputCache,
    /** How objects' relocations are decoded (the backend's fast path), if not by the reference alone. */
    private readonly relocs?: RelocDecoder,
  ) {
    this.isStatic = !config.isPic;
  }

  private abs(p: string): string {
    // An empty name stays empty (lld's open("") fails with ENOENT), not the directory itself.
    return p === '' || isAbsolute(p) ? p : join(this.cwd, p);
  }

  createFiles(): void {
    for (const d of this.config.files) this.directive(d);
    if (this.files.length === 0 && this.stubs.length === 0 && this.diag.errorCount === 0) this.diag.error('no input files');
  }

  private directive(d: FileDirective): void {
    switch (d.kind) {
      case 'input':
        this.addFile(d.path);
        break;
      case 'library':
        this.addLibrary(d.name);
        break;
      case 'whole-archive':
        this.inWholeArchive = d.on;
        break;
      case 'start-lib':
        if (this.inLib) this.diag.error('nested --start-lib');
        this.inLib = true;
        break;
      case 'end-lib':
        if (!this.inLib) this.diag.error('stray --end-lib');
        this.inLib = false;
        break;
      case 'static':
        this.isStatic = d.on;
        break;
    }
  }

  private findFile(dir: string, name: string): string | undefined {
    // As llvm::sys::path::append: keeps "./" and does not normalise (names show in messages).
    const p = !dir ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`;
    return this.fs.exists(this.abs(p)) ? p : undefined;
  }

  private addLibrary(name: string): void {
    let found: string | undefined;
    if (name.startsWith(':')) {
      for (const dir of this.config.searchPaths) if ((found = this.findFile(dir, name.slice(1)))) break;
    } else {
      for (const dir of this.config.searchPaths) {
        if (!this.isStatic && (found = this.findFile(dir, `lib${name}.so`))) break;
        if ((found = this.findFile(dir, `lib${name}.a`))) break;
      }
    }
    if (found) this.addFile(found);
    else this.diag.error(`unable to find library -l${name}`);
  }

  /** Reads a `.imports` side file: symbols allowed to stay undefined. */
  readImportFile(path: string): void {
    const r = this.cache.read(this.fs, this.abs(path));
    if ('error' in r) {
      this.diag.error(`cannot open ${path}: ${r.error}`, { file: path });
      return;
    }
    this.read.push({ path, key: r.key, bytes: r.bytes });
    // lld's args::getLines: each line trimmed of blanks, blank lines and '#' comments skipped.
    for (const line of new TextDecoder().decode(r.bytes).split('\n')) {
      const l = line.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
      if (l && l[0] !== '#') this.config.allowUndefinedSymbols.add(l);
    }
  }

  addFile(path: string): void {
    this.diag.log(`Loading: ${path}`);
    const r = this.cache.read(this.fs, this.abs(path));
    if ('error' in r) {
      this.diag.error(`cannot open ${path}: ${r.error}`, { file: path });
      return;
    }
    this.read.push({ path, key: r.key, bytes: r.bytes });
    const buf = r.bytes;
    if (isArchive(buf)) {
      const importFile = path.slice(0, path.length - extname(path).length) + '.imports';
      if (this.fs.exists(this.abs(importFile))) this.readImportFile(importFile);
      // A thin archive's members are files of their own, read (and cached, by their own path,
      // size and mtime) every link: one may change while the archive does not.
      const thin = isThinArchive(buf);
      let members = this.cache.archive(r.key, () => readArchive(path, buf, () => NO_BYTES));
      let memberKeys: string[] | null = null;
      if (thin) {
        memberKeys = [];
        members = members.map((m) => {
          const mp = isAbsolute(m.name) ? m.name : join(dirname(this.abs(path)), m.name);
          const mr = this.cache.read(this.fs, mp);
          if ('error' in mr) throw new InputError(`${path}: could not get the buffer for a child of the archive: ${m.name}: ${mr.error}`, { file: path, member: m.name });
          this.read.push({ path: mp, key: mr.key, bytes: mr.bytes });
          memberKeys!.push(mr.key);
          return { ...m, buf: mr.bytes, start: 0, end: mr.bytes.length };
        });
      }
      // Parsed members are cached with the archive, or a thin archive's with each member's file.
      const keyOf = (i: number) => (memberKeys ? memberKeys[i] : r.key);
      const indexOf = (i: number) => (memberKeys ? -1 : i);
      const cache = this.cache;
      const source: ObjectSource = {
        object: (i) => {
          const m = members[i];
          return cache.object(keyOf(i), indexOf(i), () => parseObject(m.buf, m.start, m.end, { file: path, member: m.name }, `${path}(${m.name})`, this.relocs));
        },
        names: (i) => {
          const m = members[i];
          return cache.lazyNames(keyOf(i), indexOf(i), () => scanDefinedSymbols(m.buf, m.start, m.end, { file: path, member: m.name }));
        },
      };
      const kinds = memberKinds(members);
      for (const i of kinds.bad) {
        const m = members[i];
        if (isBitcode(m.buf, m.start)) this.diag.error(`${path}(${m.name}): LTO/bitcode is not supported by weld`, { file: path, member: m.name });
        else if (this.inWholeArchive) this.diag.error(`${path}: archive member '${m.name}' is neither Wasm object file nor LLVM bitcode`, { file: path, member: m.name });
        else this.diag.warn(`${path}: archive member '${m.name}' is neither Wasm object file nor LLVM bitcode`, { file: path, member: m.name });
      }
      if (this.inWholeArchive) {
        // --whole-archive members are live like command-line objects.
        for (const i of kinds.objects) {
          const file = new ObjFile(members[i].name, path, false, source, i);
          file.live = true;
          this.files.push(file);
        }
        return;
      }
      const lazy = kinds.objects;
      if (lazy.length)
        this.files.push(
          new LazyGroup(
            lazy.length,
            (k) => new ObjFile(members[lazy[k]].name, path, true, source, lazy[k]),
            // A thin archive's index depends on its members' files: made again every link.
            () => (memberKeys ? lazyIndex(lazy, source.names) : cache.lazyIndex(r.key, () => lazyIndex(lazy, source.names))),
          ),
        );
      return;
    }
    if (isWasmObject(buf, 0, buf.length)) {
      const ctx = { file: path };
      const cache = this.cache;
      const source: ObjectSource = {
        object: () => cache.object(r.key, -1, () => parseObject(buf, 0, buf.length, ctx, path, this.relocs)),
        names: () => cache.lazyNames(r.key, -1, () => scanDefinedSymbols(buf, 0, buf.length, ctx)),
      };
      const file = new ObjFile(path, '', this.inLib, source, -1);
      if (this.isStatic && !this.inLib && file.data.isShared) {
        this.diag.error(`attempted static link of dynamic object ${path}`, { file: path });
        return;
      }
      file.shared = file.data.isShared;
      this.files.push(file);
      return;
    }
    if (isBitcode(buf)) {
      this.diag.error(`${path}: LTO/bitcode is not supported by weld (compile without -flto)`, { file: path });
      return;
    }
    if (startsWithText(buf, '#STUB')) {
      this.stubs.push(parseStub(path, buf));
      return;
    }
    this.diag.error(`unknown file type: ${path}`, { file: path });
  }
}

