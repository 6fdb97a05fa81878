import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordFeed } from '../../src/coordinator/record-feed.js';
import { aTrialRecord, anAttempt, anEpoch } from '../helpers/trial-record-builder.js';

const T0 = '2026-12-03T10:00:00.000Z';
const acc = (epoch: number, v: number) => anEpoch(epoch, { val_accuracy: v });

describe('RecordFeed: the scheduler inputs a trial record holds, each once', () => {
  test('new epochs are fed once, with the attempt that trained them; a terminal record ends the trial once', () => {
    const feed = new RecordFeed('val_accuracy');
    const running = aTrialRecord({ status: 'RUNNING', attempt: 1, history: [anAttempt(1, 'w', T0)], epochs: [acc(1, 0.5)] });
    assert.deepEqual(feed.inputs(running), [{ kind: 'result', trialId: 't', epoch: 1, attempt: 1, value: 0.5 }]);
    assert.deepEqual(feed.inputs(running), [], 'the same record again: nothing new (a heartbeat)');
    const two = { ...running, epochs: [acc(1, 0.5), acc(2, 0.6)] };
    assert.deepEqual(feed.inputs(two), [{ kind: 'result', trialId: 't', epoch: 2, attempt: 1, value: 0.6 }]);
    const done = { ...two, status: 'COMPLETED' as const, history: [anAttempt(1, 'w', T0, { outcome: 'completed', endedAt: T0 })] };
    assert.deepEqual(feed.inputs(done), [{ kind: 'end', trialId: 't', lastEpoch: 2, attempt: 1, lastValue: 0.6 }]);
    assert.deepEqual(feed.inputs(done), []);
  });

  test('an attempt that resumed from an older checkpoint feeds the epochs it trained again, with its own attempt', () => {
    const feed = new RecordFeed('val_accuracy');
    feed.inputs(aTrialRecord({ status: 'RUNNING', attempt: 1, history: [anAttempt(1, 'w', T0)], epochs: [acc(1, 0.5), acc(2, 0.6), acc(3, 0.7)] }));
    // Attempt 2 resumed from epoch 2 (epoch 3's checkpoint was lost) and trained epoch 3 again.
    const resumed = aTrialRecord({
      status: 'RUNNING', attempt: 2,
      history: [anAttempt(1, 'w', T0, { outcome: 'abandoned', endedAt: T0 }), anAttempt(2, 'v', T0, { resumeEpoch: 2 })],
      epochs: [acc(1, 0.5), acc(2, 0.6), acc(3, 0.71)],
    });
    assert.deepEqual(feed.inputs(resumed), [{ kind: 'result', trialId: 't', epoch: 3, attempt: 2, value: 0.71 }]);
  });

  test('a coordinator that starts late reads every epoch of the record; a missing metric is NaN, as in events', () => {
    const feed = new RecordFeed('val_accuracy');
    const late = aTrialRecord({
      status: 'FAILED', attempt: 2,
      history: [anAttempt(1, 'w', T0, { outcome: 'abandoned', endedAt: T0, lastEpoch: 1 }), anAttempt(2, 'v', T0, { resumeEpoch: 1, outcome: 'failed', endedAt: T0 })],
      epochs: [acc(1, 0.5), anEpoch(2, { val_accuracy: undefined as unknown as number })],
    });
    const inputs = feed.inputs(late);
    assert.equal(inputs.length, 3);
    assert.deepEqual(inputs[0], { kind: 'result', trialId: 't', epoch: 1, attempt: 1, value: 0.5 });
    assert.equal(inputs[1]?.kind === 'result' && Number.isNaN(inputs[1].value) && inputs[1].attempt === 2, true);
    assert.deepEqual(inputs[2], { kind: 'end', trialId: 't', lastEpoch: 2, attempt: 2, lastValue: null });
  });
});
