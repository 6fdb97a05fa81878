/**
 * Convolution kernels of one training step of the seed models (batch 64, 32×32×3 input, 3×3 'same' convs with
 * 32 and 64 filters) on the wasm backend: its own kernels vs the oneDNN ones in each layout (SWEEP_ONEDNN_LAYOUT):
 * `user` (primitives straight on the NHWC/HWIO tensors), `any-weights` (oneDNN's filter layout, reordered each
 * call) and `any` (activations reordered too). Decides the default layout; see src/training/backends/onednn/.
 *
 *   npm run bench:conv -- [--reps 5] [--batch 64]
 *
 * Writes bench/results/onednn-conv-<date>.json and prints a markdown table (ms per call, GFLOP/s).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/training/backends/index.js';
import { loadOnednn } from '../src/training/backends/onednn/addon.js';
import { ONEDNN_LAYOUTS, type OnednnLayout } from '../src/training/backends/onednn/settings.js';

const { values: args } = parseArgs({ options: { reps: { type: 'string', default: '5' }, batch: { type: 'string', default: '64' } } });
const reps = Number(args.reps);
const batch = Number(args.batch);

/** [size, in channels, out channels] of the four conv layers. */
const LAYERS: Array<[number, number, number]> = [[32, 3, 32], [32, 32, 32], [16, 32, 64], [16, 64, 64]];
type Kernel = 'Conv2D' | 'Conv2DBackpropInput' | 'Conv2DBackpropFilter';

interface Case {
  kernel: Kernel;
  layer: string;
  gflop: number;
  run: () => tf.Tensor;
}

function cases(): { list: Case[]; dispose: () => void } {
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T) => (tensors.push(t), t);
  const list: Case[] = [];
  for (const [size, ci, co] of LAYERS) {
    const x = keep(tf.randomNormal([batch, size, size, ci]));
    const filter = keep(tf.randomNormal([3, 3, ci, co]));
    const dy = keep(tf.randomNormal([batch, size, size, co]));
    const conv = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
    const layer = `${size}×${size}×${ci}→${co}`;
    const gflop = (2 * batch * size * size * 9 * ci * co) / 1e9;
    const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) => () => tf.engine().runKernel<tf.Tensor>(kernel, inputs, attrs as tf.NamedAttrMap);
    list.push({ kernel: 'Conv2D', layer, gflop, run: run('Conv2D', { x, filter }, { ...conv, dilations: [1, 1] }) });
    // The first layer's input needs no gradient: training never runs its Conv2DBackpropInput.
    if (ci !== 3) list.push({ kernel: 'Conv2DBackpropInput', layer, gflop, run: run('Conv2DBackpropInput', { dy, filter }, { ...conv, inputShape: x.shape }) });
    list.push({ kernel: 'Conv2DBackpropFilter', layer, gflop, run: run('Conv2DBackpropFilter', { x, dy }, { ...conv, filterShape: filter.shape }) });
  }
  return { list, dispose: () => tf.dispose(tensors) };
}

function measure(list: Case[]): number[] {
  const ms: number[] = [];
  for (const c of list) {
    c.run().dispose(); // warm-up: creates (JIT-compiles) the oneDNN primitive
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) c.run().dispose(); // wasm kernels run synchronously inside runKernel
    ms.push((performance.now() - t0) / reps);
  }
  return ms;
}

const columns: Array<{ name: string; ms: number[] }> = [];
await selectBackend('wasm', (m) => console.error(m), { onednn: false });
let suite = cases();
columns.push({ name: 'wasm', ms: measure(suite.list) });
suite.dispose();
await selectBackend('wasm', (m) => console.error(m), { onednn: true });
suite = cases();
for (const layout of Object.keys(ONEDNN_LAYOUTS) as OnednnLayout[]) {
  const load = loadOnednn(1, layout);
  if (!load.ok) throw new Error(`oneDNN addon unavailable: ${load.reason}`);
  columns.push({ name: `oneDNN ${layout}`, ms: measure(suite.list) });
}
suite.dispose();
loadOnednn(1, 'any-weights');

const list = cases();
const rows = list.list.map((c, i) => ({ kernel: c.kernel, layer: c.layer, gflop: c.gflop, ms: Object.fromEntries(columns.map((col) => [col.name, col.ms[i]!])) }));
list.dispose();
const totals = Object.fromEntries(columns.map((col) => [col.name, col.ms.reduce((a, b) => a + b, 0)]));
const result = { date: new Date().toISOString(), machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), loadavg_at_start: os.loadavg() }, batch, reps, rows, total_ms: totals };
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/onednn-conv-${result.date.slice(0, 19).replace(/[:T]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

console.log(`\nbatch ${batch}, ms per call (GFLOP/s), mean of ${reps}\n`);
console.log(`| kernel | layer | ${columns.map((c) => c.name).join(' | ')} |`);
console.log(`|---|---|${columns.map(() => '---:').join('|')}|`);
for (const r of rows) {
  console.log(`| ${r.kernel} | ${r.layer} | ${columns.map((c) => `${r.ms[c.name]!.toFixed(1)} (${((r.gflop / r.ms[c.name]!) * 1000).toFixed(0)})`).join(' | ')} |`);
}
console.log(`| **total** | | ${columns.map((c) => `**${totals[c.name]!.toFixed(1)}**`).join(' | ')} |`);
console.log(`\nwrote ${file}`);
