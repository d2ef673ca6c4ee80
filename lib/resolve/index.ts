// Resolution, in lld linkerMain's order: files enter the symbol table, -u/--export/--entry pull
// members, --wrap renames, optional linker symbols appear, signature variants and weak
// undefined functions get their stubs, and what stays lazy is demoted.

import * as W from '../input/wasm.js';
import { CHUNK_FUNCTION, InputChunk, InputElement, LazyGroup, LazyKind, ObjFile, Symbol, UndefinedFunction, DefinedFunction, fileName } from './model.js';
import type { StubFile } from '../input/stub.js';
import type { Context } from './context.js';
import { demangleName } from './names.js';
import { importInit } from './symtab.js';
import { stringMapOrder } from '../util/stringmap.js';

const NULL_SIG = { key: '\x60\x00\x00', params: [] as number[], results: [] as number[] };
const I32_ARG_SIG = { key: '\x60\x01\x7f\x00', params: [W.TYPE_I32], results: [] as number[] };
const I64_ARG_SIG = { key: '\x60\x01\x7e\x00', params: [W.TYPE_I64], results: [] as number[] };

function createGlobal(ctx: Context, name: string, mutable: boolean): InputElement {
  const g = new InputElement(null, name, ctx.config.gcSections);
  g.globalType = { valType: ctx.config.is64 ? W.TYPE_I64 : W.TYPE_I32, mutable };
  return g;
}

/** An i32 global the environment provides (lld createUndefinedGlobal). */
function createUndefinedGlobal(ctx: Context, name: string, mutable: boolean): Symbol {
  const sym = ctx.symtab.addUndefinedGlobal(name, undefined, undefined, W.SYM_UNDEFINED, null, { valType: ctx.config.is64 ? W.TYPE_I64 : W.TYPE_I32, mutable });
  ctx.config.allowUndefinedSymbols.add(name);
  sym.isUsedInRegularObj = true;
  return sym;
}

/** __wasm_call_ctors and __stack_pointer, made before any input is read. */
export function createSyntheticSymbols(ctx: Context): void {
  // A relocatable output defines nothing of its own: the final link will.
  if (ctx.config.relocatable) return;
  const fn = new InputChunk(CHUNK_FUNCTION, null, '__wasm_call_ctors', ctx.config.gcSections);
  fn.sig = NULL_SIG;
  ctx.sym.callCtors = ctx.symtab.addSyntheticFunction('__wasm_call_ctors', W.SYM_VISIBILITY_HIDDEN, fn);
  if (ctx.config.isPic) {
    // The loader owns the stack and places this module's data and table slots: all imported.
    ctx.sym.stackPointer = createUndefinedGlobal(ctx, '__stack_pointer', true);
    ctx.sym.memoryBase = createUndefinedGlobal(ctx, '__memory_base', false);
    ctx.sym.tableBase = createUndefinedGlobal(ctx, '__table_base', false);
    ctx.sym.memoryBase.markLive();
    ctx.sym.tableBase.markLive();
  } else {
    // Default visibility since LLVM 22 (llvm-project#161284): -E and --export-all may export it.
    ctx.sym.stackPointer = ctx.symtab.addSyntheticGlobal('__stack_pointer', 0, createGlobal(ctx, '__stack_pointer', true));
    ctx.sym.stackPointer.markLive();
  }
  if (ctx.config.sharedMemory) {
    // Threads: each thread's TLS block is set up by __wasm_init_tls, so __tls_base is mutable.
    const t = ctx.symtab;
    ctx.sym.tlsBase = t.addSyntheticGlobal('__tls_base', W.SYM_VISIBILITY_HIDDEN, createGlobal(ctx, '__tls_base', true));
    ctx.sym.tlsSize = t.addSyntheticGlobal('__tls_size', W.SYM_VISIBILITY_HIDDEN, createGlobal(ctx, '__tls_size', false));
    ctx.sym.tlsAlign = t.addSyntheticGlobal('__tls_align', W.SYM_VISIBILITY_HIDDEN, createGlobal(ctx, '__tls_align', false));
    const fn = new InputChunk(CHUNK_FUNCTION, null, '__wasm_init_tls', ctx.config.gcSections);
    fn.sig = ctx.config.is64 ? I64_ARG_SIG : I32_ARG_SIG;
    ctx.sym.initTLS = t.addSyntheticFunction('__wasm_init_tls', W.SYM_VISIBILITY_HIDDEN, fn);
  }
}

