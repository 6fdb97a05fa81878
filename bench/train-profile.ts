/**
 * Per-kernel profile of one engine training step (src/training/loop/train-step.ts, Adam) of a seed model on wasm.
 *
 *   npx tsx bench/train-profile.ts [none|dropout|batchnorm|batchnorm-every-conv] [--shapes]
 *
 * Prints wall and CPU time per step, then kernel time by kernel name (and by input shapes with --shapes).
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/training/backends/index.js';
import { buildVggModel } from '../src/training/models/vgg.js';
import { createOptimizer } from '../src/training/optimizers/create-optimizer.js';
import { trainStep } from '../src/training/loop/train-step.js';
import type { Regularizer } from '../src/domain/trial-config.js';

const regularizer = (process.argv[2] ?? 'none') as Regularizer;
const byShapes = process.argv.includes('--shapes');
await selectBackend('wasm', (m) => console.log(m)); // says which conv kernels run; SWEEP_ONEDNN=0 profiles the wasm ones
const params = { family: 'vgg' as const, depth: 2, regularizer, dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: 128, sleep_ms: 0 };
const model = buildVggModel(params, { inputShape: [32, 32, 3], numClasses: 10 }, 1);
const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
const optimizer = createOptimizer({ name: 'adam', learning_rate: 1e-3, momentum: 0 }, trainable);
const x = tf.randomUniform<tf.Rank.R4>([64, 32, 32, 3]);
const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
const step = () => {
  const r = trainStep(model, trainable, optimizer, x, labels, 10);
  r.lossSum.dataSync();
  tf.dispose([r.lossSum, r.correct]);
};
for (let i = 0; i < 2; i++) step();
const steps = 3;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const wallMs = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
console.log(`${regularizer}: step ${wallMs.toFixed(0)} ms = ${(64000 / wallMs).toFixed(1)} img/s; CPU ${cpuMs.toFixed(0)} ms = ${(64000 / cpuMs).toFixed(1)} img/s`);

const info = await tf.profile(() => step());
const total = (key: (k: (typeof info.kernels)[number]) => string) => {
  const sums = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const s = sums.get(key(k)) ?? { ms: 0, calls: 0 };
    s.ms += k.kernelTimeMs as number;
    s.calls++;
    sums.set(key(k), s);
  }
  return [...sums].sort((a, b) => b[1].ms - a[1].ms);
};
console.log(`${info.kernels.length} kernels, ${info.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0).toFixed(0)} ms`);
for (const [name, s] of total((k) => k.name).slice(0, 20)) console.log(`${s.ms.toFixed(1).padStart(8)} ms ${String(s.calls).padStart(4)}× ${name}`);
if (byShapes) {
  console.log('');
  for (const [name, s] of total((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`).slice(0, 30)) console.log(`${s.ms.toFixed(1).padStart(8)} ms ${String(s.calls).padStart(4)}× ${name}`);
}
