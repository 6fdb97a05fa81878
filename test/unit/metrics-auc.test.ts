import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { microAuc, rocAuc } from '../../src/training/metrics/auc.js';

describe('rocAuc', () => {
  test('perfect and inverted rankings give 1 and 0', () => {
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), 1);
    assert.equal(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]), 0);
  });

  test('matches a hand count of correctly ordered pairs', () => {
    // positives 0.35, 0.8 ; negatives 0.1, 0.4, 0.9 → pairs won: 0.35>0.1; 0.8>0.1, 0.8>0.4 → 3 of 6
    assert.equal(rocAuc([0, 1, 0, 1, 0], [0.1, 0.35, 0.4, 0.8, 0.9]), 3 / 6);
  });

  test('a tie between a positive and a negative counts one half', () => {
    // positive 0.5 ties negative 0.5 (½) and beats negative 0.2 (1) → 1.5 of 2
    assert.equal(rocAuc([1, 0, 0], [0.5, 0.5, 0.2]), 0.75);
    // everything tied → 0.5
    assert.equal(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3]), 0.5);
  });

  test('ties inside one class do not change the result', () => {
    assert.equal(rocAuc([1, 1, 0], [0.7, 0.7, 0.1]), 1);
  });

  test('is NaN when a class is missing and rejects mismatched lengths', () => {
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.2, 0.3])));
    assert.throws(() => rocAuc([1, 0], [0.2]), /2 labels but 1 scores/);
  });
});

describe('microAuc', () => {
  test('flattens one-hot labels against the probabilities', () => {
    // 2 samples × 2 classes. Flattened: labels [1,0, 0,1], scores [0.6,0.4, 0.7,0.3]
    // positives 0.6, 0.3; negatives 0.4, 0.7 → 0.6>0.4 only → 1 of 4
    const probabilities = new Float32Array([0.6, 0.4, 0.7, 0.3]);
    assert.equal(microAuc([0, 1], probabilities, 2), rocAuc([1, 0, 0, 1], probabilities));
    assert.equal(microAuc([0, 1], probabilities, 2), 0.25);
  });

  test('rejects probabilities of the wrong size', () => {
    assert.throws(() => microAuc([0, 1], new Float32Array(3), 2), /expected 2×2 probabilities, got 3/);
  });
});
