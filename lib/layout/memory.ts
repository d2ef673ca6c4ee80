// Linear memory layout (lld Writer::layoutMemory): the stack, data segments, heap symbols and
// the memory limits, with wasm-ld's validation messages.

import * as W from '../input/wasm.js';
import type { Context } from '../resolve/context.js';
import { alignTo, pow2, type OutputSegment } from '../resolve/model.js';

const STACK_ALIGN = 16;
const HEAP_ALIGN = 16;

export interface MemoryLayout {
  initialPages: number;
  /** 0 when there is no maximum. */
  maxPages: number;
  /** PIC: the static data's size and largest alignment (log2), for dylink.0. */
  memSize: number;
  memAlign: number;
}

function setGlobalPtr(ctx: Context, sym: { element: { pointerValue: number } | null } | null, v: number): void {
  if (sym?.element) sym.element.pointerValue = v;
}

export function layoutMemory(ctx: Context, segments: OutputSegment[]): MemoryLayout {
  const cfg = ctx.config;
  const s = ctx.sym;
  const diag = ctx.diag;
  const PAGE_SIZE = cfg.pageSize;
  const aligned = (what: string) => `${what} must be aligned to the page size (${PAGE_SIZE} bytes)`;
  let ptr = 0;

  const placeStack = () => {
    // A PIC module's stack is the loader's (__stack_pointer is imported); a relocatable
    // output's is the final link's.
    if (cfg.isPic || cfg.relocatable) return;
    ptr = alignTo(ptr, STACK_ALIGN);
    if (s.stackLow) s.stackLow.value = ptr;
    if (cfg.zStackSize !== alignTo(cfg.zStackSize, STACK_ALIGN)) diag.error(`stack size must be ${STACK_ALIGN}-byte aligned`);
    diag.log(`mem: stack size  = ${cfg.zStackSize}`);
    diag.log(`mem: stack base  = ${ptr}`);
    ptr += cfg.zStackSize;
    setGlobalPtr(ctx, s.stackPointer, ptr);
    if (s.stackHigh) s.stackHigh.value = ptr;
    diag.log(`mem: stack top   = ${ptr}`);
  };

  if (cfg.stackFirst) {
    placeStack();
    if (cfg.globalBase) {
      if (cfg.globalBase < ptr) {
        diag.error('--global-base cannot be less than stack size when --stack-first is used');
        return { initialPages: 0, maxPages: 0, memSize: 0, memAlign: 0 };
      }
      ptr = cfg.globalBase;
    }
  } else {
    ptr = cfg.globalBase;
  }

  diag.log(`mem: global base = ${ptr}`);
  if (s.globalBase) s.globalBase.value = ptr;
  const dataStart = ptr;
  if (s.dsoHandle) s.dsoHandle.value = dataStart;

  let memAlign = 0;
  for (const seg of segments) {
    memAlign = Math.max(memAlign, seg.alignment);
    ptr = alignTo(ptr, pow2(seg.alignment));
    seg.startVA = ptr;
    diag.log(`mem: ${seg.name.padEnd(15)} offset=${String(ptr).padEnd(8)} size=${String(seg.size).padEnd(8)} align=${seg.alignment}`);
    if (seg.isTLS && !cfg.relocatable) {
      // Without shared memory __tls_base is an immutable global holding .tdata's address; with
      // it, __wasm_init_memory and __wasm_init_tls set it at run time.
      if (!cfg.sharedMemory) setGlobalPtr(ctx, s.tlsBase, ptr);
      setGlobalPtr(ctx, s.tlsSize, seg.size);
      setGlobalPtr(ctx, s.tlsAlign, pow2(seg.alignment));
    }
    ptr += seg.size;
  }

  // Shared memory: every segment is passive, and the thread that wins this flag initializes them.
  if (cfg.sharedMemory && segments.length) {
    ptr = alignTo(ptr, 4);
    s.initMemoryFlag = ctx.symtab.addSyntheticDataSymbol('__wasm_init_memory_flag', W.SYM_VISIBILITY_HIDDEN);
    s.initMemoryFlag.markLive();
    s.initMemoryFlag.value = ptr;
    diag.log(`mem: ${'__wasm_init_memory_flag'.padEnd(15)} offset=${String(ptr).padEnd(8)} size=${'4'.padEnd(8)} align=4`);
    ptr += 4;
  }

  if (s.dataEnd) s.dataEnd.value = ptr;
  const memSize = ptr - dataStart;
  diag.log(`mem: static data = ${memSize}`);

  if (!cfg.stackFirst) placeStack();

  if (s.heapBase) {
    ptr = alignTo(ptr, HEAP_ALIGN);
    diag.log(`mem: heap base   = ${ptr}`);
    s.heapBase.value = ptr;
  }

  // memory64's limit is not settled (WebAssembly/memory64#33): lld allows 16 GiB.
  const maxMemorySetting = cfg.is64 ? 2 ** 34 : 2 ** 32;
  if (cfg.initialHeap !== 0) {
    if (cfg.initialHeap !== alignTo(cfg.initialHeap, PAGE_SIZE)) diag.error(aligned('initial heap'));
    const maxInitialHeap = maxMemorySetting - ptr;
    if (cfg.initialHeap > maxInitialHeap) diag.error(`initial heap too large, cannot be greater than ${maxInitialHeap}`);
    ptr += cfg.initialHeap;
  }

  if (cfg.initialMemory !== 0) {
    if (cfg.initialMemory !== alignTo(cfg.initialMemory, PAGE_SIZE)) diag.error(aligned('initial memory'));
    if (ptr > cfg.initialMemory) diag.error(`initial memory too small, ${ptr} bytes needed`);
    if (cfg.initialMemory > maxMemorySetting) diag.error(`initial memory too large, cannot be greater than ${maxMemorySetting}`);
    ptr = cfg.initialMemory;
  }

  ptr = alignTo(ptr, PAGE_SIZE);
  const initialPages = Math.floor(ptr / PAGE_SIZE);
  diag.log(`mem: total pages = ${initialPages}`);

  if (s.heapEnd) {
    diag.log(`mem: heap end    = ${ptr}`);
    s.heapEnd.value = ptr;
  }

  let maxMemory = 0;
  if (cfg.maxMemory !== 0) {
    if (cfg.maxMemory !== alignTo(cfg.maxMemory, PAGE_SIZE)) diag.error(aligned('maximum memory'));
    if (ptr > cfg.maxMemory) diag.error(`maximum memory too small, ${ptr} bytes needed`);
    if (cfg.maxMemory > maxMemorySetting) diag.error(`maximum memory too large, cannot be greater than ${maxMemorySetting}`);
    maxMemory = cfg.maxMemory;
  } else if (cfg.noGrowableMemory) {
    maxMemory = ptr;
  }
  // Shared memories must declare a maximum; a PIC module's may grow as far as the loader needs.
  if (cfg.sharedMemory && maxMemory === 0) maxMemory = cfg.isPic ? maxMemorySetting : ptr;
  const maxPages = maxMemory / PAGE_SIZE;
  if (maxMemory !== 0) diag.log(`mem: max pages   = ${maxPages}`);
  return { initialPages, maxPages: Math.floor(maxPages), memSize: cfg.isPic ? memSize : 0, memAlign };
}
