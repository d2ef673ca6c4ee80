// The state of one link, shared by the stages: options, diagnostics, files, symbol table and the
// linker's well-known symbols.

import type { Diagnostics } from '../diag.js';
import type { Backend } from '../backend/index.js';
import type { SymbolPool } from '../input/index.js';
import type { LinkOptions } from '../options/index.js';
import type { InputChunk, InputElement, LazyGroup, LazyIndex, ObjFile, Symbol } from './model.js';
import { SymbolTable } from './symtab.js';
import { parseFile, parseLazy, parseShared } from './file.js';

export interface WellKnown {
  callCtors: Symbol | null;
  callDtors: Symbol | null;
  stackPointer: Symbol | null;
  tlsBase: Symbol | null;
  tlsSize: Symbol | null;
  tlsAlign: Symbol | null;
  dsoHandle: Symbol | null;
  dataEnd: Symbol | null;
  globalBase: Symbol | null;
  heapBase: Symbol | null;
  heapEnd: Symbol | null;
  stackLow: Symbol | null;
  stackHigh: Symbol | null;
  definedMemoryBase: Symbol | null;
  definedTableBase: Symbol | null;
  firstPageEnd: Symbol | null;
  indirectFunctionTable: Symbol | null;
  initMemory: Symbol | null;
  startFunction: Symbol | null;
  applyDataRelocs: Symbol | null;
  initTLS: Symbol | null;
  initMemoryFlag: Symbol | null;
  applyTLSRelocs: Symbol | null;
  applyGlobalTLSRelocs: Symbol | null;
  /** PIC: the imported bases of this module's memory and table slots. */
  memoryBase: Symbol | null;
  tableBase: Symbol | null;
  applyGlobalRelocs: Symbol | null;
}

let linkEpoch = 0;

export class Context {
  readonly symtab: SymbolTable;
  /** Distinguishes links: objects cached across links know which link last used them. */
  readonly epoch = ++linkEpoch;
  /** Object files in the order they were added (parsed eagerly or extracted). */
  readonly objectFiles: ObjFile[] = [];
  readonly syntheticFunctions: InputChunk[] = [];
  readonly syntheticGlobals: InputElement[] = [];
  readonly syntheticTables: InputElement[] = [];
  /** Shared libraries given as inputs, in command-line order (dylink.0's needed list). */
  readonly sharedFiles: ObjFile[] = [];
  /** --export and --export-if-defined names. */
  readonly exportedSymbols = new Set<string>();
  readonly requiredExports: string[] = [];
  readonly whyExtract: [string, string, string][] = [];
  whyExtractText = '';
  /** Receives the --why-extract text once resolution has made it (stdout or its file). */
  onWhyExtract: ((text: string) => void) | null = null;
  legacyFunctionTable = false;
  emitBssSegments = false;
  readonly sym: WellKnown = {
    callCtors: null,
    callDtors: null,
    stackPointer: null,
    tlsBase: null,
    tlsSize: null,
    tlsAlign: null,
    dsoHandle: null,
    dataEnd: null,
    globalBase: null,
    heapBase: null,
    heapEnd: null,
    stackLow: null,
    stackHigh: null,
    definedMemoryBase: null,
    definedTableBase: null,
    firstPageEnd: null,
    indirectFunctionTable: null,
    initMemory: null,
    startFunction: null,
    applyDataRelocs: null,
    initTLS: null,
    initMemoryFlag: null,
    applyTLSRelocs: null,
    applyGlobalTLSRelocs: null,
    memoryBase: null,
    tableBase: null,
    applyGlobalRelocs: null,
  };

  constructor(
    readonly config: LinkOptions,
    readonly diag: Diagnostics,
    /** The backend whose kernels the layout uses and whose executor runs the plan. */
    readonly backend: Backend,
    symbolPool?: SymbolPool,
  ) {
    this.symtab = new SymbolTable(this, symbolPool);
  }

  /**
   * An archive's lazy members: offered as one block (SymbolTable.addLazyGroup), unless --verbose
   * wants a line per member or a member's symbol table is malformed: then each member by itself
   * (parseLazy), for the same messages at the same time.
   */
  addGroup(g: LazyGroup): void {
    let idx: LazyIndex | null = null;
    if (!this.diag.verbose) {
      try {
        idx = g.index();
      } catch {
        idx = null;
      }
    }
    if (idx) this.symtab.addLazyGroup(g, idx);
    else for (let k = 0; k < g.count; k++) this.addFile(g.file(k));
  }

  /** SymbolTable::addFile: registers a lazy member's symbols, or parses an object. */
  addFile(file: ObjFile, symName?: string): void {
    void symName;
    // Built only when asked for: an archive offers each of its members here in every link.
    if (this.diag.verbose) this.diag.log(`Processing: ${file}`);
    if (file.lazy) {
      parseLazy(this, file);
      return;
    }
    if (file.shared) {
      parseShared(this, file);
      this.sharedFiles.push(file);
      return;
    }
    if (this.config.trace) this.diag.message(file.toString());
    parseFile(this, file);
    this.objectFiles.push(file);
  }
}
