import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../src/training/backends/index.js';
import { activateOnednnConvKernels } from '../../src/training/backends/onednn/activate.js';
import { nativeKernelCallCount } from '../../src/training/backends/onednn/native-call.js';
import { wasmHeap } from '../../src/training/backends/onednn/heap.js';
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from '../../src/training/backends/wasm-kernels/batch-norm-training.js';
import { randomHost, type HostTensor } from './wasm-parity-helpers.js';
import { onednnForTests, skipWithoutOnednn } from './onednn-helpers.js';

// The addon's batch norm and max-pool gradient must give exactly the JS kernels' bits (same arithmetic and order of
// sums, no FMA contraction): every comparison here is deepStrictEqual on the Float32Array contents.

interface Outputs {
  values: Float32Array[];
  nativeCalls: number;
}

/**
 * Runs a kernel on wasm with the native kernels on or off (the same switch as the conv kernels), after filling the
 * heap block its first output will likely get with NaN, so an element it forgets to write shows. Fails on leaks.
 */
async function runOn(native: boolean, kernelName: string, inputs: Record<string, HostTensor>, attrs: Record<string, unknown>): Promise<Outputs> {
  const activation = activateOnednnConvKernels(native);
  assert.equal(activation.active, native, 'oneDNN kernels switched');
  await tf.setBackend('wasm');
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, h] of Object.entries(inputs)) tensors[name] = tf.tensor(h.data, h.shape, 'float32');
  const numTensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  const first = Object.values(inputs)[0]!;
  tf.fill([first.data.length], NaN).dispose();
  const before = nativeKernelCallCount();
  const out = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(kernelName, tensors, attrs as tf.NamedAttrMap);
  const nativeCalls = nativeKernelCallCount() - before;
  const outs = Array.isArray(out) ? out : [out];
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, numTensors, `${kernelName} leaked tensors`);
  assert.equal(tf.engine().backend.numDataIds(), dataIds, `${kernelName} leaked backend memory`);
  tf.dispose(Object.values(tensors));
  return { values, nativeCalls };
}

/** Native and JS outputs, bit for bit; the native one really ran natively and the JS one did not. */
async function assertNativeMatchesJs(kernelName: string, inputs: Record<string, HostTensor>, attrs: Record<string, unknown>): Promise<Float32Array[]> {
  const js = await runOn(false, kernelName, inputs, attrs);
  const native = await runOn(true, kernelName, inputs, attrs);
  assert.equal(js.nativeCalls, 0, `${kernelName}: the JS kernel ran with the addon off`);
  assert.equal(native.nativeCalls, 1, `${kernelName} ran natively (not the JS fallback)`);
  assert.equal(native.values.length, js.values.length);
  for (const [i, v] of native.values.entries()) {
    assert.ok(v.every((e) => !Number.isNaN(e)), `${kernelName} output #${i} has no unwritten (NaN) elements`);
    assert.deepStrictEqual(v, js.values[i], `${kernelName} output #${i}: native and JS bits differ`);
  }
  return js.values;
}

const host = (shape: number[], data: Float32Array): HostTensor => ({ shape, data });
const perChannel = (channels: number, f: (c: number) => number) => host([channels], Float32Array.from({ length: channels }, (_, c) => f(c)));

interface BatchNormCase {
  name: string;
  shape: number[];
  offset: number;
  epsilon: number;
  /** Changes x in place (constant channels, huge offsets). */
  tweak?: (x: HostTensor) => void;
}

const bnCases: BatchNormCase[] = [
  { name: 'seed conv block 1', shape: [64, 32, 32, 32], offset: 0.3, epsilon: 1e-3 },
  { name: 'seed conv block 2', shape: [64, 16, 16, 64], offset: -0.2, epsilon: 1e-3 },
  { name: 'seed dense', shape: [64, 128], offset: 1.5, epsilon: 1e-3 },
  { name: 'channels not a multiple of 4', shape: [3, 5, 7, 13], offset: 0.7, epsilon: 1e-5 },
  { name: 'fewer than 4 channels', shape: [7, 3], offset: -2, epsilon: 1e-3 },
  { name: 'one channel', shape: [2, 3, 3, 1], offset: 0, epsilon: 0.1 },
  { name: 'one row', shape: [1, 6], offset: 0.5, epsilon: 1e-3 },
  {
    name: 'constant channels (variance 0) and a large offset (cancellation below 0, clamped)',
    shape: [9, 4, 4, 6],
    offset: 0,
    epsilon: 1e-3,
    tweak: (x) => {
      for (let i = 0; i < x.data.length; i++) {
        const c = i % 6;
        if (c === 0) x.data[i] = 0;
        else if (c === 1) x.data[i] = -3.25;
        else if (c === 2) x.data[i] = 4096 + (x.data[i]! - 0) * 1e-3;
      }
    },
  },
];

