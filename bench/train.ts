/**
 * Training throughput of the four VGG seed models (depth 2, 32×32×3, 10 classes, batch 64, Adam) on each
 * available tfjs backend and on PyTorch (Debian python3-torch) in the same run. The tfjs side runs the engine's
 * own step (src/training/loop/train-step.ts with the project's Adam), as trainTrial does.
 *
 * Both sides report wall-clock img/s and img/s per CPU-second of the process (`cpu_images_per_sec`): on a
 * shared machine the second is far less sensitive to other load, and both engines here use one thread.
 *
 *   npx tsx bench/train.ts [--steps 5] [--warmup 2] [--batch 64] [--backends wasm,webgpu,tensorflow,cpu]
 *
 * Writes bench/results/train-<date>.json and prints a markdown table. Default backends: wasm, plus
 * tensorflow and webgpu when they load on real hardware (an explicit `webgpu` also runs on llvmpipe).
 * `wasm` runs twice: with its own convolution kernels (`tfjs-wasm`, as with SWEEP_ONEDNN=0) and with the native
 * oneDNN ones (`tfjs-wasm+onednn`, when the addon is built: npm run build:native).
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend, probeWebGpu } from '../src/training/backends/index.js';
import { loadTensorflowBinding } from '../src/training/backends/tensorflow.js';
import { loadOnednn } from '../src/training/backends/onednn/addon.js';
import { onednnSettings } from '../src/training/backends/onednn/settings.js';
import { buildVggModel } from '../src/training/models/vgg.js';
import { createOptimizer } from '../src/training/optimizers/create-optimizer.js';
import { trainStep } from '../src/training/loop/train-step.js';
import type { ModelParams, Regularizer } from '../src/domain/trial-config.js';
import type { BackendName } from '../src/domain/backends.js';
import { exitIfMissing, pythonPeerProblem, PYTORCH } from './peers.js';

const MODELS: Regularizer[] = ['none', 'dropout', 'batchnorm', 'batchnorm-every-conv'];
const INPUT: [number, number, number] = [32, 32, 3];
const CLASSES = 10;
const DEPTH = 2;
const DENSE_UNITS = 128; // src/spec/defaults.ts

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    backends: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
// PyTorch is the peer every row is compared with: without it, say which package to install before measuring anything.
exitIfMissing(pythonPeerProblem('bench:train', args.python, PYTORCH));
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const batch = Number(args.batch);

const params = (regularizer: Regularizer): ModelParams => ({
  family: 'vgg', depth: DEPTH, regularizer, dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: DENSE_UNITS, sleep_ms: 0,
});

/** Forward FLOPs of one image (multiply-add = 2) for convs and dense layers; training ≈ 3× forward. */
function forwardFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as number[];
    const kernel = layer.getWeights()[0];
    if (layer.getClassName() === 'Conv2D' && kernel) {
      const [kh, kw, ci, co] = kernel.shape as [number, number, number, number];
      flops += 2 * out[1]! * out[2]! * kh * kw * ci * co;
    } else if (layer.getClassName() === 'Dense' && kernel) {
      flops += 2 * kernel.shape[0] * kernel.shape[1]!;
    }
  }
  return flops;
}

interface Row {
  engine: string;
  /** The backend's own description (kernels, threads) where it gives one. */
  detail?: string;
  model: Regularizer;
  images_per_sec: number;
  cpu_images_per_sec: number;
  gflops_per_sec: number;
  train_gflop_per_image: number;
}

/** A tfjs backend to measure; for wasm also whether the oneDNN convolution kernels run. */
interface TfjsEngine {
  backend: BackendName;
  onednn?: boolean;
}

async function benchTfjs({ backend, onednn }: TfjsEngine): Promise<Row[]> {
  let detail: string | undefined;
  const selected = await selectBackend(
    backend,
    (m) => {
      detail = m;
      console.error(m);
    },
    onednn === undefined ? {} : { onednn },
  );
  const active = selected === 'wasm' && onednn ? 'wasm+onednn' : selected;
  const rows: Row[] = [];
  for (const regularizer of MODELS) {
    const model = buildVggModel(params(regularizer), { inputShape: INPUT, numClasses: CLASSES }, 1);
    const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = createOptimizer({ name: 'adam', learning_rate: 1e-3, momentum: 0 }, trainable);
    const xs = tf.randomUniform<tf.Rank.R4>([batch, ...INPUT]);
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % CLASSES);
    const step = async () => {
      const { lossSum, correct } = trainStep(model, trainable, optimizer, xs, labels, CLASSES);
      const loss = (await lossSum.data())[0]!;
      tf.dispose([lossSum, correct]);
      if (!Number.isFinite(loss)) throw new Error(`${regularizer} on ${active}: loss ${loss}`);
    };
    for (let i = 0; i < warmup; i++) await step();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const trainFlops = 3 * forwardFlops(model);
    const ips = (steps * batch) / seconds;
    rows.push({
      engine: `tfjs-${active}`,
      ...(detail ? { detail } : {}),
      model: regularizer,
      images_per_sec: ips,
      cpu_images_per_sec: (steps * batch) / cpuSeconds,
      gflops_per_sec: (ips * trainFlops) / 1e9,
      train_gflop_per_image: trainFlops / 1e9,
    });
    console.error(`tfjs-${active} ${regularizer}: ${ips.toFixed(1)} img/s (${((steps * batch) / cpuSeconds).toFixed(1)} per CPU-second)`);
    xs.dispose();
    model.dispose();
    optimizer.dispose();
  }
  return rows;
}

