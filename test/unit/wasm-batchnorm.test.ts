import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/training/backends/index.js';
import { randomHost, relativeError, type HostTensor } from './wasm-parity-helpers.js';

interface BatchNormRun {
  y: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  kernels: string[];
}

/** One training-mode call of a BatchNormalization layer: output, gradients of Σ y·w, and the moving statistics. */
async function runBatchNorm(backend: 'cpu' | 'wasm', x: HostTensor, weights: HostTensor, training = true): Promise<BatchNormRun> {
  await selectBackend(backend);
  const channels = x.shape[x.shape.length - 1]!;
  const layer = tf.layers.batchNormalization({ momentum: 0.9, gammaInitializer: 'ones' });
  layer.build(x.shape);
  layer.setWeights([
    tf.tensor1d(Array.from({ length: channels }, (_, c) => 0.5 + c / channels)),
    tf.tensor1d(Array.from({ length: channels }, (_, c) => c / 10 - 0.2)),
    tf.zeros([channels]),
    tf.ones([channels]),
  ]);
  const xs = tf.variable(tf.tensor(x.data, x.shape));
  const w = tf.tensor(weights.data, weights.shape);
  const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  let y: tf.Tensor | undefined;
  const profile = await tf.profile(() => {
    const { grads } = tf.variableGrads(() => {
      const out = layer.apply(xs, { training }) as tf.Tensor;
      y = tf.keep(out);
      return tf.sum<tf.Scalar>(tf.mul(out, w));
    }, [xs, gamma!, beta!]);
    return Object.values(grads);
  });
  const { grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.mul(layer.apply(xs, { training }) as tf.Tensor, w)), [xs, gamma!, beta!]);
  const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
  const [, , movingMean, movingVariance] = layer.getWeights();
  const run: BatchNormRun = {
    y: await read(y!),
    dx: await read(grads[xs.name]!),
    dGamma: await read(grads[gamma!.name]!),
    dBeta: await read(grads[beta!.name]!),
    movingMean: await read(movingMean!),
    movingVariance: await read(movingVariance!),
    kernels: profile.kernelNames,
  };
  tf.dispose([xs, w, y!, ...Object.values(grads)]);
  layer.weights.forEach((v) => v.dispose());
  return run;
}

describe('fused training-mode BatchNormalization on wasm', () => {
  const cases = [
    { name: 'NHWC activations', shape: [8, 6, 6, 16], offset: 0.7 },
    { name: 'dense activations (rank 2)', shape: [32, 24], offset: -2 },
  ];
  for (const c of cases) {
    test(`${c.name}: output, gradients and moving statistics match the layer's own code on cpu`, async () => {
      const x = randomHost(c.shape, 5, c.offset);
      const w = randomHost(c.shape, 6);
      const expected = await runBatchNorm('cpu', x, w);
      const actual = await runBatchNorm('wasm', x, w);
      assert.ok(actual.kernels.includes('SweepBatchNormTrainForward'), `wasm ran the fused kernels: ${actual.kernels.join(',')}`);
      assert.ok(!expected.kernels.includes('SweepBatchNormTrainForward'), 'cpu keeps the original path');
      for (const key of ['y', 'dx', 'dGamma', 'dBeta', 'movingMean', 'movingVariance'] as const) {
        const err = relativeError(actual[key], expected[key]);
        assert.ok(err <= 1e-4, `${key}: wasm vs cpu relative error ${err}`);
      }
      // Two updates with momentum 0.9 from (0, 1): the moving statistics moved towards the batch's.
      assert.ok(actual.movingMean.some((m) => Math.abs(m) > 1e-3));
    });
  }

  test('inference mode keeps the moving-statistics path', async () => {
    const x = randomHost([4, 3, 3, 8], 7);
    const run = await runBatchNorm('wasm', x, randomHost([4, 3, 3, 8], 8), false);
    assert.ok(!run.kernels.includes('SweepBatchNormTrainForward'));
    assert.deepEqual([...run.movingMean], new Array(8).fill(0));
  });

  test('the fused path leaks no tensors', async () => {
    await selectBackend('wasm');
    const layer = tf.layers.batchNormalization({});
    const x = tf.variable(tf.randomNormal([4, 5, 5, 6]));
    layer.apply(x, { training: true });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(layer.apply(x, { training: true }) as tf.Tensor), [x]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
    layer.weights.forEach((v) => v.dispose());
  });
});
