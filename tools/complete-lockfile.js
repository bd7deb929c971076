#!/usr/bin/env node
// The registry this project installs from serves only the platform packages of
// its own machines (linux x64), so `npm install` cannot record the other
// platforms' optional binaries (@swc/core-darwin-arm64, @nx/nx-win32-…) in
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This
// adds those entries, marked optional with their os/cpu, so `npm ci` skips them
// on other platforms exactly as it would with a complete lock. Run it after any
// `npm install` that rewrites the lock: `node tools/complete-lockfile.js`.
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const OS = ['darwin', 'win32', 'linux', 'freebsd', 'android', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('gnueabihf') || parts.includes('musleabihf') ? 'arm' : undefined);
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : parts.some((p) => p.startsWith('gnu')) ? 'glibc' : undefined;
  return { os, cpu, libc };
}

function resolves(fromKey, name) {
  // Node's lookup: nested node_modules first, then each ancestor's.
  let base = fromKey;
  for (;;) {
    if (lock.packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    const at = base.lastIndexOf('/node_modules/');
    if (base === '') return false;
    base = at === -1 ? '' : base.slice(0, at);
  }
}

let added = 0;
for (const [key, entry] of Object.entries({ ...lock.packages })) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolves(key, name)) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os && !cpu) continue;
    const target = `${key ? `${key}/` : ''}node_modules/${name}`;
    lock.packages[target] = {
      version: version.replace(/^[\^~=]/, ''),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(entry.dev ? { dev: true } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
    };
    added += 1;
  }
}
// In npm's own order (it sorts the keys with localeCompare in 'en'), so an unchanged lockfile is written back unchanged.
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))),
);
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`added ${added} foreign-platform optional entries to package-lock.json\n`);