function benchTorch(threads: number | null, flopsPerImage: Map<Regularizer, number>): Row[] {
  const cfg = {
    batch, steps, warmup, threads, depth: DEPTH, dense_units: DENSE_UNITS, dropout_rate: 0.2, dense_dropout_rate: 0.5,
    input_shape: INPUT, classes: CLASSES, models: MODELS,
  };
  const out = execFileSync(args.python, ['bench/torch_train.py', JSON.stringify(cfg)], { encoding: 'utf8' });
  const parsed = JSON.parse(out) as {
    torch: string;
    threads: number;
    results: Array<{ model: Regularizer; images_per_sec: number; cpu_images_per_sec: number }>;
  };
  return parsed.results.map((r) => {
    const f = flopsPerImage.get(r.model) ?? 0;
    return { engine: `pytorch-${parsed.torch}-${parsed.threads}t${threads === null ? ' (default)' : ''}`, model: r.model, images_per_sec: r.images_per_sec, cpu_images_per_sec: r.cpu_images_per_sec, gflops_per_sec: (r.images_per_sec * f) / 1e9, train_gflop_per_image: f / 1e9 };
  });
}

async function defaultBackends(): Promise<BackendName[]> {
  const list: BackendName[] = [];
  if ((await loadTensorflowBinding()).loaded) list.push('tensorflow');
  const gpu = await probeWebGpu(false);
  if (gpu.ok) list.push('webgpu');
  else console.error(`webgpu skipped: ${gpu.reason}`);
  list.push('wasm');
  return list;
}

/** Each backend once; wasm without and (when the addon loads) with the oneDNN convolution kernels. */
function enginesOf(backends: BackendName[]): TfjsEngine[] {
  return backends.flatMap((backend): TfjsEngine[] => {
    if (backend !== 'wasm') return [{ backend }];
    const settings = onednnSettings();
    const load = 'error' in settings ? { ok: false as const, reason: settings.error } : loadOnednn(settings.threads, settings.layout);
    if (!load.ok) console.error(`tfjs-wasm+onednn skipped: ${load.reason}`);
    return load.ok ? [{ backend, onednn: false }, { backend, onednn: true }] : [{ backend, onednn: false }];
  });
}

const backends = args.backends ? (args.backends.split(',') as BackendName[]) : await defaultBackends();
const rows: Row[] = [];
for (const engine of enginesOf(backends)) rows.push(...(await benchTfjs(engine)));

await selectBackend('cpu');
const flopsPerImage = new Map(MODELS.map((m) => {
  const model = buildVggModel(params(m), { inputShape: INPUT, numClasses: CLASSES }, 1);
  const f = 3 * forwardFlops(model);
  model.dispose();
  return [m, f] as const;
}));
const torchRows = benchTorch(1, flopsPerImage);
rows.push(...torchRows);
const defaultTorch = benchTorch(null, flopsPerImage);
rows.push(...defaultTorch);
if (os.availableParallelism() > 1) rows.push(...benchTorch(os.availableParallelism(), flopsPerImage));

const torch1 = new Map(torchRows.map((r) => [r.model, r]));
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  loadavg_at_start: os.loadavg(),
  node: process.version,
  tfjs: tf.version.tfjs,
};
const result = {
  date: new Date().toISOString(),
  machine,
  settings: { batch, steps, warmup, input: INPUT, classes: CLASSES, depth: DEPTH, dense_units: DENSE_UNITS, optimizer: 'adam' },
  rows: rows.map((r) => ({
    ...r,
    ratio_to_pytorch_1_thread: r.images_per_sec / (torch1.get(r.model)?.images_per_sec ?? NaN),
    cpu_ratio_to_pytorch_1_thread: r.cpu_images_per_sec / (torch1.get(r.model)?.cpu_images_per_sec ?? NaN),
  })),
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/train-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

console.log(`\n${machine.cpu}, ${machine.cores} cores, batch ${batch}, ${steps} timed steps after ${warmup} warm-up\n`);
console.log('| engine | model | img/s | × PyTorch 1 thread | img per CPU-s | × PyTorch 1 thread (CPU time) | GFLOP/s |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of result.rows) {
  console.log(
    `| ${r.engine} | ${r.model} | ${r.images_per_sec.toFixed(1)} | ${r.ratio_to_pytorch_1_thread.toFixed(2)} | ${r.cpu_images_per_sec.toFixed(1)} | ${r.cpu_ratio_to_pytorch_1_thread.toFixed(2)} | ${r.gflops_per_sec.toFixed(2)} |`,
  );
}
console.log(`\nwrote ${file}`);
