import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/training/backends/index.js';
import { onednnCallCount } from '../../src/training/backends/onednn/conv-call.js';
import { trainTrial } from '../../src/training/engine.js';
import type { TrainingState } from '../../src/training/types.js';
import type { EngineEpochMetrics } from '../../src/domain/metrics.js';
import { smallDataset, trialConfig } from '../fixtures/training/trial-config.js';
import { assertSeedDeterminism, disposeResult, withoutTimes } from '../fixtures/training/determinism.js';
import { skipWithoutOnednn } from './onednn-helpers.js';

const dispose = disposeResult;

// The trainTrial checks of training-accuracy, training-engine and training-resume (cpu backend there), on wasm with
// the oneDNN convolution kernels.
describe('trainTrial on wasm + oneDNN conv kernels', () => {
  before(async () => {
    await selectBackend('wasm', () => {}, { onednn: true });
  });

  test('learns the synthetic set to > 90 % validation accuracy in 3 epochs, without leaking tensors', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const before = tf.memory().numTensors;
    const calls = onednnCallCount();
    const tensorsAtEpochEnd: number[] = [];
    const result = await trainTrial({
      config: trialConfig({ model: { regularizer: 'none' } }),
      dataset: smallDataset(),
      hooks: { onEpochEnd: () => void tensorsAtEpochEnd.push(tf.memory().numTensors) },
    });
    const last = result.epochs.at(-1)!;
    assert.equal(result.backend, 'wasm');
    assert.ok(onednnCallCount() - calls > 100, 'the convolutions ran on oneDNN');
    assert.ok(last.val_accuracy > 0.9, `val_accuracy ${last.val_accuracy}`);
    assert.ok(last.loss < result.epochs[0]!.loss, 'training loss falls');
    assert.equal(new Set(tensorsAtEpochEnd).size, 1, `tensor counts at epoch ends: ${tensorsAtEpochEnd.join(',')}`);
    dispose(result);
    assert.equal(tf.memory().numTensors, before, 'no tensors left after disposing the model');
  });

  test('same seed ⇒ identical metrics and weights; another seed ⇒ other weights', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const dataset = smallDataset({ train_size: 96, validation_size: 32 });
    const config = trialConfig({
      model: { regularizer: 'batchnorm' },
      optimizer: { name: 'nesterov', learning_rate: 0.01, momentum: 0.9 },
      training: { epochs: 2 },
    });
    await assertSeedDeterminism(config, dataset);
  });

  test('4 epochs straight = 2 epochs, save, restore in a fresh process, 2 more', async (t) => {
    if (skipWithoutOnednn(t)) return;
    const config = trialConfig({
      model: { regularizer: 'dropout' },
      optimizer: { name: 'adam', learning_rate: 0.002, momentum: 0 },
      training: { epochs: 4 },
      dataset: { synthetic: { height: 8, width: 8, channels: 1, classes: 4, train_size: 96, validation_size: 32, noise: 0.3 } },
    });
    const dataset = smallDataset(config.dataset!.synthetic!);
    const states: TrainingState[] = [];
    const straight = await trainTrial({ config, dataset, hooks: { onEpochEnd: async (_m, save) => void states.push(await save()) } });
    dispose(straight);
    const dir = mkdtempSync(join(tmpdir(), 'sweep-onednn-resume-'));
    try {
      writeFileSync(join(dir, 'full.json'), JSON.stringify(config));
      writeFileSync(join(dir, 'epoch2.state'), states[1]!.bytes);
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'test/fixtures/training/run-trial.ts', join(dir, 'full.json'), join(dir, 'epoch2.state'), join(dir, 'resumed.json'), 'wasm'],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SWEEP_ONEDNN: '1' } },
      );
      assert.equal(child.status, 0, `child failed: ${child.stderr}`);
      const resumed = JSON.parse(readFileSync(join(dir, 'resumed.json'), 'utf8')) as { epochs: EngineEpochMetrics[]; weightsSha256: string; backendLog: string };
      assert.match(resumed.backendLog, /^backend wasm \+ oneDNN /);
      assert.equal(resumed.weightsSha256, straight.weightsSha256);
      assert.deepEqual(withoutTimes(resumed.epochs), withoutTimes(straight.epochs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
