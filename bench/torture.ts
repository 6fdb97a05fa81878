/**
 * The fault campaign: N seeded torture runs (test/helpers/torture/), each a fresh nats-server, worker and
 * coordinator processes, and a drawn sequence of operations and faults, then the invariants. Prints one line for
 * BENCHMARKS.md and writes bench/results/torture-<date>.json with every run. A violation prints its seed and its
 * ops; `--seed N` replays that run (the ops and their order; the timing of real processes varies).
 *
 *   npm run bench:torture -- [--runs 50] [--first-seed 1] [--hogs 2] [--ops 8]
 *   npm run bench:torture -- --seed 17
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { exitIfMissing, natsServerProblem } from './peers.js';
import { TORTURE_DUPLICATE_WINDOW_S } from '../test/helpers/torture/cluster.js';
import type { TortureResult } from '../test/helpers/torture/run-torture.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    'first-seed': { type: 'string', default: '1' },
    seed: { type: 'string' },
    hogs: { type: 'string', default: process.env.CHAOS_HOGS ?? '2' },
    ops: { type: 'string', default: '8' },
  },
});
exitIfMissing(natsServerProblem('bench:torture'));
// Read by ensureResources in this process (the runs' brokers) as in the coordinators it starts.
process.env.SWEEP_JOBS_DUPLICATE_WINDOW_S = String(TORTURE_DUPLICATE_WINDOW_S);
const { runReference } = await import('../test/helpers/torture/reference.js');
const { runTorture } = await import('../test/helpers/torture/run-torture.js');

const hogs = Number(args.hogs);
const opCount = Number(args.ops);
const seeds = args.seed !== undefined ? [Number(args.seed)] : Array.from({ length: Number(args.runs) }, (_, i) => Number(args['first-seed']) + i);

const reference = await runReference();
console.error(`reference: ${reference.weights.size} trials without faults in ${reference.seconds.toFixed(0)} s`);
const results: TortureResult[] = [];
for (const [i, seed] of seeds.entries()) {
  const r = await runTorture(seed, { reference, hogs, opCount, log: (l) => console.error(l) });
  results.push(r);
  console.error(`run ${i + 1}/${seeds.length} seed ${seed}: ${r.violations.length === 0 ? 'passed' : `${r.violations.length} VIOLATION(S)`} in ${r.seconds.toFixed(0)} s, ops=${r.ops} faults=${r.faults} leases_lost=${r.leasesLost}`);
  if (r.violations.length > 0) {
    console.error(`  replay: npm run bench:torture -- --seed ${seed} --hogs ${hogs} --ops ${opCount}`);
    console.error(`  schedule: ${r.schedule.join(' → ')}`);
    for (const e of r.executed) console.error(`  did: ${e}`);
    for (const v of r.violations) console.error(`  VIOLATION: ${v}`);
  }
}
const sum = (f: (r: TortureResult) => number) => results.reduce((n, r) => n + f(r), 0);
const line =
  `TORTURE: runs=${results.length} hogs=${hogs} ops=${sum((r) => r.ops)} faults=${sum((r) => r.faults)} violations=${sum((r) => r.violations.length)} ` +
  `orphans=${sum((r) => r.orphans)} duplicates=${sum((r) => r.duplicates)}`;
console.log(line);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/torture-${new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, hogs, opCount, line, reference: { trials: reference.weights.size, seconds: reference.seconds }, results }, null, 2));
console.error(`wrote ${file}`);
process.exit(results.some((r) => r.violations.length > 0) ? 1 : 0);
