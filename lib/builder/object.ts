// toObject(): the builder's state as a relocatable object (tool-conventions Linking.md):
// linking section version 2 with a symbol table and segment info, reloc.CODE and reloc.DATA.
// Each data atom gets its own segment (as with -fdata-sections: ".data.<name>", ".rodata.<name>",
// ".bss.<name>"); linker-defined symbols become undefined symbols (`__stack_pointer` and
// `__indirect_function_table` imported from "env", `__heap_base`/`__data_end` plain undefined
// data symbols) for the linker to define. Relocation sites hold the object's own values, as LLVM
// writes them; the linker rewrites them.

import * as P from '../plan/types.js';
import { selectBackend } from '../backend/index.js';
import { ulebSize } from '../util/leb.js';
import { ByteWriter } from '../util/writer.js';
import * as W from '../input/wasm.js';
import { Assembler } from './assembler.js';
import type { ModuleBuilder } from './builder.js';
import * as E from './encode.js';
import {
  F_EXPLICIT_IMPORT,
  F_LOCAL,
  FIRST_USER,
  K_DATA,
  K_FUNC,
  K_GLOBAL,
  S_LIVE,
  SYM_DATA_END,
  SYM_HEAP_BASE,
  SYM_STACK_POINTER,
  SYM_TABLE,
} from './symbols.js';
import { BuilderError } from './types.js';

const MAGIC = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

function segmentName(section: string, sym: string): string {
  for (const p of ['.data', '.rodata', '.bss', '.tdata', '.text'])
    if (section === p || section.startsWith(p + '.')) return `${section}.${sym}`;
  return section;
}

interface ObjSymbol {
  kind: number;
  flags: number;
  index: number;
  name?: string;
  /** Data: segment, offset, size. */
  segment?: number;
  size?: number;
}

export interface ObjectOptions {
  /**
   * Target features the code uses (e.g. "bulk-memory", "simd128"), written to the object's
   * target_features section. "mutable-globals" (for exported mutable globals) and "memory64"
   * are added when needed.
   */
  features?: readonly string[];
}

