import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/training/backends/index.js';
import { buildVggModel } from '../../src/training/models/vgg.js';
import type { ModelParams, Regularizer } from '../../src/domain/trial-config.js';
import { randomHost, relativeError } from './wasm-parity-helpers.js';

const params = (regularizer: Regularizer, dropout = 0): ModelParams => ({
  family: 'vgg',
  depth: 2,
  regularizer,
  dropout_rate: dropout,
  dense_dropout_rate: dropout,
  dense_units: 64,
  sleep_ms: 0,
});

/** Gradients of the mean cross-entropy w.r.t. every trainable weight, as host arrays. */
async function gradientsOn(
  backend: 'cpu' | 'wasm',
  regularizer: Regularizer,
  weights: Float32Array[],
  x: { shape: number[]; data: Float32Array },
  labels: number[],
  onednn = true,
): Promise<Float32Array[]> {
  await selectBackend(backend, () => {}, { onednn });
  const model = buildVggModel(params(regularizer), { inputShape: [16, 16, 3], numClasses: 10 }, 7);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape)));
  const xs = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const { grads } = tf.variableGrads(() =>
    tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor).mean<tf.Scalar>(),
  );
  const names = model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
  const out = await Promise.all(names.map(async (n) => (await grads[n]!.data()) as Float32Array));
  tf.dispose([xs, ys, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('whole-model training on the wasm backend', () => {
  for (const [regularizer, onednn] of [['none', true], ['dropout', true], ['none', false]] as const) {
    test(`gradients of the '${regularizer}' model (rate 0) match the cpu backend (oneDNN conv kernels ${onednn ? 'when built' : 'off'})`, async () => {
      await selectBackend('cpu');
      const reference = buildVggModel(params(regularizer), { inputShape: [16, 16, 3], numClasses: 10 }, 7);
      const weights = await Promise.all(reference.getWeights().map(async (w) => (await w.data()) as Float32Array));
      reference.dispose();
      const x = randomHost([2, 16, 16, 3], 99);
      const labels = [3, 8];
      const expected = await gradientsOn('cpu', regularizer, weights, x, labels);
      const actual = await gradientsOn('wasm', regularizer, weights, x, labels, onednn);
      assert.equal(actual.length, expected.length);
      assert.ok(actual.length >= 12, 'every conv and dense kernel and bias has a gradient');
      for (const [i, g] of actual.entries()) {
        const err = relativeError(g, expected[i]!);
        assert.ok(err <= 1e-4, `weight #${i}: wasm vs cpu gradient relative error ${err}`);
      }
    });
  }

  for (const regularizer of ['none', 'dropout', 'batchnorm', 'batchnorm-every-conv'] as const) {
    test(`a short training run of the '${regularizer}' seed model lowers the loss`, async () => {
      await selectBackend('wasm');
      const numBefore = tf.memory().numTensors;
      const samples = 48;
      // Learnable data: each class brightens its own horizontal band of the image.
      const { xs, ys } = tf.tidy(() => {
        const labels = tf.tensor1d(Array.from({ length: samples }, (_, i) => i % 10), 'int32');
        const bands = tf.tensor2d(Array.from({ length: 10 }, (_, c) => Array.from({ length: 32 }, (_, row) => (Math.floor(row / 3.2) === c ? 1 : 0)))); // [10, 32]
        const rowMask = tf.gather(bands, labels).reshape([samples, 32, 1, 1]);
        const noise = tf.randomUniform([samples, 32, 32, 3], 0, 0.5, 'float32', 5);
        return { xs: noise.add(rowMask.mul(0.5)), ys: tf.oneHot(labels, 10) };
      });
      const model = buildVggModel(params(regularizer, 0.1), { inputShape: [32, 32, 3], numClasses: 10 }, 3);
      const optimizer = tf.train.adam(2e-3);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const history = await model.fit(xs, ys, { epochs: 5, batchSize: 16, shuffle: true, verbose: 0 });
      const losses = history.history.loss as number[];
      const first = losses[0]!;
      const last = losses[losses.length - 1]!;
      assert.ok(Number.isFinite(last), `loss became ${last}`);
      assert.ok(last < 0.6 * first, `loss went ${losses.map((l) => l.toFixed(3)).join(' → ')}: expected the last below 60% of the first`);
      model.dispose();
      optimizer.dispose();
      tf.dispose([xs, ys]);
      assert.equal(tf.memory().numTensors, numBefore, 'training leaked tensors');
    });
  }
});
