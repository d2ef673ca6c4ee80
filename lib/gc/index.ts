// --gc-sections (lld/wasm/MarkLive.cpp): mark what is reachable from the roots by following
// relocations; everything else stays dead and is left out of the output.

import type { ObjectData } from '../input/object.js';
import * as W from '../input/wasm.js';
import type { Context } from '../resolve/context.js';
import { chunkRelocs, DefinedData, type InputChunk, type ObjFile, type Symbol } from '../resolve/model.js';
import { symbolAt } from '../resolve/file.js';

/** Per relocation type: 1 for the table-index types (they keep nothing alive through a stub). */
const TABLE_TYPE = new Uint8Array(256);
for (const t of [W.R_TABLE_INDEX_SLEB, W.R_TABLE_INDEX_SLEB64, W.R_TABLE_INDEX_I32, W.R_TABLE_INDEX_I64]) TABLE_TYPE[t] = 1;

// chunkRefs' scratch: per symbol index of the object at hand, the stamp of the chunk that last
// listed it and where. Stamps only grow, so nothing is cleared between chunks.
let seenStamp = new Int32Array(256);
let seenAt = new Uint32Array(256);
let stamp = 0;

// What chunkRefs lists, in an entry's low two bits (the rest is an index).
/** A symbol (file.symbols index) that only table-index relocations name. */
const REF_TABLE_ONLY = 1;
/** The body of a local function of the same file (file.functions index). */
const REF_LOCAL_FUNCTION = 2;
/** The segment of a local data symbol of the same file (file.segments index). */
const REF_LOCAL_SEGMENT = 3;

/**
 * A local defined function or (non-absolute) data symbol `index` of `d` as the chunk it names,
 * REF_LOCAL_* with the chunk's index; -1 for any other symbol. Read off the parsed symbol table:
 * resolution never changes a local's chunk, so marking needs no Symbol object for it.
 */
function localTarget(d: ObjectData, index: number): number {
  const flags = d.symFlags[index];
  if ((flags & W.SYM_BINDING_MASK) !== W.SYM_BINDING_LOCAL || (flags & W.SYM_UNDEFINED) !== 0) return -1;
  const kind = d.symKind[index];
  if (kind === W.SYMTAB_FUNCTION) return (d.symIndex[index] - d.numImportedFunctions) * 4 + REF_LOCAL_FUNCTION;
  if (kind === W.SYMTAB_DATA && (flags & W.SYM_ABSOLUTE) === 0) return d.symIndex[index] * 4 + REF_LOCAL_SEGMENT;
  return -1;
}

/**
 * The distinct targets of the relocations of relocs [start, end) of `d` (type indexes left out),
 * in d.liveRefs[start, returned end): a local function or data symbol as its chunk
 * (REF_LOCAL_*), any other symbol as `symbolIndex * 4`, plus REF_TABLE_ONLY when every relocation
 * naming it is a table index. Computed once per chunk of a parsed object: a function names the
 * same few symbols many times, and each visit of a symbol is a cache miss.
 * d.liveRefs[total + start] holds end + 1 (0: not computed); chunks with relocations have
 * distinct starts.
 */
function chunkRefs(d: ObjectData, start: number, end: number): number {
  const total = d.relocType.length;
  let memo = d.liveRefs;
  if (memo === null) memo = d.liveRefs = new Uint32Array(2 * total);
  const known = memo[total + start];
  if (known !== 0) return known - 1;
  const nsym = d.symKind.length;
  if (seenStamp.length < nsym) {
    seenStamp = new Int32Array(Math.max(nsym, seenStamp.length * 2));
    seenAt = new Uint32Array(seenStamp.length);
  }
  if (++stamp === 0x7fffffff) {
    seenStamp.fill(0);
    stamp = 1;
  }
  const types = d.relocType;
  const indices = d.relocIndex;
  let k = start;
  for (let i = start; i < end; i++) {
    const type = types[i];
    if (type === W.R_TYPE_INDEX_LEB) continue;
    const index = indices[i];
    const tableOnly = TABLE_TYPE[type];
    if (seenStamp[index] !== stamp) {
      seenStamp[index] = stamp;
      seenAt[index] = k;
      const local = localTarget(d, index);
      memo[k++] = local >= 0 ? local : index * 4 + tableOnly * REF_TABLE_ONLY;
    } else if (tableOnly === 0 && (memo[seenAt[index]] & 3) === REF_TABLE_ONLY) memo[seenAt[index]] = index * 4;
  }
  memo[total + start] = k + 1;
  return k;
}

