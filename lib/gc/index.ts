// --gc-sections (lld/wasm/MarkLive.cpp): mark what is reachable from the roots by following
// relocations; everything else stays dead and is left out of the output.

import * as W from '../input/wasm.js';
import type { Context } from '../resolve/context.js';
import { DefinedData, type InputChunk, type ObjFile, type Symbol } from '../resolve/model.js';

export function markLive(ctx: Context): void {
  if (!ctx.config.gcSections) return;
  const queue: InputChunk[] = [];

  const enqueueInitFunctions = (file: ObjFile) => {
    for (let fi = 0, initFuncs = file.data.initFuncs; fi < initFuncs.length; fi++) {
      const f = initFuncs[fi];
      const sym = file.symbols[f.symbol]!;
      if (!sym.isDiscarded()) enqueue(sym);
    }
  };
  const enqueueRetainedSegments = (file: ObjFile) => {
    const segments = file.segments;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (seg.isRetained) {
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
    const types = file.data.relocType;
    const indices = file.data.relocIndex;
    const symbols = file.symbols;
    for (let i = c.relocStart, end = c.relocEnd; i < end; i++) {
      const type = types[i];
      if (type === W.R_TYPE_INDEX_LEB) continue;
      const sym = symbols[indices[i]]!;
      // Most relocations name a function or data symbol whose chunk is already live: skip them
      // before the general checks (this loop sees every relocation of every live chunk).
      if (sym.kind <= DefinedData) {
        const chunk = sym.chunk;
        if (chunk !== null && chunk.live) continue;
      }
      // Table relocations against stubs (null function pointers) keep nothing alive.
      if (
        (type === W.R_TABLE_INDEX_SLEB || type === W.R_TABLE_INDEX_SLEB64 || type === W.R_TABLE_INDEX_I32 || type === W.R_TABLE_INDEX_I64) &&
        sym.isStub
      )
        continue;
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
      const sym = file.symbols[f.symbol]!;
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
