/**
 * The chaos test, N times under CPU load: each run has worker kills, worker stops past the lease, a broker crash
 * and a coordinator crash, beside CHAOS_HOGS busy-loop processes. Prints one line for BENCHMARKS.md and writes
 * bench/results/chaos-<date>.json with every run's summary.
 *
 *   npx tsx bench/chaos-under-load.ts [--runs 10] [--hogs 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { exitIfMissing, natsServerProblem } from './peers.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '10' }, hogs: { type: 'string', default: '2' } } });
// The chaos test runs real nats-servers (and kills them).
exitIfMissing(natsServerProblem('bench:chaos'));
const runs = Number(args.runs);
const hogs = Number(args.hogs);

interface Run {
  seed: number;
  passed: boolean;
  seconds: number;
  summary: Record<string, string> | null;
}

const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const seed = 7 + i;
  const started = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/integration/chaos.test.ts'], {
    env: { ...process.env, CHAOS_HOGS: String(hogs), CHAOS_SEED: String(seed), SWEEP_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = `${res.stdout}\n${res.stderr}`;
  const line = out.split('\n').find((l) => l.includes('CHAOS SUMMARY:'));
  const summary = line ? Object.fromEntries([...line.matchAll(/(\w+)=([\w./]+)/g)].map((m) => [m[1]!, m[2]!])) : null;
  const run: Run = { seed, passed: res.status === 0, seconds: (Date.now() - started) / 1000, summary };
  results.push(run);
  console.error(`run ${i + 1}/${runs} seed ${seed}: ${run.passed ? 'passed' : 'FAILED'} in ${run.seconds.toFixed(0)} s ${line?.trim() ?? ''}`);
  if (!run.passed) console.error(out.split('\n').filter((l) => /✖|Error|assert/i.test(l)).slice(0, 20).join('\n'));
}

const sum = (key: string) => results.reduce((n, r) => n + Number(r.summary?.[key] ?? 0), 0);
const line =
  `CHAOS UNDER LOAD: runs=${runs} hogs=${hogs} failures=${results.filter((r) => !r.passed).length} worker_kills=${sum('worker_kills')} ` +
  `stops=${sum('stops')} broker_restarts=${sum('broker_restarts')} epochs_lost=${sum('epochs_lost')} duplicates=${sum('duplicates')}`;
console.log(line);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/chaos-${new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, runs, hogs, line, results }, null, 2));
console.error(`wrote ${file}`);