export function writeObject(b: ModuleBuilder, opts: ObjectOptions = {}): Uint8Array {
  b.checkLinkable();
  const o = b.opts;
  const is64 = o.memory64;
  const n = b.count;
  const { imported, defined } = b.functionLists();
  const { order: typeOrder, map: typeMap } = b.typeLayout(imported, defined);
  const st = b.store;

  // Exports: a function's one export name goes to the export section (as export_name does);
  // a symbol exported under its own name gets WASM_SYM_EXPORTED; any other name becomes a
  // hidden alias symbol of that name with WASM_SYM_EXPORTED (the linker exports it).
  const checkExports = (s: number): string[] => {
    const names = b.exportsOf[s];
    if (!names) return [];
    if (s < FIRST_USER) throw new BuilderError(`toObject: ${b.desc(s)} is defined by the linker; its export cannot be expressed in an object (use --export)`);
    if (b.kind[s] === K_FUNC && imported.includes(s)) throw new BuilderError(`toObject: ${b.desc(s)} is imported; an object cannot re-export it`);
    return [...names].sort();
  };

  const useSP = b.refCount[SYM_STACK_POINTER] > 0;
  let anyTypeRef = false;
  for (let t = 0; t < b.typeKeys.length; t++) if (b.typeRefs[t] > 0) anyTypeRef = true;
  const useTable = b.refCount[SYM_TABLE] > 0 || anyTypeRef;
  const addrType = is64 ? W.TYPE_I64 : W.TYPE_I32;

  // Index spaces of the object.
  const objFunc = new Int32Array(n).fill(-1);
  imported.forEach((f, i) => (objFunc[f] = i));
  defined.forEach((f, i) => (objFunc[f] = imported.length + i));
  const objGlobal = new Int32Array(n).fill(-1);
  let ng = 0;
  if (useSP) objGlobal[SYM_STACK_POINTER] = ng++;
  const globals: number[] = [];
  for (let s = FIRST_USER; s < n; s++)
    if (b.state[s] === S_LIVE && b.kind[s] === K_GLOBAL) {
      globals.push(s);
      objGlobal[s] = ng++;
    }

  // Data: one segment per atom, in id order, laid out from 0.
  const dataAtoms: number[] = [];
  for (let s = FIRST_USER; s < n; s++) if (b.state[s] === S_LIVE && b.kind[s] === K_DATA) dataAtoms.push(s);
  const va = new Float64Array(dataAtoms.length);
  let vaEnd = 0;
  dataAtoms.forEach((d, i) => {
    vaEnd = E.alignUp(vaEnd, b.align[d]);
    va[i] = vaEnd;
    vaEnd += st.len[d];
  });

  // Symbol table.
  const syms: ObjSymbol[] = [];
  const objSym = new Int32Array(n).fill(-1);
  const add = (s: number, sym: ObjSymbol) => {
    if (s >= 0) objSym[s] = syms.length;
    syms.push(sym);
  };
  const exportedFuncs: number[] = [];
  const aliases: { of: number; name: string }[] = [];
  /** Flags of a defined symbol: EXPORTED under its own name, aliases for other names. */
  const exportFlags = (s: number): number => {
    const names = checkExports(s);
    if (b.kind[s] === K_FUNC && names.length === 1) {
      exportedFuncs.push(s);
      return W.SYM_EXPORTED;
    }
    for (const e of names) if (e !== b.names[s]) aliases.push({ of: s, name: e });
    return names.includes(b.names[s]) ? W.SYM_EXPORTED : 0;
  };
  for (const f of imported) {
    checkExports(f);
    const explicit = (b.flags[f] & F_EXPLICIT_IMPORT) !== 0 || b.importModule[f] !== 'env';
    add(f, {
      kind: W.SYMTAB_FUNCTION,
      flags: W.SYM_UNDEFINED | (explicit ? W.SYM_EXPLICIT_NAME : 0),
      index: objFunc[f],
      name: explicit ? b.names[f] : undefined,
    });
  }
  for (const f of defined) add(f, { kind: W.SYMTAB_FUNCTION, flags: exportFlags(f), index: objFunc[f], name: b.names[f] });
  dataAtoms.forEach((d, i) => {
    const flags = (b.flags[d] & F_LOCAL ? W.SYM_BINDING_LOCAL : 0) | exportFlags(d);
    add(d, { kind: W.SYMTAB_DATA, flags, index: i, name: b.names[d], segment: i, size: st.len[d] });
  });
  for (const s of [SYM_HEAP_BASE, SYM_DATA_END]) if (b.refCount[s] > 0) add(s, { kind: W.SYMTAB_DATA, flags: W.SYM_UNDEFINED, index: 0, name: b.names[s] });
  checkExports(SYM_STACK_POINTER);
  if (useSP) add(SYM_STACK_POINTER, { kind: W.SYMTAB_GLOBAL, flags: W.SYM_UNDEFINED, index: objGlobal[SYM_STACK_POINTER] });
  for (const g of globals) add(g, { kind: W.SYMTAB_GLOBAL, flags: exportFlags(g), index: objGlobal[g], name: b.names[g] });
  if (useTable) add(SYM_TABLE, { kind: W.SYMTAB_TABLE, flags: W.SYM_UNDEFINED | W.SYM_NO_STRIP, index: 0 });
  const taken = new Set<string>();
  for (const x of syms) if (x.name !== undefined && !(x.flags & W.SYM_BINDING_LOCAL)) taken.add(x.name);
  for (const f of imported) if (!(b.flags[f] & F_EXPLICIT_IMPORT) && b.importModule[f] === 'env') taken.add(b.importName[f]!);
  for (const a of aliases) {
    if (taken.has(a.name))
      throw new BuilderError(`toObject: ${b.desc(a.of)} is exported as '${a.name}', which the object needs as an alias symbol, but that name is taken by another symbol`);
    taken.add(a.name);
    const t = syms[objSym[a.of]];
    syms.push({ ...t, name: a.name, flags: W.SYM_EXPORTED | W.SYM_VISIBILITY_HIDDEN });
  }

  // Relocation values as the object's own indices (the linker overwrites them).
  const symValue = new Float64Array(n * P.SLOTS);
  const symMode = new Uint8Array(n * P.SLOTS).fill(P.MODE_ZERO);
  const set = (s: number, slot: number, v: number) => {
    symValue[s * P.SLOTS + slot] = v;
    symMode[s * P.SLOTS + slot] = P.MODE_VALUE;
  };
  for (let s = 0; s < n; s++) if (objFunc[s] >= 0) set(s, P.SLOT_PRIMARY, objFunc[s]);
  dataAtoms.forEach((d, i) => set(d, P.SLOT_PRIMARY, va[i]));
  for (let s = 0; s < n; s++) if (objGlobal[s] >= 0) set(s, P.SLOT_GLOBAL, objGlobal[s]);
  set(SYM_TABLE, P.SLOT_PRIMARY, 0);
  const file = st.planFile(symValue, symMode, typeMap);

  const A = new Assembler((defined.length + dataAtoms.length) * 2 + 32, 4096 + (defined.length + dataAtoms.length) * 24);
  const arena = A.addBuffer(st.bytes);
  const emitAtom = (s: number) => A.ref(arena, st.off[s], st.len[s], st.relStart[s], st.relStart[s] + st.relCount[s]);
  const w = A.syn;
  const sec = new ByteWriter(1024);
  let sectionCount = 0;
  const emit = (id: number) => {
    E.section(w, id, sec.finish());
    sec.pos = 0;
    sectionCount++;
  };
  w.bytes(MAGIC);
  if (typeOrder.length) {
    sec.uleb(typeOrder.length);
    for (const t of typeOrder) sec.bytes(b.typeEnc[t]);
    emit(W.SEC_TYPE);
  }
  {
    sec.uleb(1 + imported.length + (useSP ? 1 : 0) + (useTable ? 1 : 0));
    sec.str('env').str('__linear_memory').u8(W.EXTERNAL_MEMORY);
    E.limits(sec, Math.ceil(vaEnd / E.PAGE_SIZE), undefined, is64);
    for (const f of imported) sec.str(b.importModule[f]!).str(b.importName[f]!).u8(W.EXTERNAL_FUNCTION).uleb(typeMap[b.sig[f]]);
    if (useSP) sec.str('env').str('__stack_pointer').u8(W.EXTERNAL_GLOBAL).u8(addrType).u8(1);
    if (useTable) {
      sec.str('env').str('__indirect_function_table').u8(W.EXTERNAL_TABLE).u8(W.TYPE_FUNCREF);
      E.limits(sec, 0, undefined, false);
    }
    emit(W.SEC_IMPORT);
  }
  if (defined.length) {
    sec.uleb(defined.length);
    for (const f of defined) sec.uleb(typeMap[b.sig[f]]);
    emit(W.SEC_FUNCTION);
  }
  if (globals.length) {
    sec.uleb(globals.length);
    for (const g of globals) {
      sec.u8(b.globalType[g]).u8(b.globalMut[g]);
      E.constExpr(sec, b.globalType[g], b.globalInit[g]);
    }
    emit(W.SEC_GLOBAL);
  }
  if (exportedFuncs.length) {
    sec.uleb(exportedFuncs.length);
    for (const f of exportedFuncs) sec.str(b.exportsOf[f]![0]!).u8(W.EXTERNAL_FUNCTION).uleb(objFunc[f]);
    emit(W.SEC_EXPORT);
  }

  // Relocation entries: [type, offset in section payload, index, addend].
  const codeRelocs = new ByteWriter(256);
  const dataRelocs = new ByteWriter(256);
  let ncode = 0;
  let ndata = 0;
  const addRelocs = (rw: ByteWriter, a: number, base: number): number => {
    const from = st.relStart[a];
    const n = st.relCount[a];
    for (let i = from; i < from + n; i++) {
      const t = st.rType[i];
      const index = t === W.R_TYPE_INDEX_LEB ? typeMap[st.rTarget[i]] : objSym[st.rTarget[i]];
      if (index < 0) throw new BuilderError(`toObject: relocation target ${st.rTarget[i]} of ${b.desc(a)} has no symbol`);
      rw.uleb(t).uleb(base + st.rOffset[i]).uleb(index);
      if (W.relocHasAddend(t)) rw.sleb(st.rAddend[i]);
    }
    return n;
  };

  let codeIndex = -1;
  if (defined.length) {
    let payload = ulebSize(defined.length);
    for (const f of defined) payload += ulebSize(st.len[f]) + st.len[f];
    w.u8(W.SEC_CODE).uleb(payload);
    A.sync();
    const payloadStart = A.pos;
    w.uleb(defined.length);
    for (const f of defined) {
      w.uleb(st.len[f]);
      A.sync();
      ncode += addRelocs(codeRelocs, f, A.pos - payloadStart);
      emitAtom(f);
    }
    codeIndex = sectionCount++;
  }
  let dataIndex = -1;
  if (dataAtoms.length) {
    let payload = ulebSize(dataAtoms.length);
    dataAtoms.forEach((d, i) => (payload += 1 + E.addrExprSize(va[i], is64) + ulebSize(st.len[d]) + st.len[d]));
    w.u8(W.SEC_DATA).uleb(payload);
    A.sync();
    const payloadStart = A.pos;
    w.uleb(dataAtoms.length);
    dataAtoms.forEach((d, i) => {
      w.u8(0);
      E.addrExpr(w, va[i], is64);
      w.uleb(st.len[d]);
      A.sync();
      ndata += addRelocs(dataRelocs, d, A.pos - payloadStart);
      emitAtom(d);
    });
    dataIndex = sectionCount++;
  }

  // linking
  {
    const lw = new ByteWriter(1024);
    lw.str('linking').uleb(2);
    const sub = new ByteWriter(1024);
    sub.uleb(syms.length);
    for (const s of syms) {
      sub.u8(s.kind).uleb(s.flags);
      if (s.kind === W.SYMTAB_DATA) {
        sub.str(s.name!);
        if (!(s.flags & W.SYM_UNDEFINED)) sub.uleb(s.segment!).uleb(0).uleb(s.size!);
      } else {
        sub.uleb(s.index);
        if (s.name !== undefined) sub.str(s.name);
      }
    }
    lw.u8(W.LINK_SYMBOL_TABLE).uleb(sub.pos).bytes(sub.finish());
    if (dataAtoms.length) {
      sub.pos = 0;
      sub.uleb(dataAtoms.length);
      for (const d of dataAtoms) sub.str(segmentName(b.sectionNames[b.section[d]], b.names[d])).uleb(Math.log2(b.align[d])).uleb(0);
      lw.u8(W.LINK_SEGMENT_INFO).uleb(sub.pos).bytes(sub.finish());
    }
    E.section(w, W.SEC_CUSTOM, lw.finish());
    sectionCount++;
  }
  const relocSection = (name: string, target: number, count: number, entries: ByteWriter) => {
    const rw = new ByteWriter(entries.pos + 32);
    rw.str(name).uleb(target).uleb(count).bytes(entries.finish());
    E.section(w, W.SEC_CUSTOM, rw.finish());
    sectionCount++;
  };
  if (ncode) relocSection('reloc.CODE', codeIndex, ncode, codeRelocs);
  if (ndata) relocSection('reloc.DATA', dataIndex, ndata, dataRelocs);
  const features = new Set<string>();
  for (const f of opts.features ?? []) {
    if (typeof f !== 'string' || f === '') throw new BuilderError('toObject: features must be non-empty strings');
    features.add(f);
  }
  if (is64) features.add('memory64');
  for (let s = 0; s < n; s++) if (b.state[s] === S_LIVE && b.kind[s] === K_GLOBAL && b.globalMut[s] && b.exportsOf[s]) features.add('mutable-globals');
  if (features.size) {
    const fw = new ByteWriter(64);
    fw.str('target_features').uleb(features.size);
    for (const f of [...features].sort()) fw.u8(0x2b).str(f);
    E.section(w, W.SEC_CUSTOM, fw.finish());
  }
  return selectBackend().execute(A.finish(file));
}