/** Linker-defined symbols that exist only when something refers to them (or they are exported). */
export function createOptionalSymbols(ctx: Context): void {
  if (ctx.config.relocatable) return;
  const t = ctx.symtab;
  ctx.sym.dsoHandle = t.addOptionalDataSymbol('__dso_handle');
  if (!ctx.config.shared) ctx.sym.dataEnd = t.addOptionalDataSymbol('__data_end');
  if (!ctx.config.isPic) {
    ctx.sym.stackLow = t.addOptionalDataSymbol('__stack_low');
    ctx.sym.stackHigh = t.addOptionalDataSymbol('__stack_high');
    ctx.sym.globalBase = t.addOptionalDataSymbol('__global_base');
    ctx.sym.heapBase = t.addOptionalDataSymbol('__heap_base');
    ctx.sym.heapEnd = t.addOptionalDataSymbol('__heap_end');
    ctx.sym.definedMemoryBase = t.addOptionalDataSymbol('__memory_base');
    ctx.sym.definedTableBase = t.addOptionalDataSymbol('__table_base');
  }
  ctx.sym.firstPageEnd = t.addOptionalDataSymbol('__wasm_first_page_end', ctx.config.pageSize);
  if (ctx.config.sharedMemory) return;
  // Objects built with TLS may be linked into single-threaded programs: __tls_base is then an
  // immutable global holding the address of .tdata (wasm-ld 22 makes it only when referenced).
  ctx.sym.tlsBase = t.addOptionalGlobalSymbol('__tls_base', createGlobal(ctx, '__tls_base', false));
  // wasm-ld defines these two only with --shared-memory and reports them undefined otherwise;
  // weld also defines them for single-threaded links: the size and alignment of .tdata.
  ctx.sym.tlsSize = t.addOptionalGlobalSymbol('__tls_size', createGlobal(ctx, '__tls_size', false));
  ctx.sym.tlsAlign = t.addOptionalGlobalSymbol('__tls_align', createGlobal(ctx, '__tls_align', false));
  if (ctx.sym.tlsAlign) ctx.sym.tlsAlign.element!.pointerValue = 1;
}

/** Forces a symbol into the link (-u, --export, --entry): extracts its member if lazy. */
export function handleUndefined(ctx: Context, name: string, option: string): Symbol | undefined {
  const sym = ctx.symtab.find(name);
  if (!sym) return undefined;
  sym.isUsedInRegularObj = true;
  if (sym.isLazy()) {
    ctx.symtab.extract(sym);
    if (ctx.config.whyExtract) ctx.symtab.recordWhy(option, sym);
  }
  return sym;
}

interface Wrapped {
  sym: Symbol;
  real: Symbol;
  wrap: Symbol;
}

function addWrappedSymbols(ctx: Context): Wrapped[] {
  const out: Wrapped[] = [];
  const seen = new Set<string>();
  for (const name of ctx.config.wraps) {
    if (seen.has(name)) continue;
    seen.add(name);
    const sym = ctx.symtab.find(name);
    if (!sym) continue;
    const real = ctx.symtab.addUndefinedFunction('__real_' + name, undefined, undefined, W.SYM_UNDEFINED, null, null, false);
    const wrap = ctx.symtab.addUndefinedFunction('__wrap_' + name, undefined, undefined, W.SYM_UNDEFINED, null, null, false);
    out.push({ sym, real, wrap });
    real.canInline = false;
    sym.canInline = false;
    sym.isUsedInRegularObj = true;
    wrap.isUsedInRegularObj = true;
    real.isUsedInRegularObj = false;
  }
  return out;
}

