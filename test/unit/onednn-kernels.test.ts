import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../src/training/backends/index.js';
import { ConvKind, type OnednnAddon } from '../../src/training/backends/onednn/addon.js';
import { onednnCallCount, runOnednnConv } from '../../src/training/backends/onednn/conv-call.js';
import { wasmHeap } from '../../src/training/backends/onednn/heap.js';
import { cpuFilterGradViaPatches, randomHost, relativeError, runKernelOn, type HostTensor } from './wasm-parity-helpers.js';
import { onednnForTests, runOnWasmCounted, skipWithoutOnednn } from './onednn-helpers.js';

const TOLERANCE = 2e-5; // fp32 sums in another order; max|Δ| / max|expected|

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  batch: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  stride: [number, number];
  pad: Pad;
}

const seed = (c: Omit<ConvCase, 'k' | 'stride' | 'pad'>): ConvCase => ({ ...c, k: [3, 3], stride: [1, 1], pad: 'same' });
const cases: ConvCase[] = [
  seed({ batch: 4, h: 32, w: 32, ci: 3, co: 32 }), // CIFAR-10 input layer
  seed({ batch: 2, h: 32, w: 32, ci: 32, co: 32 }),
  seed({ batch: 3, h: 28, w: 28, ci: 1, co: 32 }), // Fashion-MNIST input layer
  seed({ batch: 2, h: 14, w: 14, ci: 32, co: 64 }),
  seed({ batch: 2, h: 16, w: 16, ci: 64, co: 64 }),
  seed({ batch: 2, h: 8, w: 8, ci: 64, co: 128 }),
  { batch: 3, h: 16, w: 16, ci: 8, co: 16, k: [3, 3], stride: [2, 2], pad: 'same' },
  { batch: 3, h: 15, w: 15, ci: 8, co: 16, k: [3, 3], stride: [2, 2], pad: 'valid' },
  { batch: 3, h: 16, w: 16, ci: 8, co: 16, k: [3, 3], stride: [2, 2], pad: 'valid' }, // last row and column unused
  { batch: 2, h: 15, w: 13, ci: 5, co: 6, k: [5, 3], stride: [1, 1], pad: 'valid' },
  { batch: 2, h: 9, w: 7, ci: 4, co: 5, k: [3, 2], stride: [2, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

function outSize(c: ConvCase): [number, number] {
  const info = tf.backend_util.computeConv2DInfo([c.batch, c.h, c.w, c.ci], [...c.k, c.ci, c.co], c.stride, 1, c.pad);
  return [info.outHeight, info.outWidth];
}

const label = (c: ConvCase) =>
  `${c.h}×${c.w}×${c.ci}→${c.co} ${c.k.join('×')} stride ${c.stride.join('×')} ${typeof c.pad === 'string' ? `'${c.pad}'` : JSON.stringify(c.pad)} batch ${c.batch}`;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

async function assertOnednnMatches(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
  outShape: number[],
  expected: Float32Array,
): Promise<void> {
  const { values, onednnCalls } = await runOnWasmCounted(kernelName, inputs, attrs, size(outShape));
  assert.equal(onednnCalls, 1, `${kernelName} ran on oneDNN (not the wasm fallback)`);
  const err = relativeError(values, expected);
  assert.ok(err <= TOLERANCE, `${kernelName}: oneDNN vs cpu relative error ${err}`);
}

describe('oneDNN convolution kernels match the cpu backend', () => {
  before(async () => {
    await selectBackend('wasm', () => {}, { onednn: true });
  });

  for (const [i, c] of cases.entries()) {
    const [oh, ow] = outSize(c);
    const xHost = randomHost([c.batch, c.h, c.w, c.ci], 10 + i);
    const filterHost = randomHost([...c.k, c.ci, c.co], 30 + i);
    const dyHost = randomHost([c.batch, oh, ow, c.co], 50 + i);
    const common = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };

    test(`Conv2D ${label(c)}`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const attrs = { ...common, dilations: [1, 1] };
      const expected = await runKernelOn('cpu', 'Conv2D', { x: xHost, filter: filterHost }, attrs);
      await assertOnednnMatches('Conv2D', { x: xHost, filter: filterHost }, attrs, [c.batch, oh, ow, c.co], expected);
    });

    test(`Conv2DBackpropInput ${label(c)}`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const attrs = { ...common, inputShape: [c.batch, c.h, c.w, c.ci] };
      const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy: dyHost, filter: filterHost }, attrs);
      await assertOnednnMatches('Conv2DBackpropInput', { dy: dyHost, filter: filterHost }, attrs, [c.batch, c.h, c.w, c.ci], expected);
    });

    test(`Conv2DBackpropFilter ${label(c)}`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const attrs = { ...common, filterShape: [...c.k, c.ci, c.co] };
      // The cpu backend's own filter gradient needs seconds per big layer: for 3×3 'same' stride 1, patchesᵀ·dy.
      const seedShape = c.pad === 'same' && c.k[0] === 3 && c.k[1] === 3 && c.stride[0] === 1 && c.stride[1] === 1;
      const expected = seedShape
        ? await cpuFilterGradViaPatches(xHost, dyHost, 3)
        : await runKernelOn('cpu', 'Conv2DBackpropFilter', { x: xHost, dy: dyHost }, attrs);
      await assertOnednnMatches('Conv2DBackpropFilter', { x: xHost, dy: dyHost }, attrs, [...c.k, c.ci, c.co], expected);
    });
  }

  const x = randomHost([2, 9, 9, 4], 71, 2); // outputs well beyond [0, 6] on both sides
  const filter = randomHost([3, 3, 4, 8], 72);
  const bias = randomHost([8], 73);
  const activations = [
    { activation: 'linear', withBias: false },
    { activation: 'linear', withBias: true },
    { activation: 'relu', withBias: true },
    { activation: 'relu6', withBias: true },
    { activation: 'elu', withBias: true },
    { activation: 'sigmoid', withBias: false },
    { activation: 'leakyrelu', withBias: true, leakyreluAlpha: 0.1 },
  ] as const;
  for (const a of activations) {
    test(`FusedConv2D ${a.activation}${a.withBias ? ' + bias' : ''} (post-ops)`, async (t) => {
      if (skipWithoutOnednn(t)) return;
      const inputs = { x, filter, ...(a.withBias ? { bias } : {}) };
      const attrs = { strides: [1, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation: a.activation, ...('leakyreluAlpha' in a ? { leakyreluAlpha: a.leakyreluAlpha } : {}) };
      const expected = await runKernelOn('cpu', 'FusedConv2D', inputs, attrs);
      if (a.activation === 'relu6') assert.ok(expected.some((v) => v === 6) && expected.some((v) => v === 0), 'both clip bounds are exercised');
      if (a.activation === 'leakyrelu' || a.activation === 'elu') assert.ok(expected.some((v) => v < -0.1), 'negative inputs are exercised');
      await assertOnednnMatches('FusedConv2D', inputs, attrs, [2, 9, 5, 8], expected);
    });
  }

  test('FusedConv2D with PReLU falls back to the wasm kernel and stays correct', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const inputs = { x, filter, bias, preluActivationWeights: randomHost([8], 74) };
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'prelu' };
    const expected = await runKernelOn('cpu', 'FusedConv2D', inputs, attrs);
    const { values, onednnCalls } = await runOnWasmCounted('FusedConv2D', inputs, attrs, 2 * 9 * 9 * 8);
    assert.equal(onednnCalls, 0);
    assert.ok(relativeError(values, expected) <= 1e-4);
  });

  test('Conv2D with dilation 2 falls back to the wasm kernel and stays correct', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [2, 2] };
    const expected = await runKernelOn('cpu', 'Conv2D', { x, filter }, attrs);
    const { values, onednnCalls } = await runOnWasmCounted('Conv2D', { x, filter }, attrs, 2 * 9 * 9 * 8);
    assert.equal(onednnCalls, 0);
    assert.ok(relativeError(values, expected) <= 1e-4);
  });

  test('gradients of a tiny conv net through tf.grads match the cpu backend', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const hosts = [randomHost([3, 12, 12, 3], 81), randomHost([3, 3, 3, 8], 82), randomHost([8], 83), randomHost([3, 3, 8, 16], 84)];
    const net = (xIn: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor) => {
      const h = tf.relu(tf.add(tf.conv2d(xIn as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1));
      return tf.sum(tf.square(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 2, 'valid')));
    };
    const gradientsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const inputs = hosts.map((h) => tf.tensor(h.data, h.shape));
      const grads = tf.grads((a, b, c, d) => net(a, b, c, d))(inputs);
      const values = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
      tf.dispose([...inputs, ...grads]);
      assert.equal(tf.memory().numTensors, before, `no tensors leak on ${backend}`);
      return values;
    };
    const expected = await gradientsOn('cpu');
    const calls = onednnCallCount();
    const actual = await gradientsOn('wasm');
    // forward: 2 Conv2D; backward: 2 Conv2DBackpropFilter and 2 Conv2DBackpropInput (x needs a gradient too)
    assert.equal(onednnCallCount() - calls, 6);
    for (const [i, g] of actual.entries()) {
      const err = relativeError(g, expected[i]!);
      assert.ok(err <= 1e-4, `gradient #${i}: relative error ${err}`);
    }
  });
});

