#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx.
// Usage: node scripts/run-tests.mjs [unit|integration|e2e|path...]
// Each file (and each test in it) fails once it runs longer than SWEEP_TEST_TIMEOUT_MS, so that a hang names its
// file instead of stalling the run. The default is twice the slowest file: chaos.test.ts takes ~10 min on 2 cores.
// The runner ends a timed-out file with SIGTERM; the server helpers (test/helpers/nats-*.ts) kill their servers then.
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
const DEFAULT_TIMEOUT_MS = 20 * 60_000;

function fileTimeoutMs() {
  const raw = process.env.SWEEP_TEST_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!(Number.isInteger(ms) && ms > 0)) {
    console.error(`SWEEP_TEST_TIMEOUT_MS must be a whole number of milliseconds > 0, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return ms;
}

const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', `--test-timeout=${fileTimeoutMs()}`, ...files],
  { stdio: 'inherit', env: { ...process.env, SWEEP_LOG_LEVEL: process.env.SWEEP_LOG_LEVEL ?? 'warn' } },
);
process.exit(res.status ?? 1);
