import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, probeWebGpu, WASM_TRAINING_KERNELS, ONEDNN_CONV_KERNELS, onednnConvKernelsInstalled } from '../../src/training/backends/index.js';
import { onednnCallCount } from '../../src/training/backends/onednn/conv-call.js';
import { onednnForTests } from './onednn-helpers.js';
import { loadTensorflowBinding } from '../../src/training/backends/tensorflow.js';
import type { BackendName } from '../../src/domain/backends.js';

describe('selectBackend', () => {
  test('cpu activates', async () => {
    assert.equal(await selectBackend('cpu'), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  test('wasm activates with the training kernels installed', async () => {
    assert.equal(await selectBackend('wasm'), 'wasm');
    for (const k of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered for wasm`);
    const y = tf.tidy(() => tf.sum(tf.tensor([1, 2, 3, 4], [2, 2]), 0));
    assert.deepEqual(Array.from(await y.data()), [4, 6]);
    y.dispose();
  });

  test('wasm runs convolutions on oneDNN when its addon loads, else says why not', async () => {
    const logs: string[] = [];
    assert.equal(await selectBackend('wasm', (m) => logs.push(m)), 'wasm');
    assert.equal(logs.length, 1);
    const load = onednnForTests();
    if (load.ok) {
      assert.match(logs[0]!, /^backend wasm \+ oneDNN 2\.\d+\.\d+ conv kernels \(1 thread, \w+\)$/);
      assert.equal(onednnConvKernelsInstalled(), true);
    } else {
      assert.equal(logs[0], `backend wasm (XNNPACK, 1 thread; no oneDNN conv kernels: ${load.reason})`);
      assert.equal(onednnConvKernelsInstalled(), false);
    }
    for (const k of [...WASM_TRAINING_KERNELS, ...ONEDNN_CONV_KERNELS]) assert.ok(tf.getKernel(k, 'wasm'), `${k} registered for wasm`);
  });

  test('SWEEP_ONEDNN=0 (or onednn: false) restores the wasm convolution kernels and says so', async () => {
    const before = process.env['SWEEP_ONEDNN'];
    process.env['SWEEP_ONEDNN'] = '0';
    try {
      const logs: string[] = [];
      await selectBackend('wasm', (m) => logs.push(m));
      assert.deepEqual(logs, ['backend wasm (XNNPACK, 1 thread; no oneDNN conv kernels: turned off by SWEEP_ONEDNN=0)']);
      assert.equal(onednnConvKernelsInstalled(), false);
      for (const k of WASM_TRAINING_KERNELS) assert.ok(tf.getKernel(k, 'wasm'), `${k} still registered for wasm`);
      const calls = onednnCallCount();
      const y = tf.tidy(() => tf.conv2d(tf.ones<tf.Rank.R4>([1, 3, 3, 1]), tf.ones<tf.Rank.R4>([3, 3, 1, 1]), 1, 'same'));
      assert.deepEqual(Array.from(await y.data()), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
      assert.equal(onednnCallCount(), calls, 'the convolution ran on the wasm kernel');
      y.dispose();
    } finally {
      if (before === undefined) delete process.env['SWEEP_ONEDNN'];
      else process.env['SWEEP_ONEDNN'] = before;
    }
    const logs: string[] = [];
    await selectBackend('wasm', (m) => logs.push(m), { onednn: false });
    assert.deepEqual(logs, ['backend wasm (XNNPACK, 1 thread; no oneDNN conv kernels: turned off by the caller)']);
    assert.equal(onednnConvKernelsInstalled(), false);
    await selectBackend('wasm');
    assert.equal(onednnConvKernelsInstalled(), onednnForTests().ok, 'back on by default');
  });

  test('tensorflow without a tfjs-node binding fails with install instructions', async (t) => {
    if ((await loadTensorflowBinding()).loaded) {
      t.skip('a tfjs-node binding is installed here');
      return;
    }
    await assert.rejects(selectBackend('tensorflow'), /install @tensorflow\/tfjs-node-gpu.*CUDA 11\.2 \+ cuDNN 8/);
  });

  test('auto picks the fastest available backend and says why', async () => {
    const logs: string[] = [];
    const picked = await selectBackend('auto', (m) => logs.push(m));
    const tensorflow = (await loadTensorflowBinding()).loaded;
    const realGpu = await probeWebGpu(false);
    const expected = tensorflow ? 'tensorflow' : realGpu.ok ? 'webgpu' : 'wasm';
    assert.equal(picked, expected);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, new RegExp(`backend auto → ${expected}`));
    if (expected === 'wasm') assert.match(logs[0]!, /because tensorflow: .*; webgpu: /);
    if (expected === 'wasm') assert.match(logs[0]!, onednnForTests().ok ? /^backend auto → wasm \+ oneDNN .* conv kernels \(1 thread, / : /^backend auto → wasm \(XNNPACK, 1 thread; no oneDNN conv kernels: /);
  });

  test('an unknown name is rejected with the valid choices', async () => {
    await assert.rejects(selectBackend('tpu' as BackendName), /unknown backend 'tpu': choose one of auto, tensorflow, webgpu, wasm, cpu/);
  });

  test('explicit webgpu runs on any adapter, software ones included, and computes correctly', async (t) => {
    const probe = await probeWebGpu(true);
    if (!probe.ok) {
      t.diagnostic(`no WebGPU adapter: ${probe.reason}`);
      t.skip(`no WebGPU adapter: ${probe.reason}`);
      return;
    }
    const logs: string[] = [];
    assert.equal(await selectBackend('webgpu', (m) => logs.push(m)), 'webgpu');
    assert.match(logs[0] ?? '', /backend webgpu: /);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
    const product = tf.matMul(a, b);
    assert.deepEqual(Array.from(await product.data()), [0.5, 7, 2, 16]); // await data(): dataSync fails on webgpu in Node
    tf.dispose([a, b, product]);
  });
});
