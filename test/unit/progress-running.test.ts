import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SweepProgress } from '../../src/coordinator/progress.js';
import { aTrialRecord, runningOn } from '../helpers/trial-record-builder.js';

test('a claimed trial counts as running before it finishes an epoch, and shows a line at epoch 0', () => {
  const progress = new SweepProgress(new Set(['a', 'b', 'c']), 3, 'val_accuracy');
  progress.update(aTrialRecord({ trialId: 'a', status: 'QUEUED' }));
  assert.equal(progress.counts().running, 0);
  progress.update(aTrialRecord({ trialId: 'a', ...runningOn('w-1', 1) })); // the claim: no epoch yet
  progress.update(aTrialRecord({ trialId: 'b', ...runningOn('w-2', 1) }));
  assert.deepEqual(progress.counts(), { total: 3, queued: 1, running: 2, completed: 0, pruned: 0, stopped: 0, failed: 0 });
  const lines = progress.runningLines(() => 3);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /epoch 0\/3 .*\[w-1\]/);
});
