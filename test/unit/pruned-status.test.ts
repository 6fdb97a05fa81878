import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SweepProgress, progressBar } from '../../src/coordinator/progress.js';
import { sweepIsScheduled } from '../../src/coordinator/scheduled.js';
import type { SweepRecord } from '../../src/domain/sweep-record.js';
import { aTrialRecord } from '../helpers/trial-record-builder.js';

const sweep = (over: Record<string, unknown>): SweepRecord => ({
  v: 1, id: 's', name: 's', specHash: 'h', specFile: 'x', objective: { metric: 'val_loss', goal: 'min' }, export: null,
  trialCount: 1, status: 'RUNNING', createdAt: 'a', updatedAt: 'a', trials: null, ...over,
});

describe('the PRUNED status outside the state machine', () => {
  test('progress counts PRUNED as finished', () => {
    const p = new SweepProgress(null, 4, 'val_loss');
    p.update(aTrialRecord({ trialId: 'a', status: 'PRUNED', durationMs: 10 }));
    p.update(aTrialRecord({ trialId: 'b', status: 'COMPLETED', durationMs: 10 }));
    p.update(aTrialRecord({ trialId: 'c', status: 'RUNNING' }));
    assert.deepEqual(p.counts(), { total: 4, queued: 1, running: 1, completed: 1, pruned: 1, stopped: 0, failed: 0 });
    assert.match(progressBar(p.counts(), 4), /\] 2\/4$/);
    assert.equal(p.done, false);
    p.update(aTrialRecord({ trialId: 'c', status: 'PRUNED', durationMs: 10 }));
    p.update(aTrialRecord({ trialId: 'd', status: 'FAILED', durationMs: 10 }));
    assert.equal(p.done, true);
  });

  test('a sweep is scheduled by its recorded scheduler, else its stored spec', () => {
    assert.equal(sweepIsScheduled(sweep({})), false);
    assert.equal(sweepIsScheduled(sweep({ spec: { name: 's' } })), false);
    assert.equal(sweepIsScheduled(sweep({ spec: { scheduler: 'none' } })), false);
    assert.equal(sweepIsScheduled(sweep({ spec: { scheduler: { type: 'asha' } } })), true);
    assert.equal(sweepIsScheduled(sweep({ scheduler: null, spec: { scheduler: { type: 'asha' } } })), false, 'the record wins');
    assert.equal(sweepIsScheduled(sweep({ scheduler: { type: 'median' } })), true);
  });
});
