import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { exportToOnnx } from '../../src/export/onnx-exporter.js';
import { OrtClassifier } from '../../src/export/ort-session.js';
import { randomizeBatchNorm, uniform } from '../fixtures/onnx/models.js';

/** Max |tfjs - onnxruntime| over 8 random inputs. */
async function maxDiff(model: tf.LayersModel): Promise<number> {
  const shape = [8, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const rand = uniform(5);
  const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
  const expected = Array.from((model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync());
  const ort = await OrtClassifier.create(exportToOnnx(model, { normalize: 'none' }));
  const actual = await ort.run(x, shape);
  await ort.release();
  assert.equal(actual.length, expected.length);
  return expected.reduce((m, v, i) => Math.max(m, Math.abs(v - actual[i]!)), 0);
}

describe('layer settings beyond the seed models match onnxruntime', () => {
  test("strided 'same' conv and 'same' max-pool on odd sizes (TensorFlow's asymmetric padding)", async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [15, 13, 2], filters: 4, kernelSize: [3, 4], strides: 2, padding: 'same', activation: 'tanh' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
    assert.ok((await maxDiff(m)) <= 1e-5);
  });

  test("dilated 'valid' conv without bias, BN without center/scale, Activation layers, bias-free Dense", async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, dilationRate: 2, useBias: false }));
    m.add(tf.layers.batchNormalization({ center: false, scale: false, epsilon: 0.01 }));
    m.add(tf.layers.activation({ activation: 'sigmoid' }));
    m.add(tf.layers.maxPooling2d({ poolSize: [2, 3] }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 7, useBias: false }));
    m.add(tf.layers.batchNormalization({}));
    m.add(tf.layers.activation({ activation: 'softmax' }));
    randomizeBatchNorm(m, 3);
    assert.ok((await maxDiff(m)) <= 1e-5);
  });

  test('a model ending in a conv keeps NHWC output order', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [5, 6, 2], filters: 3, kernelSize: 1, activation: 'softmax' }));
    assert.ok((await maxDiff(m)) <= 1e-6);
  });
});