describe('native batch norm and max-pool gradient are bit-identical to the JS kernels', () => {
  before(async () => {
    await selectBackend('wasm', () => {}, { onednn: true });
  });
  after(() => {
    activateOnednnConvKernels();
  });

  for (const [i, c] of bnCases.entries()) {
    test(`batch norm forward and backward: ${c.name} ${JSON.stringify(c.shape)}`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const channels = c.shape[c.shape.length - 1]!;
      const x = randomHost(c.shape, 100 + i, c.offset);
      c.tweak?.(x);
      const gamma = perChannel(channels, (k) => 0.5 + k / channels);
      const beta = perChannel(channels, (k) => k / 10 - 0.2);
      const attrs = { epsilon: c.epsilon };
      const [, mean, variance] = await assertNativeMatchesJs(BATCH_NORM_TRAIN_FORWARD, { x, gamma, beta }, attrs);
      const dy = randomHost(c.shape, 200 + i);
      const inputs = { dy, x, mean: host([channels], mean!), variance: host([channels], variance!), gamma };
      await assertNativeMatchesJs(BATCH_NORM_TRAIN_BACKWARD, inputs, attrs);
    });
  }

  interface PoolCase {
    shape: [number, number, number, number];
    filter: [number, number];
    stride: [number, number];
    pad: 'same' | 'valid';
    offset?: number;
    /** Rounds x to steps of this size: many ties (and exact zeros). */
    quantum?: number;
  }
  const poolCases: PoolCase[] = [
    { shape: [64, 32, 32, 32], filter: [2, 2], stride: [2, 2], pad: 'valid' }, // seed models
    { shape: [64, 16, 16, 64], filter: [2, 2], stride: [2, 2], pad: 'valid' },
    { shape: [4, 9, 9, 8], filter: [2, 2], stride: [2, 2], pad: 'valid', offset: -5 }, // every maximum < 0
    { shape: [4, 8, 8, 5], filter: [2, 2], stride: [2, 2], pad: 'same', quantum: 1 }, // ties
    { shape: [3, 8, 8, 4], filter: [2, 2], stride: [2, 2], pad: 'valid', quantum: 1e9 }, // all zero: first element
    { shape: [3, 11, 10, 6], filter: [3, 3], stride: [2, 2], pad: 'same', offset: -1 },
    { shape: [3, 11, 10, 6], filter: [3, 3], stride: [2, 2], pad: 'valid', quantum: 0.5 },
    { shape: [2, 7, 9, 3], filter: [3, 3], stride: [1, 1], pad: 'same' }, // overlapping windows add up
    { shape: [2, 7, 9, 7], filter: [3, 2], stride: [1, 2], pad: 'valid', offset: -0.8, quantum: 0.25 },
    { shape: [2, 6, 6, 4], filter: [2, 2], stride: [3, 3], pad: 'valid' }, // stride > window: skipped inputs
    { shape: [1, 5, 5, 2], filter: [5, 5], stride: [1, 1], pad: 'same', offset: -0.5 },
  ];
  for (const [i, c] of poolCases.entries()) {
    const label = `${c.shape.join('×')} window ${c.filter.join('×')} stride ${c.stride.join('×')} '${c.pad}'${c.offset ? ` offset ${c.offset}` : ''}${c.quantum ? ` steps of ${c.quantum}` : ''}`;
    test(`MaxPoolGrad ${label}`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const x = randomHost(c.shape, 300 + i, c.offset ?? 0);
      if (c.quantum) x.data.forEach((v, k) => (x.data[k] = Math.round(v / c.quantum!) * c.quantum!));
      const info = tf.backend_util.computePool2DInfo(c.shape, c.filter, c.stride, 1, c.pad);
      const outShape = [c.shape[0], info.outHeight, info.outWidth, c.shape[3]];
      const dy = randomHost(outShape, 400 + i);
      const output = host(outShape, new Float32Array(dy.data.length)); // unused by both kernels
      const [dx] = await assertNativeMatchesJs(tf.MaxPoolGrad, { dy, input: x, output }, { filterSize: c.filter, strides: c.stride, pad: c.pad });
      const total = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(total(dx!) - total(dy.data)) <= 1e-3 * dy.data.length, 'every output gradient was routed');
    });
  }

  test('out-of-heap offsets are rejected, not read', (t) => {
    if (skipWithoutOnednn(t)) return;
    const load = onednnForTests();
    assert.ok(load.ok);
    const heap = wasmHeap(tf.engine().backend as BackendWasm);
    const end = heap.byteLength;
    assert.throws(() => load.addon.batchNormTrainForward(heap, end - 8, 0, 0, 0, 0, 0, 4, 2, 1e-3), /outside the heap/);
    assert.throws(() => load.addon.batchNormTrainBackward(heap, 0, 2, 0, 0, 0, 0, 0, 0, 1, 1, 1e-3), /misaligned/);
    const geometry = Int32Array.from([1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0]);
    assert.throws(() => load.addon.maxPoolGrad(heap, 0, end, 0, geometry), /outside the heap/);
    assert.throws(() => load.addon.maxPoolGrad(heap, 0, 0, 0, Int32Array.from([1, 4, 4, 0, 2, 2, 2, 2, 2, 2, 0, 0])), /geometry/);
  });
});
