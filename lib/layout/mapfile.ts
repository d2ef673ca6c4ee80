// --Map / --print-map, in lld's MapFile.cpp format. Like lld, chunk offsets are the section's
// file offset plus the chunk's offset in the section contents (the section header is not
// counted): kept as is so the maps compare equal.

import type { Context } from '../resolve/context.js';
import { DefinedData, DefinedFunction, SectionKind, fileName, type InputChunk, type InputElement, type OutputSegment, type Symbol } from '../resolve/model.js';
import { demangleName } from '../resolve/names.js';
import { makeLocals } from '../resolve/file.js';
import { SECTION_NAMES } from '../input/wasm.js';
import type { Layout } from './types.js';

function hex8(v: number): string {
  return v.toString(16).padStart(8, ' ');
}

function header(vma: number, lma: number, size: number): string {
  return vma < 0 ? `       - ${hex8(lma)} ${hex8(size)} ` : `${hex8(vma)} ${hex8(lma)} ${hex8(size)} `;
}

/** `fnPos`: where --compress-relocations moved each function (offset in the code contents, size). */
export function mapFileText(
  ctx: Context,
  layout: Layout,
  segments: OutputSegment[],
  inputGlobals: InputElement[],
  fnPos?: Map<InputChunk, { outSecOff: number; size: number }>,
): string {
  // Symbols defined by each chunk, in file order.
  const byChunk = new Map<InputChunk, Symbol[]>();
  for (const file of ctx.objectFiles) {
    makeLocals(file);
    for (const s of file.symbols) {
      if (!s || s.kind === SectionKind || !s.isLive() || s.file !== file) continue;
      const c = s.getChunk();
      if (!c) continue;
      let list = byChunk.get(c);
      if (!list) byChunk.set(c, (list = []));
      list.push(s);
    }
  }
  const lines = ['    Addr      Off     Size Out     In      Symbol'];
  const symLine = (s: Symbol, sectionOffset: number) => {
    const c = s.getChunk()!;
    const moved = fnPos?.get(c);
    let off = sectionOffset + (moved ? moved.outSecOff : c.outSecOff);
    let vma = -1;
    let size = 0;
    if (s.kind === DefinedData) {
      vma = s.getVA();
      size = s.size;
      off += s.value;
    } else if (s.kind === DefinedFunction) size = moved ? moved.size : c.size;
    lines.push(header(vma, off, size) + ' '.repeat(16) + demangleName(ctx, s.name));
  };
  for (const sec of layout.sections) {
    const size = sec.header.length + (sec.kind === 'bytes' ? sec.body.length : sec.bodySize);
    const name = sec.id === 0 ? `CUSTOM(${sec.name})` : SECTION_NAMES[sec.id];
    lines.push(header(-1, sec.offset, size) + name);
    if (sec.kind === 'code') {
      for (const fn of sec.functions) {
        const moved = fnPos?.get(fn);
        lines.push(header(-1, sec.offset + (moved ? moved.outSecOff : fn.outSecOff), moved ? moved.size : fn.size) + ' '.repeat(8) + `${fileName(fn.file)}:(${fn.name})`);
        for (const s of byChunk.get(fn) ?? []) symLine(s, sec.offset);
      }
    } else if (sec.kind === 'data') {
      // Every output segment, as lld lists them; BSS left out of the binary shows offset 0.
      for (const seg of segments) {
        const i = sec.segments.indexOf(seg);
        lines.push(header(seg.startVA, sec.offset + (i >= 0 ? sec.segmentOffsets[i] : 0), seg.size) + seg.name);
        for (const c of seg.inputSegments) {
          lines.push(header(c.va(0), i >= 0 ? sec.offset + c.outSecOff : 0, c.size) + ' '.repeat(8) + `${fileName(c.file)}:(${c.name})`);
          for (const s of byChunk.get(c) ?? []) symLine(s, i >= 0 ? sec.offset : -c.outSecOff);
        }
      }
    } else if (sec.id === 6) {
      for (const g of inputGlobals) lines.push(header(g.assignedIndex, 0, 0) + ' '.repeat(8) + g.name);
    }
  }
  return lines.join('\n') + '\n';
}
