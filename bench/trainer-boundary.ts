/**
 * Training throughput through the trainer process boundary: the four VGG seed models (depth 2, 32×32×3,
 * 10 classes, batch 64, Adam, lr 1e-3) each train the same TrialConfig (from the spec layer, synthetic data)
 * (a) in this process with trainTrial after selectBackend('wasm') and (b) in a TrainerProcess (backend 'wasm',
 * one for the whole run, as a worker slot keeps one), alternating a/b per repeat. Compares the training img/s
 * of the epochs after the first (`epochs[].images_per_sec`): the ratio of the means and the median of the ratios
 * of the a/b pairs (robust to a pair that other load hit on one side), and the CPU time of each whole run (the
 * trainer's also includes sending three checkpoints over IPC and serializing the final weights).
 *
 *   npx tsx bench/trainer-boundary.ts [--repeats 3] [--epochs 3] [--train-size 1280]
 *
 * Writes bench/results/boundary-<date>.json and prints a markdown table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseSpec } from '../src/spec/index.js';
import { datasetOf, type Regularizer, type TrialConfig } from '../src/domain/trial-config.js';
import { selectBackend } from '../src/training/backends/index.js';
import { trainTrial } from '../src/training/engine.js';
import { DatasetCache } from '../src/training/datasets/dataset-cache.js';
import { TrainerProcess } from '../src/worker/trainer/trainer-process.js';
import type { EngineEpochMetrics } from '../src/domain/metrics.js';

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    'train-size': { type: 'string', default: '1280' },
  },
});
const repeats = Number(args.repeats);
const epochs = Number(args.epochs);
const trainSize = Number(args['train-size']);
const MODELS: Regularizer[] = ['none', 'dropout', 'batchnorm', 'batchnorm-every-conv'];

const yaml = `name: boundary
model: vgg
dataset:
  name: synthetic
  synthetic: { height: 32, width: 32, channels: 3, classes: 10, train_size: ${trainSize}, validation_size: 128 }
parameters:
  regularizer: { values: [${MODELS.join(', ')}] }
  depth: 2
  optimizer: adam
  learning_rate: 0.001
  batch_size: 64
training: { epochs: ${epochs} }
`;
const configs = new Map(parseSpec(yaml, 'bench.yaml').trials.map((t) => [t.config.model.regularizer, t.config]));

/** CPU seconds (user + system) of a process, from /proc (Linux; 10 ms ticks). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Run {
  epochs: EngineEpochMetrics[];
  cpuSeconds: number;
}

const datasets = new DatasetCache(undefined, () => undefined);
async function inProcess(config: TrialConfig): Promise<Run> {
  const dataset = await datasets.get(datasetOf(config));
  const cpu0 = ownCpu();
  // The same per-epoch checkpoint the trainer serializes (checkpoint_every: 1, the default).
  const result = await trainTrial({ config, dataset, hooks: { onEpochEnd: async (_m, save) => void (await save()) } });
  const cpuSeconds = ownCpu() - cpu0;
  (result.model as { dispose(): void } | undefined)?.dispose();
  return { epochs: result.epochs, cpuSeconds };
}

async function throughTrainer(trainer: TrainerProcess, config: TrialConfig): Promise<Run> {
  const cpu0 = cpuSecondsOf(trainer.pid!);
  const outcome = await trainer.run(config, null, 1, () => Promise.resolve(false)).finished;
  if (outcome === 'aborted') throw new Error('trainer run aborted');
  return { epochs: outcome.epochs, cpuSeconds: cpuSecondsOf(trainer.pid!) - cpu0 };
}

/** Mean training img/s of the epochs after the first (warm-up). */
const steadyIps = (e: EngineEpochMetrics[]) => {
  const kept = e.length > 1 ? e.slice(1) : e;
  return kept.reduce((s, m) => s + m.images_per_sec, 0) / kept.length;
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const loadavgAtStart = os.loadavg();
const backendInProcess = await selectBackend('wasm', (m) => console.error(`in-process: ${m}`));
const trainer = new TrainerProcess({ backend: 'wasm', log: (level, msg) => level !== 'debug' && console.error(`trainer: ${msg}`) });
const backendTrainer = await trainer.backend();

const runs: Array<{ model: Regularizer; repeat: number; side: 'in-process' | 'trainer-process'; images_per_sec: number[]; steady_images_per_sec: number; cpu_seconds: number }> = [];
try {
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const model of MODELS) {
      const config = configs.get(model)!;
      // Alternate which side goes first, so drift in the machine's load hits both alike.
      const order = (repeat + MODELS.indexOf(model)) % 2 === 0 ? (['in-process', 'trainer-process'] as const) : (['trainer-process', 'in-process'] as const);
      for (const side of order) {
        const run = side === 'in-process' ? await inProcess(config) : await throughTrainer(trainer, config);
        const row = { model, repeat, side, images_per_sec: run.epochs.map((e) => e.images_per_sec), steady_images_per_sec: steadyIps(run.epochs), cpu_seconds: run.cpuSeconds };
        runs.push(row);
        console.error(`${model} #${repeat} ${side}: ${row.images_per_sec.map((x) => x.toFixed(1)).join(' · ')} img/s, ${run.cpuSeconds.toFixed(2)} CPU-s`);
      }
    }
  }
} finally {
  await trainer.kill();
}

