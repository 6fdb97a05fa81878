import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeBatch, pixelTable } from '../../src/training/loop/batches.js';
import { dropoutLayers, reseedDropout } from '../../src/training/loop/dropout-seeds.js';
import { SeededRandom } from '../../src/training/loop/rng.js';
import { buildVggModel } from '../../src/training/models/vgg.js';
import type { Dataset } from '../../src/training/datasets/types.js';

await tf.setBackend('cpu');

// Two 1×2 images with 2 channels: pixels (c0, c1).
const dataset: Dataset = {
  name: 'tiny',
  classNames: ['a', 'b', 'c'],
  shape: [1, 2, 2],
  train: { images: new Uint8Array([0, 10, 255, 20, 51, 30, 102, 40]), labels: new Uint8Array([2, 0]), count: 2 },
  validation: { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 },
  channelMean: [100, 20],
  channelStd: [50, 10],
};

describe('batches', () => {
  test("'scale' divides by 255 and the order picks the images", () => {
    const batch = makeBatch(dataset.train, dataset.shape, pixelTable(dataset, 'scale'), [1, 0], 0, 2);
    assert.deepEqual(batch.x.shape, [2, 1, 2, 2]);
    const expected = [51, 30, 102, 40, 0, 10, 255, 20].map((v) => Math.fround(v / 255));
    assert.deepEqual(Array.from(batch.x.dataSync()), expected);
    assert.deepEqual(Array.from(batch.labels), [0, 2]);
    batch.x.dispose();
  });

  test("'standardize' uses the per-channel mean and std", () => {
    const batch = makeBatch(dataset.train, dataset.shape, pixelTable(dataset, 'standardize'), [0], 0, 1);
    assert.deepEqual(Array.from(batch.x.dataSync()), [-2, -1, Math.fround(3.1), 0]);
    batch.x.dispose();
  });

  test("'standardize' without statistics is a clear error", () => {
    assert.throws(() => pixelTable({ ...dataset, channelStd: [50, 0] }, 'standardize'), /channel 1 with std > 0/);
  });
});

describe('seeded randomness', () => {
  test('permutations are deterministic, complete and continue from a saved state', () => {
    const a = SeededRandom.fromSeed(3);
    const first = a.permutation(50);
    assert.deepEqual([...first].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    const saved = a.getState();
    const second = a.permutation(50);
    assert.notDeepEqual(first, second);
    assert.deepEqual(new SeededRandom(saved).permutation(50), second);
    assert.deepEqual(SeededRandom.fromSeed(3).permutation(50), first);
    assert.notDeepEqual(SeededRandom.fromSeed(4).permutation(50), first);
  });

  test('dropout masks change from step to step and repeat for the same step', () => {
    const model = buildVggModel(
      { family: 'vgg', depth: 1, regularizer: 'dropout', dropout_rate: 0.5, dense_dropout_rate: 0.5, dense_units: 8, sleep_ms: 0 },
      { inputShape: [4, 4, 1], numClasses: 3 },
      1,
    );
    const layers = dropoutLayers(model);
    assert.equal(layers.length, 2);
    const x = tf.ones([2, 4, 4, 1]);
    const output = (step: number) => {
      reseedDropout(layers, 1, step);
      return tf.tidy(() => Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync()));
    };
    const step0 = output(0);
    assert.notDeepEqual(output(1), step0);
    assert.deepEqual(output(0), step0);
    x.dispose();
    model.dispose();
  });
});
