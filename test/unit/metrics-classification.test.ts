import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyOf,
  confusionMatrix,
  crossEntropy,
  perClassAccuracy,
} from '../../src/training/metrics/classification.js';
import { sampleClasses, samplePredictions } from '../../src/training/metrics/samples.js';

// 4 samples, 3 classes: predictions 0, 1, 1, 2 for labels 0, 1, 2, 2
const labels = new Uint8Array([0, 1, 2, 2]);
const probabilities = new Float32Array([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3, 0.0, 0.0, 1.0]);

describe('classification metrics', () => {
  test('confusion matrix is [true][predicted]', () => {
    assert.deepEqual(confusionMatrix(labels, probabilities, 3), [
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
    ]);
  });

  test('accuracy and per-class accuracy', () => {
    const matrix = confusionMatrix(labels, probabilities, 3);
    assert.equal(accuracyOf(matrix), 3 / 4);
    assert.deepEqual(perClassAccuracy(matrix), [1, 1, 0.5]);
    assert.ok(Number.isNaN(perClassAccuracy([[0, 0], [0, 2]])[0]));
  });

  test('cross-entropy clips like Keras', () => {
    const value = crossEntropy(labels, probabilities, 3);
    const hand = -(Math.log(0.7) + Math.log(0.8) + Math.log(Math.fround(0.3)) + Math.log(1 - 1e-7)) / 4;
    assert.ok(Math.abs(value - hand) < 1e-6, `${value} vs ${hand}`);
    const zero = crossEntropy(new Uint8Array([0]), new Float32Array([0, 1]), 2);
    assert.ok(Math.abs(zero - -Math.log(1e-7)) < 1e-9);
  });

  test('a label outside the classes is a clear error', () => {
    assert.throws(() => confusionMatrix(new Uint8Array([5]), new Float32Array(3), 3), /label 5 at index 0 is outside 0..2/);
  });
});

describe('sample predictions', () => {
  test('uses the seed classes for CIFAR-10 names', () => {
    const cifar = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    assert.deepEqual(sampleClasses(cifar), [8, 0, 6, 4]);
    assert.deepEqual(sampleClasses(['a', 'b', 'c', 'd', 'e']), [0, 1, 2, 3]);
    assert.deepEqual(sampleClasses(['a', 'b']), [0, 1]);
  });

  test('picks the first validation image of each class', () => {
    const samples = samplePredictions(labels, probabilities, ['x', 'y', 'z']);
    assert.deepEqual(
      samples.map((s) => [s.index, s.label, s.predicted]),
      [
        [0, 0, 0],
        [1, 1, 1],
        [2, 2, 1],
      ],
    );
    assert.equal(samples[2]!.probabilities.length, 3);
  });
});
