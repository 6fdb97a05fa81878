/**
 * ASHA vs the full grid, side by side in one run: the seed study's search space (24 configurations: regularizer
 * with its dropout rates × depth × optimizer) × seeds on Fashion-MNIST subsets, launched twice through the real
 * CLI on one nats-server: once with `scheduler: none`, once with ASHA. Prints one summary line and writes
 * bench/results/asha-<date>.json.
 *
 *   npx tsx bench/asha-vs-grid.ts [--epochs 6] [--train 500] [--validation 500] [--seeds 3] [--workers 2] [--grace 1] [--eta 3]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmbeddedServer } from '../src/transport/embedded-server.js';
import { connectBroker } from '../src/transport/connection.js';
import { TrialStore } from '../src/transport/trial-store.js';
import type { Leaderboard } from '../src/report/index.js';
import { exitIfMissing, natsServerProblem } from './peers.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '6' },
    train: { type: 'string', default: '500' },
    validation: { type: 'string', default: '500' },
    seeds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    grace: { type: 'string', default: '1' },
    eta: { type: 'string', default: '3' },
  },
});
exitIfMissing(natsServerProblem('bench:asha'));
const seeds = Array.from({ length: Number(args.seeds) }, (_, i) => i + 1);

function spec(name: string, scheduler: string): string {
  return `name: ${name}
model: vgg
dataset:
  name: fashion-mnist
  validation: test
  subset: { train: ${args.train}, validation: ${args.validation} }
parameters:
  regularizer: { values: [batchnorm, batchnorm-every-conv, dropout, none] }
  dropout_rate: { values: [0.2, 0.3, 0.5], when: { regularizer: dropout } }
  depth: { values: [2, 3] }
  optimizer: { values: [sgd, adam] }
  learning_rate: 0.001
  batch_size: 64
seeds: [${seeds.join(', ')}]
training:
  epochs: ${args.epochs}
  reduce_lr_on_plateau: { monitor: val_loss, factor: 0.5, patience: 3, min_lr: 1.0e-5 }
  early_stopping: { monitor: val_loss, patience: 5, restore_best_weights: true }
objective: { metric: val_accuracy, goal: max }
scheduler: ${scheduler}
execution: { max_deliver: 3, ack_wait_s: 30 }
`;
}

interface Run {
  name: string;
  wallSeconds: number;
  epochs: number;
  statuses: Record<string, number>;
  leaderboard: Leaderboard;
}

function launch(specFile: string, url: string, stateDir: string): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sweep.js', 'launch', specFile, '--nats', url, '--workers', String(args.workers), '--json', '--state-dir', stateDir], {
      env: { ...process.env, SWEEP_FROM_SOURCE: '1', SWEEP_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ seconds: (performance.now() - started) / 1000, stdout }) : reject(new Error(`sweep launch ${specFile} exited ${code}`))));
  });
}

async function run(name: string, scheduler: string, url: string, dir: string): Promise<Run> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, spec(name, scheduler));
  const { seconds, stdout } = await launch(file, url, join(dir, '.sweep'));
  const nc = await connectBroker({ url }, 'bench-asha');
  const records = [...(await (await TrialStore.open(nc)).snapshot(name)).values()];
  await nc.close();
  const statuses: Record<string, number> = {};
  for (const r of records) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return { name, wallSeconds: seconds, epochs: records.reduce((s, r) => s + r.epochs.length, 0), statuses, leaderboard: JSON.parse(stdout) as Leaderboard };
}

const dir = mkdtempSync(join(os.tmpdir(), 'bench-asha-'));
const server = await startEmbeddedServer({ storeDir: join(dir, 'nats') });
const loadStart = os.loadavg();
try {
  const grid = await run('grid', 'none', server.url, dir);
  const asha = await run('asha', `{ type: asha, grace_epochs: ${args.grace}, reduction_factor: ${args.eta} }`, server.url, dir);
  const gridGroups = grid.leaderboard.groups;
  const bestGrid = gridGroups[0]!;
  const bestAsha = asha.leaderboard.groups[0]!;
  const ashaBestInGrid = gridGroups.find((g) => g.key === bestAsha.key)!;
  const ci = bestGrid.objective.ci95;
  // The grid-best group is in its own interval; any other needs n ≥ 2 seeds for an interval to exist.
  const bestInCi = bestAsha.key === bestGrid.key || (ci !== null && ashaBestInGrid.objective.mean >= ci[0] && ashaBestInGrid.objective.mean <= ci[1]);
  const epochRatio = asha.epochs / grid.epochs;
  const wallRatio = asha.wallSeconds / grid.wallSeconds;
  const line =
    `ASHA VS GRID: groups=${gridGroups.length} epochs_grid=${grid.epochs} epochs_asha=${asha.epochs} epoch_ratio=${epochRatio.toFixed(3)} ` +
    `wall_ratio=${wallRatio.toFixed(3)} best_grid=${bestGrid.key} best_asha=${bestAsha.key} best_in_ci=${bestInCi ? 'yes' : 'no'}`;
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadavg_start: loadStart, loadavg_end: os.loadavg(), node: process.version },
    settings: args,
    line,
    targets: { epoch_ratio_at_most_0_40: epochRatio <= 0.4, best_asha_in_grid_top3: ashaBestInGrid.rank <= 3, best_in_ci: bestInCi },
    best_asha_rank_in_grid: ashaBestInGrid.rank,
    grid_top3: gridGroups.slice(0, 3).map((g) => ({ key: g.key, mean: g.objective.mean, ci95: g.objective.ci95 })),
    asha_top3: asha.leaderboard.groups.slice(0, 3).map((g) => ({ key: g.key, mean: g.objective.mean, ci95: g.objective.ci95, grid_mean: gridGroups.find((x) => x.key === g.key)?.objective.mean })),
    runs: [grid, asha].map((r) => ({ name: r.name, wall_seconds: r.wallSeconds, epochs: r.epochs, statuses: r.statuses, earlyTermination: r.leaderboard.earlyTermination, pruned_groups: r.leaderboard.pruned.map((p) => ({ key: p.key, rung: p.rung })) })),
  };
  mkdirSync('bench/results', { recursive: true });
  const out = `bench/results/asha-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(line);
  console.log(`grid top 3: ${result.grid_top3.map((g) => `${g.key} ${g.mean.toFixed(4)}`).join(' | ')}`);
  console.log(`asha best's grid rank: ${ashaBestInGrid.rank}; wall ${grid.wallSeconds.toFixed(0)} s (grid) vs ${asha.wallSeconds.toFixed(0)} s (asha); written ${out}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
