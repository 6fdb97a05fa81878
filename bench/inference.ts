/**
 * Inference throughput of the seed baseline (VGG depth 2, batchnorm, 32×32×3, 10 classes) exported to ONNX:
 * onnxruntime-node (CPU, 1 thread and all cores) vs tfjs on the cpu (pure JS) and wasm backends, at batch 1, 64, 256.
 * wasm is set up as a worker does it (selectBackend: the project's kernels, oneDNN convolutions when built).
 *
 *   npx tsx bench/inference.ts [--batches 1,64,256] [--min-ms 2000] [--backends cpu,wasm]
 *
 * Writes bench/results/inference-<date>.json and prints a markdown table. Target: ORT ≥ 5× tfjs cpu at batch 1.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { exportToOnnx } from '../src/export/onnx-exporter.js';
import { OrtClassifier } from '../src/export/ort-session.js';
import { imagesPerSecond } from '../src/export/timing.js';
import { buildVggModel } from '../src/training/models/vgg.js';
import { selectBackend } from '../src/training/backends/index.js';
import { onednnConvKernelsInstalled } from '../src/training/backends/onednn/register.js';
import type { BackendName } from '../src/domain/backends.js';

const INPUT: [number, number, number] = [32, 32, 3];
const DENSE_UNITS = 128; // src/spec/defaults.ts
const TARGET_SPEEDUP = 5;

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '1,64,256' },
    'min-ms': { type: 'string', default: '2000' },
    backends: { type: 'string', default: 'cpu,wasm' },
  },
});
const batches = args.batches.split(',').map(Number);
const minMs = Number(args['min-ms']);
const backends = args.backends.split(',').filter(Boolean);

interface Row {
  runtime: string;
  batch: number;
  imagesPerSec: number;
}

await tf.setBackend('cpu');
const model = buildVggModel(
  { family: 'vgg', depth: 2, regularizer: 'batchnorm', dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: DENSE_UNITS, sleep_ms: 0 },
  { inputShape: INPUT, numClasses: 10 },
  1,
);
const onnxBytes = exportToOnnx(model, { normalize: 'none' });
const perImage = INPUT[0] * INPUT[1] * INPUT[2];
const inputs = new Map(batches.map((b) => [b, Float32Array.from({ length: b * perImage }, () => Math.random() * 2 - 1)]));
const rows: Row[] = [];

for (const threads of [1, 0]) {
  const ort = await OrtClassifier.create(onnxBytes, { threads });
  const runtime = threads === 1 ? 'onnxruntime (1 thread)' : `onnxruntime (all ${os.availableParallelism()} cores)`;
  for (const b of batches) {
    const x = inputs.get(b)!;
    rows.push({ runtime, batch: b, imagesPerSec: await imagesPerSecond(() => ort.run(x, [b, ...INPUT]), b, minMs) });
    console.error(`${runtime} batch ${b}: ${rows.at(-1)!.imagesPerSec.toFixed(1)} img/s`);
  }
  await ort.release();
}

// The default CPU backend is wasm as a worker sets it up (training kernels, oneDNN convolutions when built); it
// also runs with oneDNN off, to show what the convolutions alone change.
const configs = backends.flatMap((b) => (b === 'wasm' ? [{ backend: b, onednn: false }, { backend: b, onednn: true }] : [{ backend: b, onednn: false }]));
let defaultLabel: string | undefined;
for (const { backend, onednn } of configs) {
  await selectBackend(backend as BackendName, (m) => console.error(m), { onednn });
  if (onednn && !onednnConvKernelsInstalled()) continue; // addon not built: plain wasm is the default, measured above
  const label = backend === 'wasm' && onednn ? 'tfjs wasm+onednn' : `tfjs ${backend}`;
  if (backend === 'wasm') defaultLabel = label;
  for (const b of batches) {
    const x = tf.tensor4d(inputs.get(b)!, [b, ...INPUT]);
    const run = async () => {
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    };
    rows.push({ runtime: label, batch: b, imagesPerSec: await imagesPerSecond(run, b, minMs) });
    console.error(`${label} batch ${b}: ${rows.at(-1)!.imagesPerSec.toFixed(1)} img/s`);
    x.dispose();
  }
}

const at = (runtime: string, b: number) => rows.find((r) => r.runtime === runtime && r.batch === b)?.imagesPerSec;
const ort1 = at('onnxruntime (1 thread)', 1);
const default1 = defaultLabel ? at(defaultLabel, 1) : undefined;
const cpu1 = at('tfjs cpu', 1);
const speedup = ort1 && default1 ? ort1 / default1 : null;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  loadAverage: os.loadavg(),
  model: { family: 'vgg', depth: 2, regularizer: 'batchnorm', input: INPUT, classes: 10, dense_units: DENSE_UNITS, onnxBytes: onnxBytes.length },
  minMsPerPoint: minMs,
  results: rows,
  defaultTfjsBackend: defaultLabel ?? null,
  ortVsDefaultTfjsBatch1: speedup,
  ortVsTfjsCpuBatch1: ort1 && cpu1 ? ort1 / cpu1 : null,
  target: { ortVsDefaultTfjsBatch1: TARGET_SPEEDUP, met: speedup === null ? null : speedup >= TARGET_SPEEDUP },
};
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/inference-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

const runtimes = [...new Set(rows.map((r) => r.runtime))];
console.log(`| runtime | ${batches.map((b) => `batch ${b} (img/s)`).join(' | ')} |`);
console.log(`|---|${batches.map(() => '---:').join('|')}|`);
for (const r of runtimes) console.log(`| ${r} | ${batches.map((b) => at(r, b)?.toFixed(1) ?? '–').join(' | ')} |`);
if (speedup !== null) console.log(`\nORT (1 thread) vs the default tfjs CPU backend (${defaultLabel}) at batch 1: ${speedup.toFixed(1)}× (target ≥ ${TARGET_SPEEDUP}×)`);
console.log(`wrote ${file}`);
