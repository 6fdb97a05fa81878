import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../../src/training/backends/index.js';
import { withKernelScope } from '../../src/training/backends/wasm-kernels/kernel-call.js';
import { filterGradStride1 } from '../../src/training/backends/wasm-kernels/filter-grad-stride1.js';
import { assertKernelMatchesCpu, cpuFilterGradViaPatches, randomHost, runKernelOn, relativeError } from './wasm-parity-helpers.js';

type Pad = 'same' | 'valid';
interface ConvCase {
  batch: number;
  size: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  pad: Pad;
}

const convCases: ConvCase[] = [
  { batch: 8, size: 32, inChannels: 3, outChannels: 32, stride: 1, pad: 'same' },
  { batch: 8, size: 32, inChannels: 32, outChannels: 32, stride: 1, pad: 'same' },
  { batch: 8, size: 16, inChannels: 32, outChannels: 64, stride: 1, pad: 'same' },
  { batch: 8, size: 16, inChannels: 64, outChannels: 64, stride: 1, pad: 'same' },
  { batch: 4, size: 15, inChannels: 8, outChannels: 16, stride: 1, pad: 'valid' },
  { batch: 4, size: 16, inChannels: 8, outChannels: 16, stride: 2, pad: 'same' },
  { batch: 4, size: 15, inChannels: 8, outChannels: 16, stride: 2, pad: 'valid' },
  { batch: 4, size: 16, inChannels: 8, outChannels: 16, stride: 2, pad: 'valid' },
];

function convOutSize(c: ConvCase): number {
  return c.pad === 'same' ? Math.ceil(c.size / c.stride) : Math.floor((c.size - 3) / c.stride) + 1;
}

const label = (c: ConvCase) => `${c.size}×${c.size}×${c.inChannels}→${c.outChannels} stride ${c.stride} '${c.pad}' batch ${c.batch}`;

