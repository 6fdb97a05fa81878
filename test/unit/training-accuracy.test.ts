import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { trainTrial } from '../../src/training/engine.js';
import { smallDataset, trialConfig } from '../fixtures/training/trial-config.js';

await tf.setBackend('cpu');

describe('trainTrial learns (cpu backend)', () => {
  test('learns the synthetic set to > 90 % validation accuracy in 3 epochs, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const tensorsAtEpochEnd: number[] = [];
    const dataset = smallDataset();
    const result = await trainTrial({
      config: trialConfig({ model: { regularizer: 'none' } }),
      dataset,
      hooks: { onEpochEnd: () => void tensorsAtEpochEnd.push(tf.memory().numTensors) },
    });
    const last = result.epochs.at(-1)!;
    assert.ok(last.val_accuracy > 0.9, `val_accuracy ${last.val_accuracy}`);
    assert.ok(last.val_auc > 0.9 && last.val_auc <= 1, `val_auc ${last.val_auc}`);
    assert.ok(last.loss < result.epochs[0]!.loss, 'training loss falls');
    assert.equal(result.stopReason, 'completed');
    assert.deepEqual(result.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.ok(result.epochs.every((e) => e.lr === 0.001 && e.images_per_sec > 0 && e.seconds > 0));
    assert.equal(result.backend, 'cpu');

    const matrix = result.confusionMatrix;
    assert.equal(matrix.flat().reduce((a, b) => a + b, 0), dataset.validation.count);
    const diagonal = matrix.reduce((sum, row, i) => sum + row[i]!, 0);
    assert.equal(diagonal / dataset.validation.count, last.val_accuracy, 'final weights are the last epoch’s');
    assert.equal(result.perClassAccuracy.length, 4);
    assert.deepEqual(result.samples.map((s) => s.label), [0, 1, 2, 3]);
    for (const s of result.samples) {
      assert.equal(dataset.validation.labels[s.index], s.label);
      assert.equal(dataset.validation.labels.indexOf(s.label), s.index, 'first image of its class');
      assert.ok(Math.abs(s.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    }
    assert.match(result.weightsSha256, /^[0-9a-f]{64}$/);
    assert.ok(result.bestEpoch >= 1 && result.bestEpoch <= 3);
    const minLoss = Math.min(...result.epochs.map((e) => e.val_loss));
    assert.equal(result.epochs[result.bestEpoch - 1]!.val_loss, minLoss, 'bestEpoch is by val_loss');

    assert.equal(new Set(tensorsAtEpochEnd).size, 1, `tensor counts at epoch ends: ${tensorsAtEpochEnd.join(',')}`);
    (result.model as tf.LayersModel).dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors left after disposing the model');
  });

});