describe('runOnednnConv', () => {
  test('frees its output when the addon throws', async () => {
    await selectBackend('wasm', () => {}, { onednn: false });
    const backend = tf.backend() as BackendWasm;
    const failing = { conv: () => { throw new Error('boom'); } } as unknown as OnednnAddon;
    const x = tf.zeros([1, 4, 4, 2]);
    const w = tf.zeros([3, 3, 2, 2]);
    const dataIds = backend.numDataIds();
    const geometry = Int32Array.from([1, 4, 4, 2, 2, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1]);
    assert.throws(() => runOnednnConv(failing, backend, { kind: ConvKind.forward, a: x, b: w, outShape: [1, 4, 4, 2], geometry }), /boom/);
    assert.equal(backend.numDataIds(), dataIds);
    tf.dispose([x, w]);
  });

  test('passes the heap to the addon after allocating the output (heap growth detaches the old buffer)', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const load = onednnForTests();
    assert.ok(load.ok);
    await selectBackend('wasm', () => {}, { onednn: true });
    const backend = tf.backend() as BackendWasm;
    const x = tf.ones([1, 4, 4, 1]);
    const w = tf.ones([3, 3, 1, 1]);
    const geometry = Int32Array.from([1, 4, 4, 1, 1, 3, 3, 4, 4, 1, 1, 1, 1, 1, 1]);
    // Make the output's allocation grow the heap: first allocate a block as big as the whole heap.
    const makeOutput = backend.makeOutput.bind(backend);
    const fillers: tf.TensorInfo[] = [];
    let grew = false;
    backend.makeOutput = (shape, dtype, ...rest) => {
      const heapBefore = wasmHeap(backend);
      fillers.push(makeOutput([heapBefore.byteLength / 4], 'float32'));
      const out = makeOutput(shape, dtype, ...rest);
      grew = wasmHeap(backend) !== heapBefore;
      return out;
    };
    try {
      const out = runOnednnConv(load.addon, backend, { kind: ConvKind.forward, a: x, b: w, outShape: [1, 4, 4, 1], geometry });
      assert.ok(grew, 'the heap grew while the output was allocated');
      const y = tf.engine().makeTensorFromTensorInfo(out);
      assert.deepEqual(Array.from(await y.data()), [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4]);
      y.dispose();
    } finally {
      backend.makeOutput = makeOutput;
      for (const f of fillers) backend.disposeData(f.dataId);
      tf.dispose([x, w]);
    }
  });
});
