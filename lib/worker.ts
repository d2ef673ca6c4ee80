// A link worker: runs Linker.linkSync on its own thread with its own input cache, so that
// concurrent async links use more than one core.

import { parentPort, workerData } from 'node:worker_threads';
import { LinkError } from './diag.js';
import { Linker } from './linker.js';

export interface WorkRequest {
  id: number;
  argv: string[];
  cwd: string;
  files?: Record<string, Uint8Array>;
}

/** Linker.clearCache: the worker drops its cache before its next link. */
export interface ClearRequest {
  clear: true;
}

/** Every reply tells how many bytes the worker's input cache holds (for Linker.cacheBytes). */
export type WorkReply = { cacheBytes: number } & (
  | { id: number; ok: true; bytes: Uint8Array; warnings: string[]; stdout: string[]; cached: boolean }
  | { id: number; ok: false; linkError: true; diagnostics: LinkError['diagnostics'] }
  | { id: number; ok: false; linkError: false; message: string }
);

const linker = new Linker(workerData as { maxCacheBytes?: number; cacheDir?: string });

parentPort!.on('message', (req: WorkRequest | ClearRequest) => {
  if ('clear' in req) {
    linker.clearCache();
    return;
  }
  let reply: WorkReply;
  try {
    const r = linker.linkSync(req.argv, { cwd: req.cwd, files: req.files });
    reply = { id: req.id, ok: true, bytes: r.bytes, warnings: r.warnings, stdout: r.stdout, cached: !!r.cached, cacheBytes: linker.cacheBytes };
    // Hand the output over without a copy when it owns its whole buffer.
    const own = r.bytes.byteOffset === 0 && r.bytes.byteLength === r.bytes.buffer.byteLength && !(r.bytes.buffer instanceof SharedArrayBuffer);
    parentPort!.postMessage(reply, own ? [r.bytes.buffer as ArrayBuffer] : []);
    return;
  } catch (e) {
    reply =
      e instanceof LinkError
        ? { id: req.id, ok: false, linkError: true, diagnostics: e.diagnostics, cacheBytes: linker.cacheBytes }
        : { id: req.id, ok: false, linkError: false, message: String((e as Error)?.stack ?? e), cacheBytes: linker.cacheBytes };
  }
  parentPort!.postMessage(reply);
});
