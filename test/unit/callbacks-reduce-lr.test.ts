import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ReduceLROnPlateau, type ReduceLROnPlateauState } from '../../src/training/callbacks/reduce-lr-on-plateau.js';
import type { ReduceLROnPlateauConfig } from '../../src/domain/trial-config.js';
import { anEpoch as metrics } from '../helpers/trial-record-builder.js';

const base: ReduceLROnPlateauConfig = { monitor: 'val_loss', factor: 0.5, patience: 2, min_lr: 0.01, cooldown: 0, min_delta: 0 };

/** Feeds monitored values and returns the learning rate after each epoch. */
function run(config: ReduceLROnPlateauConfig, values: number[], lr = 0.1): number[] {
  const callback = new ReduceLROnPlateau(config);
  return values.map((v, i) => (lr = callback.onEpochEnd(metrics(i + 1, { [config.monitor]: v }), lr)));
}

describe('ReduceLROnPlateau', () => {
  test('reduces after `patience` epochs without improvement, then waits again', () => {
    assert.deepEqual(run(base, [1.0, 1.1, 1.2, 1.3, 1.4]), [0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  test('an improvement resets the wait', () => {
    assert.deepEqual(run(base, [1.0, 1.1, 0.9, 1.0, 1.0]), [0.1, 0.1, 0.1, 0.1, 0.05]);
  });

  test('never goes below min_lr', () => {
    assert.deepEqual(run({ ...base, patience: 1, min_lr: 0.03 }, [1, 2, 2, 2, 2]), [0.1, 0.05, 0.03, 0.03, 0.03]);
  });

  test('min_delta: improvements smaller than it do not count', () => {
    assert.deepEqual(run({ ...base, min_delta: 0.1 }, [1.0, 0.95, 0.92, 0.85]), [0.1, 0.1, 0.05, 0.05]);
  });

  test('cooldown: no counting for `cooldown` epochs after a reduction', () => {
    // As in Keras the counter is decremented before the check, so with cooldown 2 the second
    // epoch after a reduction already counts: reductions at epochs 2, 4 and 6.
    assert.deepEqual(run({ ...base, patience: 1, cooldown: 2 }, [1, 2, 2, 2, 2, 2]), [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
    assert.deepEqual(run({ ...base, patience: 1, cooldown: 0 }, [1, 2, 2, 2]), [0.1, 0.05, 0.025, 0.0125]);
  });

  test('accuracy is maximized', () => {
    assert.deepEqual(run({ ...base, monitor: 'val_accuracy', patience: 1 }, [0.5, 0.6, 0.55]), [0.1, 0.1, 0.05]);
  });

  test('state round-trips through JSON, including an infinite best', () => {
    const fresh = new ReduceLROnPlateau(base);
    const copy = new ReduceLROnPlateau(base);
    copy.setState(JSON.parse(JSON.stringify(fresh.getState())) as ReduceLROnPlateauState);
    assert.equal(copy.onEpochEnd(metrics(1, { val_loss: 5 }), 0.1), 0.1);
    const a = new ReduceLROnPlateau(base);
    a.onEpochEnd(metrics(1, { val_loss: 1 }), 0.1);
    a.onEpochEnd(metrics(2, { val_loss: 2 }), 0.1);
    const b = new ReduceLROnPlateau(base);
    b.setState(JSON.parse(JSON.stringify(a.getState())) as ReduceLROnPlateauState);
    assert.equal(b.onEpochEnd(metrics(3, { val_loss: 2 }), 0.1), 0.05);
    assert.deepEqual(b.getState(), (a.onEpochEnd(metrics(3, { val_loss: 2 }), 0.1), a.getState()));
  });

  test('bad factor and a missing metric are clear errors', () => {
    assert.throws(() => new ReduceLROnPlateau({ ...base, factor: 1.5 }), /factor must be in \(0, 1\)/);
    const callback = new ReduceLROnPlateau(base);
    assert.throws(() => callback.onEpochEnd(metrics(1, { val_loss: NaN }), 0.1), /monitor 'val_loss' has no value/);
  });
});
