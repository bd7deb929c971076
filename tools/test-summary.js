#!/usr/bin/env node
// One closing line for the whole suite: "N passed, N failed, N skipped".
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'tmp', 'test-results');
const files = fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
const timed = [];
const failures = [];
for (const file of files.sort()) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  const took = r.seconds === undefined ? '' : ` in ${Math.round(r.seconds)} s`;
  process.stdout.write(`  ${r.project.padEnd(32)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${took}\n`);
  timed.push(...(r.files ?? []));
  failures.push(...(r.failures ?? []));
  for (const reason of r.skippedSuites) process.stdout.write(`    skipped suite: ${reason}\n`);
}
if (files.length === 0) {
  process.stdout.write('no test results found\n');
  process.exit(1);
}
if (timed.length > 0) {
  // The suite must stay well under 15 minutes on two cores: the slowest files are where to look first.
  process.stdout.write('\nSlowest spec files:\n');
  for (const f of timed.sort((a, b) => b.seconds - a.seconds).slice(0, 12)) {
    process.stdout.write(`  ${f.seconds.toFixed(1).padStart(6)} s  ${f.path}\n`);
  }
}
if (failures.length > 0) {
  process.stdout.write('\nFailed:\n');
  for (const f of failures) {
    process.stdout.write(`  ${f.path}: ${f.title}\n`);
    for (const line of f.message.split('\n')) process.stdout.write(`      ${line}\n`);
  }
}
const validatedDir = path.join(__dirname, '..', 'tmp', 'openapi-validated');
if (fs.existsSync(validatedDir)) {
  let replies = 0;
  for (const file of fs.readdirSync(validatedDir, { recursive: true }).filter((f) => String(f).endsWith('.txt'))) {
    for (const line of fs.readFileSync(path.join(validatedDir, String(file)), 'utf8').split('\n'))
      replies += Number(line.split(' ')[0]) || 0;
  }
  process.stdout.write(`\nOpenAPI: ${replies} e2e replies validated against the published document\n`);
}
process.stdout.write(`\nTotal: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
