import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildVggModel, layerKinds } from '../../src/training/models/vgg.js';
import type { ModelParams, Regularizer } from '../../src/domain/trial-config.js';

await tf.setBackend('cpu');

const params = (regularizer: Regularizer, depth = 2): ModelParams => ({
  family: 'vgg',
  depth,
  regularizer,
  dropout_rate: 0.25,
  dense_dropout_rate: 0.5,
  dense_units: 16,
  sleep_ms: 0,
});

function kinds(regularizer: Regularizer, depth = 2): string[] {
  const model = buildVggModel(params(regularizer, depth), { inputShape: [8, 8, 3], numClasses: 10 }, 1);
  const result = layerKinds(model);
  model.dispose();
  return result;
}

describe('buildVggModel: the seed models at depth 2', () => {
  test('batchnorm', () => {
    assert.deepEqual(kinds('batchnorm'), 'conv conv bn pool conv conv bn pool flatten dense bn dense'.split(' '));
  });
  test('batchnorm-every-conv', () => {
    assert.deepEqual(
      kinds('batchnorm-every-conv'),
      'conv bn conv bn pool bn conv bn conv bn pool bn flatten dense bn dense'.split(' '),
    );
  });
  test('dropout', () => {
    assert.deepEqual(
      kinds('dropout'),
      'conv conv pool dropout conv conv pool dropout flatten dense dropout dense'.split(' '),
    );
  });
  test('none', () => {
    assert.deepEqual(kinds('none'), 'conv conv pool conv conv pool flatten dense dense'.split(' '));
  });
});

describe('buildVggModel: shapes and seeds', () => {
  test('filters double per block; output has one unit per class', () => {
    const model = buildVggModel(params('none', 3), { inputShape: [16, 16, 1], numClasses: 7 }, 3);
    const convFilters = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.outputShape as number[])[3]);
    assert.deepEqual(convFilters, [32, 32, 64, 64, 128, 128]);
    assert.deepEqual(model.outputs[0]!.shape, [null, 7]);
    model.dispose();
  });

  test('the same seed gives the same initial weights, another seed different ones', () => {
    const weights = (seed: number) => {
      const model = buildVggModel(params('batchnorm', 1), { inputShape: [8, 8, 1], numClasses: 4 }, seed);
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    assert.deepEqual(weights(5), weights(5));
    assert.notDeepEqual(weights(5)[0], weights(6)[0]);
  });
});
