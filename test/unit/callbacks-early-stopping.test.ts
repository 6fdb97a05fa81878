import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping, type EarlyStoppingState } from '../../src/training/callbacks/early-stopping.js';
import type { EarlyStoppingConfig } from '../../src/domain/trial-config.js';
import { anEpoch as metrics } from '../helpers/trial-record-builder.js';

const base: EarlyStoppingConfig = { monitor: 'val_loss', patience: 2, min_delta: 0, restore_best_weights: false };

/** Returns the epoch at which training stops (0 = never) and the decisions. */
function run(config: EarlyStoppingConfig, values: number[]) {
  const callback = new EarlyStopping(config);
  const decisions = [];
  for (const [i, v] of values.entries()) {
    const d = callback.onEpochEnd(metrics(i + 1, { [config.monitor]: v }));
    decisions.push(d);
    if (d.stop) return { stoppedAt: i + 1, decisions, best: callback.bestEpochSoFar };
  }
  return { stoppedAt: 0, decisions, best: callback.bestEpochSoFar };
}

describe('EarlyStopping', () => {
  test('stops after `patience` epochs without improvement', () => {
    const r = run(base, [1.0, 0.8, 0.9, 0.85, 0.7]);
    assert.equal(r.stoppedAt, 4);
    assert.equal(r.best, 2);
    assert.deepEqual(r.decisions.map((d) => d.improved), [true, true, false, false]);
  });

  test('keeps going while it improves', () => {
    const r = run(base, [1.0, 0.9, 0.95, 0.8, 0.85, 0.7]);
    assert.equal(r.stoppedAt, 0);
    assert.equal(r.best, 6);
  });

  test('min_delta: smaller improvements count as none', () => {
    const r = run({ ...base, min_delta: 0.1 }, [1.0, 0.95, 0.91, 0.85]);
    assert.equal(r.stoppedAt, 3);
    assert.equal(r.best, 1);
  });

  test('accuracy and AUC are maximized', () => {
    assert.equal(run({ ...base, monitor: 'val_accuracy', patience: 1 }, [0.5, 0.6, 0.55]).stoppedAt, 3);
    assert.equal(run({ ...base, monitor: 'val_auc', patience: 1 }, [0.5, 0.6, 0.7]).stoppedAt, 0);
  });

  test('never stops after the first epoch, as Keras (patience 0)', () => {
    const r = run({ ...base, patience: 0 }, [1.0, 1.2]);
    assert.equal(r.stoppedAt, 2);
    assert.equal(r.decisions[0]!.stop, false);
  });

  test('asks to restore the best weights only when configured and stopping', () => {
    const r = run({ ...base, restore_best_weights: true }, [1.0, 0.8, 0.9, 0.95]);
    assert.deepEqual(r.decisions.map((d) => d.restoreBestWeights), [false, false, false, true]);
    assert.equal(run(base, [1.0, 0.8, 0.9, 0.95]).decisions.at(-1)!.restoreBestWeights, false);
  });

  test('state round-trips through JSON and continues identically', () => {
    const a = new EarlyStopping(base);
    a.onEpochEnd(metrics(1, { val_loss: 1 }));
    a.onEpochEnd(metrics(2, { val_loss: 1.5 }));
    const b = new EarlyStopping(base);
    b.setState(JSON.parse(JSON.stringify(a.getState())) as EarlyStoppingState);
    assert.deepEqual(b.onEpochEnd(metrics(3, { val_loss: 2 })), a.onEpochEnd(metrics(3, { val_loss: 2 })));
    assert.equal(b.bestEpochSoFar, 1);
    const fresh = new EarlyStopping(base);
    fresh.setState(JSON.parse(JSON.stringify(new EarlyStopping(base).getState())) as EarlyStoppingState);
    assert.equal(fresh.onEpochEnd(metrics(1, { val_loss: 99 })).improved, true);
  });
});
