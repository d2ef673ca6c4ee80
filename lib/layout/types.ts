// The layout stage's result: every output section, in order, with its header and either
// synthesized bytes or the input chunks that fill it. The plan stage turns this into a WritePlan.

import type { InputChunk, OutputSegment } from '../resolve/model.js';

export type OutSection =
  /** Synthesized section: `body` is everything after the size (custom: includes the name). */
  | { kind: 'bytes'; id: number; name: string; body: Uint8Array; offset: number; header: Uint8Array }
  /** CODE: the function count, then each function verbatim with its relocations patched. */
  | { kind: 'code'; id: number; name: string; functions: InputChunk[]; prefix: Uint8Array; bodySize: number; offset: number; header: Uint8Array }
  /** DATA: the segment count, then per segment a header and its input segments. */
  | {
      kind: 'data';
      id: number;
      name: string;
      segments: OutputSegment[];
      segmentHeaders: Uint8Array[];
      /** Offset of each segment's header from the start of the section contents. */
      segmentOffsets: number[];
      prefix: Uint8Array;
      bodySize: number;
      offset: number;
      header: Uint8Array;
    }
  /** A custom section concatenated from inputs: the name, then the chunks at their outSecOff. */
  | { kind: 'custom'; id: number; name: string; chunks: InputChunk[]; prefix: Uint8Array; bodySize: number; offset: number; header: Uint8Array };

export interface Layout {
  sections: OutSection[];
  fileSize: number;
  tableBase: number;
}