export function markLive(ctx: Context): void {
  if (!ctx.config.gcSections) return;
  const queue: InputChunk[] = [];

  const enqueueInitFunctions = (file: ObjFile) => {
    for (let fi = 0, initFuncs = file.data.initFuncs; fi < initFuncs.length; fi++) {
      const f = initFuncs[fi];
      const sym = symbolAt(file, f.symbol);
      if (!sym.isDiscarded()) enqueue(sym);
    }
  };
  const enqueueRetainedSegments = (file: ObjFile) => {
    // The parsed flags, not the chunks': most segments are not retained, and loading each
    // chunk object to see so is a cache miss per segment.
    const segments = file.segments;
    const flags = file.data.segLinkingFlags;
    for (let i = 0, n = Math.min(flags.length, segments.length); i < n; i++) {
      if (flags[i] & W.SEG_FLAG_RETAIN) {
        const seg = segments[i];
        seg.live = true;
        queue.push(seg);
      }
    }
  };
  const enqueue = (sym: Symbol | null | undefined) => {
    if (!sym || sym.isLive()) return;
    const file = sym.file;
    const markImplicitDeps = file !== null && !file.live && sym.isDefined();
    sym.markLive();
    if (markImplicitDeps) {
      // The ctors of an object that becomes live are called by __wasm_call_ctors, which has
      // no relocations: mark them by hand, and the object's retained segments.
      enqueueInitFunctions(file!);
      enqueueRetainedSegments(file!);
    }
    const chunk = sym.getChunk();
    if (chunk) queue.push(chunk);
  };

  if (ctx.config.entry) enqueue(ctx.symtab.find(ctx.config.entry));
  for (let symIndex = 0, symbols = ctx.symtab.symbols; symIndex < symbols.length; symIndex++) {
    const sym = symbols[symIndex];
    if (sym.isNoStrip() || isExported(ctx, sym)) enqueue(sym);
  }
  if (ctx.sym.callDtors) enqueue(ctx.sym.callDtors);
  for (let i = 0; i < ctx.objectFiles.length; i++) {
    const obj = ctx.objectFiles[i];
    if (obj.live) {
      enqueueInitFunctions(obj);
      enqueueRetainedSegments(obj);
    }
  }

  while (queue.length) {
    const c = queue.pop()!;
    const file = c.file;
    if (!file) continue;
    const d = file.data;
    // The chunk's relocation range off the parsed object (the getters, not inlined in this
    // large function, cost a call each for every live chunk).
    const ranges = chunkRelocs(d, c.kind)!;
    const relocStart = ranges[c.indexInFile << 1];
    const relocEnd = ranges[(c.indexInFile << 1) + 1];
    if (relocStart === relocEnd) continue;
    const end = chunkRefs(d, relocStart, relocEnd);
    const refs = d.liveRefs!;
    for (let i = relocStart; i < end; i++) {
      const ref = refs[i];
      const tag = ref & 3;
      if (tag >= REF_LOCAL_FUNCTION) {
        // A local's chunk: all that marking its symbol would do (the file is live already).
        const chunk = tag === REF_LOCAL_FUNCTION ? file.functions[ref >>> 2] : file.segments[ref >>> 2];
        if (!chunk.live) {
          chunk.live = true;
          queue.push(chunk);
        }
        continue;
      }
      const sym = symbolAt(file, ref >>> 2);
      // Most name a function or data symbol whose chunk is already live: skip them before the
      // general checks (this loop sees every symbol named by every live chunk).
      if (sym.kind <= DefinedData) {
        const chunk = sym.chunk;
        if (chunk !== null && chunk.live) continue;
      }
      // Table relocations against stubs (null function pointers) keep nothing alive.
      if (tag === REF_TABLE_ONLY && sym.isStub) continue;
      enqueue(sym);
    }
  }

  if (ctx.sym.callCtors && isCallCtorsLive(ctx)) ctx.sym.callCtors.markLive();

  if (ctx.config.printGcSections) {
    const say = (what: { toString(): string }) => ctx.diag.message(`removing unused section ${what}`);
    for (let objIndex = 0, objectFiles = ctx.objectFiles; objIndex < objectFiles.length; objIndex++) {
      const obj = objectFiles[objIndex];
      for (const c of obj.functions) if (!c.live) say(c);
      for (const c of obj.segments) if (!c.live) say(c);
      for (const g of obj.globals) if (!g.live) say(g);
      for (const t of obj.tags) if (!t.live) say(t);
      for (const t of obj.tables) if (!t.live) say(t);
    }
    for (const c of ctx.syntheticFunctions) if (!c.live) say(c);
    for (const g of ctx.syntheticGlobals) if (!g.live) say(g);
    for (const t of ctx.syntheticTables) if (!t.live) say(t);
  }
}

function isCallCtorsLive(ctx: Context): boolean {
  // A PIC module's loader calls __wasm_call_ctors.
  if (ctx.config.isPic) return true;
  for (const file of ctx.objectFiles)
    for (let fi = 0, initFuncs = file.data.initFuncs; fi < initFuncs.length; fi++) {
      const f = initFuncs[fi];
      const sym = symbolAt(file, f.symbol);
      if (!sym.isDiscarded() && sym.isLive()) return true;
    }
  return false;
}

/** Symbol::isExported. */
export function isExported(ctx: Context, sym: Symbol): boolean {
  if (!sym.isDefined() || sym.isShared() || sym.isLocal()) return false;
  // A shared library exports its weak definitions: the loader may pick another module's.
  if (ctx.config.shared && sym.isLive() && sym.isWeak() && !sym.isHidden()) return true;
  if (ctx.config.exportAll || (ctx.config.exportDynamic && !sym.isHidden())) return true;
  return sym.isExportedExplicit();
}