describe('wasm training kernels match the cpu backend', () => {
  before(async () => {
    // The wasm kernels themselves (the fallback where the oneDNN convolutions do not apply): see onednn-kernels.test.ts.
    await selectBackend('wasm', () => {}, { onednn: false });
  });

  for (const [i, c] of convCases.entries()) {
    const out = convOutSize(c);
    const x = () => randomHost([c.batch, c.size, c.size, c.inChannels], 10 + i);
    const dy = () => randomHost([c.batch, out, out, c.outChannels], 20 + i);
    const filterAttrs = { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape: [3, 3, c.inChannels, c.outChannels] };

    if (c.stride === 1 && c.pad === 'same') {
      test(`Conv2DBackpropFilter ${label(c)} (cpu reference: patchesᵀ·dy)`, async () => {
        const expected = await cpuFilterGradViaPatches(x(), dy(), 3);
        const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x: x(), dy: dy() }, filterAttrs);
        const err = relativeError(actual, expected);
        assert.ok(err <= 1e-4, `relative error ${err}`);
      });
    }
    if (c.batch <= 4 || c.inChannels === 3) {
      test(`Conv2DBackpropFilter ${label(c)} (cpu reference: its own kernel)`, async () => {
        const small = { ...c, batch: Math.min(c.batch, 2) };
        await assertKernelMatchesCpu(
          'Conv2DBackpropFilter',
          { x: randomHost([small.batch, c.size, c.size, c.inChannels], 10 + i), dy: randomHost([small.batch, out, out, c.outChannels], 20 + i) },
          filterAttrs,
        );
      });
    }

    test(`Conv2DBackpropInput ${label(c)}`, async () => {
      await assertKernelMatchesCpu(
        'Conv2DBackpropInput',
        { dy: dy(), filter: randomHost([3, 3, c.inChannels, c.outChannels], 40 + i) },
        { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', inputShape: [c.batch, c.size, c.size, c.inChannels] },
      );
    });
  }

  const oddFilters = [
    { kernel: [2, 2], pad: 'same', note: 'even kernel: asymmetric padding' },
    { kernel: [5, 3], pad: 'same', note: 'non-square kernel' },
    { kernel: [1, 1], pad: 'valid', note: '1×1 kernel' },
    { kernel: [4, 2], pad: 'valid', note: 'valid, non-square' },
  ] as const;
  for (const [i, f] of oddFilters.entries()) {
    test(`Conv2DBackpropFilter stride 1 ${f.kernel.join('×')} '${f.pad}' (${f.note})`, async () => {
      const [kh, kw] = f.kernel;
      const [outH, outW] = f.pad === 'same' ? [9, 7] : [9 - kh + 1, 7 - kw + 1];
      await assertKernelMatchesCpu(
        'Conv2DBackpropFilter',
        { x: randomHost([3, 9, 7, 5], 90 + i), dy: randomHost([3, outH, outW, 6], 95 + i) },
        { strides: [1, 1], pad: f.pad, dataFormat: 'NHWC', filterShape: [kh, kw, 5, 6] },
      );
    });
  }

  test('Conv2DBackpropFilter stride 1 gives the same sums when the batch is split into chunks', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.tensor4d(randomHost([5, 8, 8, 4], 97).data, [5, 8, 8, 4]);
    const dy = tf.tensor4d(randomHost([5, 8, 8, 6], 98).data, [5, 8, 8, 6]);
    const info = tf.backend_util.computeConv2DInfo([5, 8, 8, 4], [3, 3, 4, 6], 1, 1, 'same');
    const grad = (maxPatchFloats: number) => {
      const out = withKernelScope(backend, (scope) => filterGradStride1(scope, x, dy, info, maxPatchFloats));
      const values = (backend.typedArrayFromHeap(out) as Float32Array).slice();
      backend.disposeData(out.dataId);
      return values;
    };
    const whole = grad(Number.MAX_SAFE_INTEGER);
    const onePerChunk = grad(1);
    const twoPerChunk = grad(2 * 3 * 3 * 4 * 10 * 10);
    assert.ok(relativeError(onePerChunk, whole) <= 1e-6, 'one image per chunk');
    assert.ok(relativeError(twoPerChunk, whole) <= 1e-6, 'two images per chunk (uneven last chunk)');
    const expected = await cpuFilterGradViaPatches({ shape: [5, 8, 8, 4], data: await x.data() as Float32Array }, { shape: [5, 8, 8, 6], data: await dy.data() as Float32Array }, 3);
    assert.ok(relativeError(whole, expected) <= 1e-5);
    await tf.setBackend('wasm');
    tf.dispose([x, dy]);
  });

  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    test(`BatchMatMul transposeA=${transposeA} transposeB=${transposeB}`, async () => {
      const [m, k, n] = [64, 200, 48];
      await assertKernelMatchesCpu(
        'BatchMatMul',
        { a: randomHost(transposeA ? [2, k, m] : [2, m, k], 50), b: randomHost(transposeB ? [2, n, k] : [2, k, n], 51) },
        { transposeA, transposeB },
      );
    });
  }

  const poolCases = [
    { name: '2×2 stride 2 (seed models)', size: 32, channels: 32, filter: 2, stride: 2, pad: 'valid', offset: 0, tolerance: 0 },
    { name: '2×2 stride 2, all windows negative', size: 16, channels: 64, filter: 2, stride: 2, pad: 'valid', offset: -5, tolerance: 0 },
    { name: '3×3 stride 2 same, all windows negative', size: 15, channels: 8, filter: 3, stride: 2, pad: 'same', offset: -5, tolerance: 1e-6 }, // overlapping windows: summation order differs
  ] as const;
  for (const p of poolCases) {
    test(`MaxPoolGrad ${p.name}`, async () => {
      const x = randomHost([4, p.size, p.size, p.channels], 60, p.offset);
      const poolAttrs = { filterSize: [p.filter, p.filter], strides: [p.stride, p.stride], pad: p.pad };
      const y = await runKernelOn('cpu', 'MaxPool', { x }, poolAttrs);
      const outSize = p.pad === 'same' ? Math.ceil(p.size / p.stride) : Math.floor((p.size - p.filter) / p.stride) + 1;
      const yHost = { shape: [4, outSize, outSize, p.channels], data: y };
      if (p.offset < 0) assert.ok(y.every((v) => v < 0), 'test input must have only negative windows');
      await assertKernelMatchesCpu(
        'MaxPoolGrad',
        { dy: randomHost(yHost.shape, 61), input: x, output: yHost },
        poolAttrs,
        p.tolerance,
      );
    });
  }

  for (const [shape, reps] of [[[1, 1, 1, 32], [8, 16, 16, 1]], [[2, 3, 4], [3, 1, 2]], [[5], [4]], [[2, 1, 3, 2], [1, 4, 1, 3]]] as const) {
    test(`Tile ${JSON.stringify(shape)} × ${JSON.stringify(reps)}`, async () => {
      await assertKernelMatchesCpu('Tile', { x: randomHost([...shape], 70) }, { reps: [...reps] }, 0);
    });
  }

  const reductions: Array<{ axis: number[]; keepDims: boolean; note: string }> = [
    { axis: [0, 1, 2], keepDims: false, note: 'per-channel (leading axes)' },
    { axis: [0, 1, 2], keepDims: true, note: 'per-channel, keepDims' },
    { axis: [3], keepDims: false, note: 'trailing axis' },
    { axis: [2, 3], keepDims: true, note: 'trailing axes, keepDims' },
    { axis: [0, 1, 2, 3], keepDims: false, note: 'all axes' },
    { axis: [1, 2], keepDims: false, note: 'middle axes (native kernel)' },
  ];
  for (const kernel of ['Sum', 'Mean']) {
    for (const r of reductions) {
      test(`${kernel} over ${JSON.stringify(r.axis)} of 8×16×16×32: ${r.note}`, async () => {
        await assertKernelMatchesCpu(kernel, { x: randomHost([8, 16, 16, 32], 80) }, { axis: r.axis, keepDims: r.keepDims }, 1e-5);
      });
    }
  }

  test('the custom kernels do not leak backend memory', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 8, 8, 4]);
    const dy = tf.randomNormal([2, 8, 8, 6]);
    const w = tf.randomNormal([3, 3, 4, 6]);
    const a = tf.randomNormal([3, 5]);
    const bytesBefore = tf.memory().numBytes;
    const dataIdsBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 6] });
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [2, 8, 8, 4] });
        tf.matMul(a, a, true, false);
        tf.sum(x, [0, 1, 2]);
        tf.mean(x, [3], true);
        tf.tile(a, [2, 3]);
        tf.grad((t) => tf.maxPool(t as tf.Tensor4D, 2, 2, "valid").sum())(x);
      });
    }
    assert.equal(tf.memory().numBytes, bytesBefore);
    assert.equal(tf.engine().backend.numDataIds(), dataIdsBefore);
    tf.dispose([x, dy, w, a]);
  });

  test('relativeError is scale-aware and catches a wrong value', () => {
    assert.equal(relativeError([1, 2, 3], [1, 2, 3]), 0);
    assert.ok(relativeError([1, 2, 3.5], [1, 2, 3]) > 0.1);
  });
});
