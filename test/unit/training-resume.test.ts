import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { trainTrial } from '../../src/training/engine.js';
import type { TrainingState } from '../../src/training/types.js';
import type { EngineEpochMetrics } from '../../src/domain/metrics.js';
import { withoutTimes } from '../fixtures/training/determinism.js';
import { smallDataset, trialConfig } from '../fixtures/training/trial-config.js';

await tf.setBackend('cpu');


describe('resumable training state', () => {
  test('4 epochs straight = 2 epochs, save, restore in a fresh process, 2 more', async () => {
    // Dropout (per-step masks), Adam slots, a learning rate that ReduceLROnPlateau lowers and
    // early-stopping best weights all have to survive the round trip.
    const config = trialConfig({
      model: { regularizer: 'dropout' },
      optimizer: { name: 'adam', learning_rate: 0.002, momentum: 0 },
      training: {
        epochs: 4,
        reduce_lr_on_plateau: { monitor: 'accuracy', factor: 0.5, patience: 1, min_lr: 1e-5, cooldown: 0, min_delta: 10 },
        early_stopping: { monitor: 'val_loss', patience: 10, min_delta: 0, restore_best_weights: true },
      },
      dataset: { synthetic: { height: 8, width: 8, channels: 1, classes: 4, train_size: 96, validation_size: 32, noise: 0.3 } },
    });
    const dataset = smallDataset(config.dataset!.synthetic!);
    const states: TrainingState[] = [];
    const straight = await trainTrial({ config, dataset, hooks: { onEpochEnd: async (_m, save) => void states.push(await save()) } });
    (straight.model as tf.LayersModel).dispose();
    assert.ok(straight.epochs[3]!.lr < straight.epochs[0]!.lr, 'the learning rate was reduced along the way');

    const dir = mkdtempSync(join(tmpdir(), 'sweep-resume-'));
    try {
      const firstHalf = { ...config, training: { ...config.training, epochs: 2 } };
      writeFileSync(join(dir, 'half.json'), JSON.stringify(firstHalf));
      writeFileSync(join(dir, 'full.json'), JSON.stringify(config));
      const runChild = (configFile: string, stateFile: string, resultFile: string) => {
        const child = spawnSync(
          process.execPath,
          ['--import', 'tsx', 'test/fixtures/training/run-trial.ts', join(dir, configFile), stateFile, join(dir, resultFile)],
          { encoding: 'utf8', timeout: 120_000 },
        );
        assert.equal(child.status, 0, `child failed: ${child.stderr}`);
        return JSON.parse(readFileSync(join(dir, resultFile), 'utf8')) as { epochs: EngineEpochMetrics[]; weightsSha256: string };
      };
      // The state saved after epoch 2 in this process, resumed in a fresh one.
      writeFileSync(join(dir, 'epoch2.state'), states[1]!.bytes);
      const resumed = runChild('full.json', join(dir, 'epoch2.state'), 'resumed.json');
      assert.equal(resumed.weightsSha256, straight.weightsSha256);
      assert.deepEqual(withoutTimes(resumed.epochs.slice(2)), withoutTimes(straight.epochs.slice(2)));
      assert.deepEqual(withoutTimes(resumed.epochs.slice(0, 2)), withoutTimes(straight.epochs.slice(0, 2)), 'earlier epochs come with the state');

      // A fresh process trains the same first two epochs as this one.
      const half = runChild('half.json', '-', 'half.json.out');
      assert.deepEqual(withoutTimes(half.epochs), withoutTimes(straight.epochs.slice(0, 2)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
