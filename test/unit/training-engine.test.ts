import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { trainTrial } from '../../src/training/engine.js';
import { decodeTrainingState } from '../../src/training/state/training-state.js';
import type { TrainingState } from '../../src/training/types.js';
import { smallDataset, trialConfig } from '../fixtures/training/trial-config.js';
import { assertSeedDeterminism, disposeResult } from '../fixtures/training/determinism.js';

await tf.setBackend('cpu');

const TINY = { train_size: 96, validation_size: 32 };
const dispose = disposeResult;

describe('trainTrial (vgg, cpu backend)', () => {
  test('same seed ⇒ identical metrics and weights; another seed ⇒ other weights', async () => {
    const dataset = smallDataset(TINY);
    const config = trialConfig({
      model: { regularizer: 'dropout' },
      optimizer: { name: 'nesterov', learning_rate: 0.01, momentum: 0.9 },
      training: { epochs: 2 },
    });
    await assertSeedDeterminism(config, dataset);
  });

  test('shouldStop ends the trial at the next epoch boundary', async () => {
    let ended = 0;
    const result = await trainTrial({
      config: trialConfig({ training: { epochs: 5 } }),
      dataset: smallDataset(TINY),
      hooks: { onEpochEnd: () => void ended++, shouldStop: () => ended >= 1 },
    });
    assert.equal(result.stopReason, 'stopped');
    assert.equal(result.epochs.length, 1);
    dispose(result);
  });

  test('early stopping stops and restores the best epoch’s weights', async () => {
    const states: TrainingState[] = [];
    const result = await trainTrial({
      // min_delta 100 makes every epoch after the first "no improvement".
      config: trialConfig({
        training: { epochs: 5, early_stopping: { monitor: 'loss', patience: 1, min_delta: 100, restore_best_weights: true } },
      }),
      dataset: smallDataset(TINY),
      hooks: { onEpochEnd: async (_m, save) => void states.push(await save()) },
    });
    assert.equal(result.stopReason, 'early_stopping');
    assert.equal(result.epochs.length, 2);
    assert.equal(result.bestEpoch, 1);
    const epochOneWeights = decodeTrainingState(states[0]!.bytes).tensors.weights;
    const hash = createHash('sha256');
    for (const t of epochOneWeights) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    assert.equal(result.weightsSha256, hash.digest('hex'));
    assert.equal(states[1]!.epoch, 2);
    assert.equal(states[1]!.sha256, createHash('sha256').update(states[1]!.bytes).digest('hex'));
    dispose(result);
  });

  test('a state from another seed is refused with a clear error', async () => {
    let state: TrainingState | undefined;
    const config = trialConfig({ training: { epochs: 1 } });
    const dataset = smallDataset(TINY);
    dispose(await trainTrial({ config, dataset, hooks: { onEpochEnd: async (_m, save) => void (state = await save()) } }));
    await assert.rejects(
      trainTrial({ config: { ...config, seed: 9 }, dataset, resumeFrom: state!.bytes }),
      /training state is for seed 1 \/ optimizer adam, but this trial has seed 9/,
    );
    await assert.rejects(trainTrial({ config, dataset, resumeFrom: new Uint8Array(20) }), /bad magic/);
  });
});

describe('trainTrial (sleep family)', () => {
  test('waits sleep_ms per epoch, reports metrics and resumes', async () => {
    const config = trialConfig({ model: { family: 'sleep', sleep_ms: 30 }, training: { epochs: 3 } });
    const dataset = smallDataset(TINY);
    let state: TrainingState | undefined;
    const started = performance.now();
    const first = await trainTrial({
      config: { ...config, training: { ...config.training, epochs: 2 } },
      dataset,
      hooks: { onEpochEnd: async (_m, save) => void (state = await save()) },
    });
    assert.ok(performance.now() - started >= 60);
    assert.equal(first.backend, 'none');
    assert.equal(state!.epoch, 2);
    const resumed = await trainTrial({ config, dataset, resumeFrom: state!.bytes });
    assert.deepEqual(resumed.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.ok(resumed.epochs.every((e) => e.seconds >= 0.025 && e.val_accuracy > 0 && e.val_accuracy < 1));
    assert.equal(resumed.stopReason, 'completed');
    await assert.rejects(trainTrial({ config, dataset, resumeFrom: new Uint8Array([1, 2]) }), /not a sleep-family state/);
  });
});
