/**
 * Peak memory of training the seed baseline (batchnorm, depth 2) with a CIFAR-10-sized dataset resident
 * (50,000 train + 10,000 validation images of 32×32×3, kept as uint8 as the loaders keep them) on the default
 * CPU backend, through the real engine (trainTrial). To stay short it trains one epoch on the first
 * `--train` images of the resident training split (a view, not a copy), then evaluates the whole validation split.
 *
 *   npx tsx bench/memory.ts [--train 3200] [--backend auto]
 *
 * Writes bench/results/memory-<date>.json. Target (issue "Training engine"): peak RSS < 2 GB.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeSyntheticDataset } from '../src/training/datasets/synthetic.js';
import { selectBackend } from '../src/training/backends/index.js';
import { trainTrial } from '../src/training/engine.js';
import type { TrialConfig } from '../src/domain/trial-config.js';
import type { BackendName } from '../src/domain/backends.js';

const { values: args } = parseArgs({ options: { train: { type: 'string', default: '3200' }, backend: { type: 'string', default: 'auto' } } });
const trainImages = Number(args.train);

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const mb = (b: number) => Math.round(b / 1024 / 1024);

const backend = await selectBackend(args.backend as BackendName, (m) => console.error(m));
const synthetic = { height: 32, width: 32, channels: 3, classes: 10, train_size: 50_000, validation_size: 10_000, noise: 0.3 };
const full = makeSyntheticDataset(synthetic, 1);
const afterLoad = process.memoryUsage().rss;
const size = 32 * 32 * 3;
const dataset = {
  ...full,
  train: { images: full.train.images.subarray(0, trainImages * size), labels: full.train.labels.subarray(0, trainImages), count: trainImages },
};
const config: TrialConfig = {
  version: 1,
  model: { family: 'vgg', depth: 2, regularizer: 'batchnorm', dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: 128, sleep_ms: 0 },
  optimizer: { name: 'sgd', learning_rate: 1e-3, momentum: 0.9 },
  training: { epochs: 1, batch_size: 64, reduce_lr_on_plateau: null, early_stopping: null },
  dataset: { name: 'synthetic', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic },
  seed: 1,
  params: {},
};
const started = performance.now();
const result = await trainTrial({ config, dataset });
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

const out = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadavg: os.loadavg() },
  backend,
  resident: { train: full.train.count, validation: full.validation.count, shape: [32, 32, 3] },
  trainedImages: trainImages,
  seconds,
  val_accuracy: result.epochs.at(-1)?.val_accuracy,
  rssAfterDatasetMB: mb(afterLoad),
  peakRssMB: mb(peak),
  targetMB: 2048,
  ok: mb(peak) < 2048,
};
console.log(JSON.stringify(out, null, 2));
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', `memory-${out.date.slice(0, 19).replace(/[:T]/g, '-')}.json`), JSON.stringify(out, null, 2) + '\n');
process.exit(0);
