#!/usr/bin/env node
// Bundles the command line's module graph (dist/cli.js and what it imports) into one CommonJS
// file, dist/bundle/cli.cjs, which bin/weld.js compiles with a V8 code cache. Loading ~40 ES
// modules cost a cold `weld` ~35 ms before it read its first input; the bundle with its cache
// costs ~10. dist/bundle/meta.json names the bundle's content hash: code caches are keyed by it.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle', 'cli.cjs');
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(root, 'dist', 'cli.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: out,
  logLevel: 'error',
  // The modules find the package root (prebuilds, node-gyp-build) from their own URL; the bundle
  // sits two levels below the root, as dist/backend/native.js does.
  define: { 'import.meta.url': '__weld_import_meta_url' },
  banner: { js: "const __weld_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
});
const hash = createHash('sha1').update(readFileSync(out)).digest('hex');
writeFileSync(join(dirname(out), 'meta.json'), JSON.stringify({ hash }) + '\n');