function wrapSymbols(ctx: Context, wrapped: Wrapped[]): void {
  const map = new Map<Symbol, Symbol>();
  for (const w of wrapped) {
    map.set(w.sym, w.wrap);
    map.set(w.real, w.sym);
    // References to `sym` now reach `__wrap_sym`: an undefined one is called with sym's
    // signature (wasm-ld's undefined stub or import for it has that type). A lazy `sym` that
    // was weakly referenced first keeps that reference's signature.
    if (w.wrap.kind === UndefinedFunction && !w.wrap.sig && (w.sym.isFunction() || w.sym.isLazy())) w.wrap.sig = w.sym.sig;
  }
  for (const file of ctx.objectFiles) {
    const syms = file.symbols;
    for (let i = 0; i < syms.length; i++) {
      const r = syms[i] && map.get(syms[i]!);
      if (r) syms[i] = r;
    }
  }
  for (const w of wrapped) ctx.symtab.wrap(w.sym, w.real, w.wrap);
}

/** Lazy symbols nobody extracted become weak undefined functions (if they have a signature). */
function demoteLazySymbols(ctx: Context): void {
  for (let symIndex = 0, symbols = ctx.symtab.symbols; symIndex < symbols.length; symIndex++) {
    const sym = symbols[symIndex];
    if (sym.kind === LazyKind && sym.sig) {
      ctx.symtab.replace(sym, UndefinedFunction, sym.name, W.SYM_BINDING_WEAK, sym.file, importInit(sym.sig, undefined, undefined, true));
    }
  }
}

export function resolve(ctx: Context, files: (ObjFile | LazyGroup)[], stubs: StubFile[] = []): void {
  const cfg = ctx.config;
  for (const name of cfg.traceSymbols) ctx.symtab.trace(name);
  for (const name of cfg.exportIfDefined) ctx.exportedSymbols.add(name);
  for (const name of cfg.exports) {
    ctx.exportedSymbols.add(name);
    ctx.requiredExports.push(name);
  }

  createSyntheticSymbols(ctx);
  for (const f of files) {
    if (f instanceof LazyGroup) ctx.addGroup(f);
    else ctx.addFile(f);
  }
  ctx.diag.checkpoint();

  for (const name of cfg.undefined) handleUndefined(ctx, name, '<internal>');
  // lld keeps these names in an llvm::StringSet and walks it in its hash order: with several,
  // that order decides which archive members are extracted first.
  const exported = ctx.exportedSymbols.size > 1 ? stringMapOrder(ctx.exportedSymbols) : ctx.exportedSymbols;
  for (const name of exported) handleUndefined(ctx, name, '--export');

  let entrySym: Symbol | undefined;
  if (cfg.entry) {
    entrySym = handleUndefined(ctx, cfg.entry, '--entry');
    if (entrySym && entrySym.isDefined()) entrySym.forceExport = true;
    else ctx.diag.error(`entry symbol not defined (pass --no-entry to suppress): ${cfg.entry}`, { symbol: cfg.entry });
  }

  // libc's __wasm_call_dtors is called by command export wrappers (if wrappers are needed).
  const callCtors = ctx.sym.callCtors;
  if (callCtors && !cfg.shared && !callCtors.isUsedInRegularObj && callCtors.name !== cfg.entry && !ctx.exportedSymbols.has(callCtors.name)) {
    const d = handleUndefined(ctx, '__wasm_call_dtors', '<internal>');
    if (d) {
      if (d.kind === DefinedFunction) {
        if (d.sig && (d.sig.params.length || d.sig.results.length)) ctx.diag.error('__wasm_call_dtors must have no argument or return values');
        ctx.sym.callDtors = d;
      } else ctx.diag.error('__wasm_call_dtors must be a function');
    }
  }
  ctx.diag.checkpoint();

  const wrapped = addWrappedSymbols(ctx);
  if (stubs.length) {
    markStubDependenciesUsed(ctx, stubs);
    processStubLibraries(ctx, stubs);
  }
  if (cfg.whyExtract) {
    writeWhyExtractRecords(ctx);
    ctx.onWhyExtract?.(ctx.whyExtractText);
  }

  createOptionalSymbols(ctx);
  ctx.symtab.handleSymbolVariants();
  ctx.diag.checkpoint();
  if (wrapped.length) wrapSymbols(ctx, wrapped);

  for (const name of ctx.exportedSymbols) {
    const sym = ctx.symtab.find(name);
    if (sym && sym.isDefined()) sym.forceExport = true;
  }
  // Weak undefined functions stay imports in PIC modules (the loader may provide them).
  if (!cfg.isPic && !cfg.relocatable) ctx.symtab.handleWeakUndefines();
  if (entrySym) entrySym.setHidden(false);
  ctx.diag.checkpoint();

  demoteLazySymbols(ctx);
}