const summary = MODELS.map((model) => {
  const of = (side: string) => runs.filter((r) => r.model === model && r.side === side);
  const a = of('in-process');
  const b = of('trainer-process');
  // Ratio per repeat (each pair ran back to back), then the mean and range of those ratios.
  const pairRatios = a.map((r, i) => b[i]!.steady_images_per_sec / r.steady_images_per_sec);
  return {
    model,
    in_process_images_per_sec: mean(a.map((r) => r.steady_images_per_sec)),
    trainer_images_per_sec: mean(b.map((r) => r.steady_images_per_sec)),
    ratio_of_means: mean(b.map((r) => r.steady_images_per_sec)) / mean(a.map((r) => r.steady_images_per_sec)),
    // Robust to a pair that other load on the machine hit on one side only.
    median_pair_ratio: median(pairRatios),
    pair_ratio_min: Math.min(...pairRatios),
    pair_ratio_max: Math.max(...pairRatios),
    cpu_seconds_ratio: mean(b.map((r) => r.cpu_seconds)) / mean(a.map((r) => r.cpu_seconds)),
  };
});

const result = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), node: process.version, loadavg_at_start: loadavgAtStart, loadavg_at_end: os.loadavg() },
  settings: { repeats, epochs, train_size: trainSize, validation_size: 128, batch: 64, optimizer: 'adam', learning_rate: 1e-3, depth: 2, input: [32, 32, 3], classes: 10, checkpoint_every: 1, warmup_epochs_skipped: 1 },
  backends: { in_process: backendInProcess, trainer_process: backendTrainer },
  summary,
  runs,
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/boundary-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

console.log(`\n${result.machine.cpu}, ${result.machine.cores} cores; ${repeats} a/b pairs per model, img/s of epochs 2–${epochs} of ${trainSize} images\n`);
console.log('| model | in-process img/s | trainer process img/s | ratio of means | median pair ratio (min–max) | CPU-s per run ratio |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const s of summary) {
  console.log(`| ${s.model} | ${s.in_process_images_per_sec.toFixed(1)} | ${s.trainer_images_per_sec.toFixed(1)} | ${s.ratio_of_means.toFixed(3)} | ${s.median_pair_ratio.toFixed(3)} (${s.pair_ratio_min.toFixed(3)}–${s.pair_ratio_max.toFixed(3)}) | ${s.cpu_seconds_ratio.toFixed(3)} |`);
}
console.log(`\nwrote ${file}`);
process.exit(0);
