// --build-id (lld Writer::writeBuildId): the `build_id` section is the output's last section and
// its last `size` bytes are a placeholder (spaces) until the whole module is written; then the id
// is computed over the module as written, placeholder included, and put in its place.

import { createHash, randomBytes } from 'node:crypto';
import type { BuildId } from '../options/index.js';
import { xxh3_64 } from '../util/stringmap.js';

const CHUNK = 1024 * 1024;

/** lld computeHash: the hash of the concatenated hashes of the 1 MiB pieces of `data`. */
function treeHash(data: Uint8Array, hash: (piece: Uint8Array) => Uint8Array, size: number): Uint8Array {
  const pieces = Math.ceil(data.length / CHUNK);
  const all = new Uint8Array(pieces * size);
  for (let i = 0; i < pieces; i++) all.set(hash(data.subarray(i * CHUNK, Math.min(data.length, (i + 1) * CHUNK))), i * size);
  return hash(all);
}

function xxh3le(piece: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, xxh3_64(piece), true);
  return out;
}

function sha1(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

// lld makeUUID's namespace for version-5 ids.
const NAMESPACE = Uint8Array.from([0xa1, 0xfa, 0x48, 0x2d, 0x0e, 0x22, 0x03, 0x8d, 0x33, 0x8b, 0x52, 0x1c, 0xd6, 0xd2, 0x12, 0xb2]);

/** lld makeUUID: version 5 from the file hash, or version 4 (random). */
function uuid(version: 4 | 5, fileHash: Uint8Array): Uint8Array {
  const out = version === 5 ? sha1(NAMESPACE, fileHash).slice(0, 16) : new Uint8Array(randomBytes(16));
  out[6] = (version << 4) | (out[6] & 0xf);
  out[8] = (out[8] & 0xbf) | 0x80;
  return out;
}

/** Fills in the build id of a module written with `id` (its placeholder is the last bytes). */
export function fillBuildId(id: BuildId, module: Uint8Array): void {
  if (id.kind === 'none' || id.kind === 'hex') return;
  let value: Uint8Array;
  if (id.kind === 'fast') value = uuid(5, treeHash(module, xxh3le, 8));
  else if (id.kind === 'sha1') value = treeHash(module, (p) => sha1(p), 20);
  else value = uuid(4, new Uint8Array(0));
  module.set(value, module.length - id.size);
}
