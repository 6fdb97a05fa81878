#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx.
// Usage: node scripts/run-tests.mjs [unit|integration|e2e|path...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = args.length ? args.map((a) => (a.endsWith('.ts') ? a : join('test', a))) : ['test'];
const files = roots.flatMap((r) => (r.endsWith('.ts') ? [r] : collect(r))).sort();
if (files.length === 0) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, SWEEP_LOG_LEVEL: process.env.SWEEP_LOG_LEVEL ?? 'warn' } },
);
process.exit(res.status ?? 1);
