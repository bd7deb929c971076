#!/usr/bin/env node
// Compiles an app and the workspace libraries it may import into dist/ with
// SWC (same options as the tests), rewriting the @crm/* aliases into relative
// requires so `node dist/apps/<app>/src/main.js` runs without a loader.
const { transformFileSync } = require('@swc/core');
const fs = require('node:fs');
const path = require('node:path');
const swcOptions = require('./swc-options');
const { compilerOptions } = require('../tsconfig.base.json');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist');
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['apps', 'libs', 'projections'];

function* sources(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* sources(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

let count = 0;
const started = Date.now();
for (const dir of roots) {
  for (const file of sources(path.join(root, dir))) {
    const { code, map } = transformFileSync(file, {
      ...swcOptions,
      swcrc: false,
      sourceMaps: true,
      jsc: { ...swcOptions.jsc, baseUrl: root, paths: compilerOptions.paths },
    });
    const target = path.join(outDir, path.relative(root, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) fs.writeFileSync(`${target}.map`, map);
    count += 1;
  }
}
process.stdout.write(`built ${count} files into dist/ in ${Date.now() - started} ms\n`);