/** processStubLibrariesPreLTO: what a needed stub symbol depends on counts as used by objects. */
function markStubDependenciesUsed(ctx: Context, stubs: StubFile[]): void {
  for (const stub of stubs)
    for (const [name, deps] of stub.deps) {
      const sym = ctx.symtab.find(name);
      if (sym && !sym.isUndefined()) continue;
      for (const dep of deps) {
        const needed = ctx.symtab.find(dep);
        if (needed) needed.isUsedInRegularObj = true;
      }
    }
}

/** addStubSymbolDeps: `sym` is imported and its dependencies exported; true if one was extracted. */
function addStubSymbolDeps(ctx: Context, stub: StubFile, sym: Symbol, deps: string[]): boolean {
  // The first stub library to name a symbol decides; later ones are ignored.
  if (sym.forceImport) return false;
  sym.forceImport = true;
  if (sym.traced) ctx.diag.message(`${stub.name}: importing ${sym.name}`);
  const who = demangleName(ctx, sym.name);
  let depsAdded = false;
  for (const dep of deps) {
    const needed = ctx.symtab.find(dep);
    if (!needed) ctx.diag.error(`${stub.name}: undefined symbol: ${dep}. Required by ${who}`, { file: stub.name, symbol: dep });
    else if (needed.isUndefined())
      ctx.diag.error(`${stub.name}: undefined symbol: ${demangleName(ctx, needed.name)}. Required by ${who}`, { file: stub.name, symbol: dep });
    else {
      if (needed.traced) ctx.diag.message(`${stub.name}: exported ${demangleName(ctx, needed.name)} due to import of ${sym.name}`);
      needed.forceExport = true;
      if (needed.isLazy()) {
        depsAdded = true;
        ctx.symtab.extract(needed);
        // As lld: the row names the importing symbol and its file.
        if (ctx.config.whyExtract) ctx.whyExtract.push([stub.name, fileName(sym.file), who]);
      }
    }
  }
  return depsAdded;
}

/** lld processStubLibraries: repeated until no stub dependency extracts another member. */
function processStubLibraries(ctx: Context, stubs: StubFile[]): void {
  let depsAdded: boolean;
  do {
    depsAdded = false;
    for (const stub of stubs) {
      for (const [name, deps] of stub.deps) {
        const sym = ctx.symtab.find(name);
        if (sym && sym.isUndefined()) {
          if (addStubSymbolDeps(ctx, stub, sym, deps)) depsAdded = true;
        } else if (sym && sym.traced) ctx.diag.message(`${stub.name}: stub symbol not needed: ${name}`);
      }
      // Undefined symbols whose import name (not symbol name) a stub library provides.
      for (const sym of ctx.symtab.symbols.slice()) {
        if (!sym.isUndefined() || sym.importName === undefined) continue;
        const deps = stub.deps.get(sym.importName);
        if (deps && addStubSymbolDeps(ctx, stub, sym, deps)) depsAdded = true;
      }
    }
  } while (depsAdded);
}

/** The --why-extract TSV; written by the caller (it is a file). */
function writeWhyExtractRecords(ctx: Context): void {
  const lines = ['reference\textracted\tsymbol', ...ctx.whyExtract.map((r) => r.join('\t'))];
  ctx.whyExtractText = lines.join('\n') + '\n';
}

export { demangleName };
