import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetSpentMessage, countsAsFailure, failedAttempts } from '../../src/domain/attempt-history.js';
import { transition, type TrialStateFields } from '../../src/domain/trial-state.js';
import { aTrialState, anAttempt, runningOn } from '../helpers/trial-record-builder.js';

const T0 = '2026-12-03T10:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
const claimAt = (s: number, over: Partial<{ delivery: number; jobSeq: number; liveSince: string; maxFailures: number }> = {}) =>
  ({ type: 'claim', worker: 'w2', delivery: 1, at: at(s), jobSeq: 7, maxFailures: 3, ...over }) as const;

describe('the retry budget counts failed attempts, not deliveries', () => {
  test('which ended attempts count', () => {
    const a = (over: Parameters<typeof anAttempt>[3]) => anAttempt(1, 'w', T0, { endedAt: at(1), ...over });
    assert.equal(countsAsFailure(a({ outcome: 'failed', error: 'boom' })), true, 'an unrecoverable failure');
    assert.equal(countsAsFailure(a({ outcome: 'requeued', error: 'Error: transient' })), true, 'a retryable failure');
    assert.equal(countsAsFailure(a({ outcome: 'requeued' })), false, 'a drain');
    assert.equal(countsAsFailure(a({ outcome: 'abandoned', resumeEpoch: 4 })), true, 'died before finishing an epoch past its resume');
    assert.equal(countsAsFailure(a({ outcome: 'abandoned', resumeEpoch: 4, lastEpoch: 4 })), true, 'recorded only the restored epoch');
    assert.equal(countsAsFailure(a({ outcome: 'abandoned', resumeEpoch: 4, lastEpoch: 5 })), false, 'died after making progress');
    assert.equal(countsAsFailure(a({ outcome: 'abandoned', abandonedBy: 'takeover' })), false, 'a lease takeover');
    assert.equal(countsAsFailure(a({ outcome: 'abandoned', abandonedBy: 'reap' })), false, 'a reap');
    for (const outcome of ['completed', 'pruned', 'stopped', 'running'] as const) assert.equal(countsAsFailure(a({ outcome })), false, outcome);
  });

  test('a claim after three deaths without an epoch writes FAILED with the history instead of RUNNING', () => {
    let r: TrialStateFields = aTrialState({ status: 'QUEUED' });
    for (let i = 1; i <= 3; i++) {
      r = transition(r, claimAt(i * 10, { delivery: i, liveSince: at(i * 10 - 5) }))!;
      assert.equal(r.status, 'RUNNING', `attempt ${i} runs`);
      assert.equal(r.attempt, i);
    }
    // The third owner dies too; its heartbeat (at 30 s) is older than liveSince (35 s).
    const failed = transition(r, claimAt(40, { delivery: 4, liveSince: at(35) }))!;
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.attempt, 3, 'no new attempt');
    assert.deepEqual(failed.history.map((h) => [h.attempt, h.outcome]), [[1, 'abandoned'], [2, 'abandoned'], [3, 'abandoned']]);
    assert.match(failed.error ?? '', /gave up after 3 failed attempt\(s\) \(execution\.max_deliver: 3\); 3 ended without finishing an epoch/);
    assert.equal(failed.finishedAt, at(40));
  });

  test('drains and attempts that made progress never spend the budget', () => {
    let r: TrialStateFields = aTrialState({ status: 'QUEUED' });
    for (let i = 1; i <= 6; i++) {
      r = transition(r, claimAt(i * 10, { delivery: i, maxFailures: 1, liveSince: at(i * 10 - 5) }))!;
      assert.equal(r.status, 'RUNNING', `attempt ${i} runs after ${i - 1} drain(s)`);
      const owner = { worker: 'w2', attempt: r.attempt };
      r = transition(r, { type: 'resume', owner, resumeEpoch: i - 1, epochs: [], checkpoints: [] })!;
      r = transition(r, { type: 'progress', owner, at: at(i * 10 + 1), epochs: Array.from({ length: i }, (_, e) => ({ epoch: e + 1 })) })!;
      r = transition(r, i % 2 ? { type: 'requeue', owner, at: at(i * 10 + 2), error: null } : { type: 'progress', owner, at: at(i * 10 + 2) })!;
    }
    assert.equal(failedAttempts(r.history), 0);
  });

  test('a live owner is taken over for free, and a delivery of another job than a live owner holds never claims', () => {
    const live = aTrialState({ ...runningOn('w1', 2), heartbeatAt: at(9), jobSeq: 7, history: [anAttempt(2, 'w1', T0)] });
    assert.equal(transition(live, claimAt(10, { jobSeq: 8, liveSince: at(5) })), null, 'job 8 is not the live owner’s job 7');
    const taken = transition(live, claimAt(10, { jobSeq: 7, delivery: 2, maxFailures: 1, liveSince: at(5) }))!;
    assert.equal(taken.status, 'RUNNING', 'a takeover is not a failure, even at max_deliver 1');
    assert.equal(taken.worker, 'w2');
    assert.deepEqual(taken.history[0], { ...anAttempt(2, 'w1', T0), outcome: 'abandoned', endedAt: at(10), abandonedBy: 'takeover' });
    // The same record with a stale heartbeat: its owner is gone, so the other job claims.
    const dead = { ...live, heartbeatAt: at(1) };
    assert.equal(transition(dead, claimAt(10, { jobSeq: 8, liveSince: at(5) }))?.status, 'RUNNING');
  });

  test('a retry gives the trial a fresh budget; its old failures stay in the history', () => {
    const spent = aTrialState({
      status: 'FAILED', attempt: 2, heartbeatAt: at(1),
      history: [anAttempt(1, 'w', T0, { outcome: 'failed', endedAt: at(1), error: 'a' }), anAttempt(2, 'w', T0, { outcome: 'failed', endedAt: at(2), error: 'b' })],
    });
    const retried = transition(spent, { type: 'retry', statuses: ['FAILED'] })!;
    assert.equal(retried.budgetStart, 2);
    const claimed = transition(retried, claimAt(10, { maxFailures: 2, liveSince: at(5) }))!;
    assert.equal(claimed.status, 'RUNNING');
    assert.equal(claimed.history.length, 3);
  });

  test('the FAILED message names the last error', () => {
    const h = [anAttempt(1, 'w', T0, { outcome: 'requeued', endedAt: at(1), error: 'Error: disk full' }), anAttempt(2, 'w', T0, { outcome: 'abandoned', endedAt: at(2) })];
    assert.equal(budgetSpentMessage(h, 2), 'gave up after 2 failed attempt(s) (execution.max_deliver: 2); 1 ended without finishing an epoch (worker died or lost); last error: Error: disk full');
  });
});

describe('a cancel beats a drain', () => {
  test('the owner stops a drained trial of a cancelled sweep (STOPPED, not QUEUED)', () => {
    const r = aTrialState({ ...runningOn('w1', 1), history: [anAttempt(1, 'w1', T0)] });
    const stopped = transition(r, { type: 'stop', owner: { worker: 'w1', attempt: 1 }, at: at(5) })!;
    assert.equal(stopped.status, 'STOPPED');
    assert.equal(stopped.history[0]?.outcome, 'stopped');
    assert.equal(transition(r, { type: 'stop', owner: { worker: 'w2', attempt: 1 }, at: at(5) }), null, 'only the owner');
  });

  test('cancel stops a RUNNING trial only once its heartbeat is stale', () => {
    const r = aTrialState({ ...runningOn('w1', 1), heartbeatAt: at(10), history: [anAttempt(1, 'w1', T0)] });
    assert.equal(transition(r, { type: 'cancel', at: at(11), error: 'cancelled' }), null, 'without staleBefore: never');
    assert.equal(transition(r, { type: 'cancel', at: at(11), error: 'cancelled', staleBefore: at(5) }), null, 'a live owner stops it itself');
    const stopped = transition(r, { type: 'cancel', at: at(30), error: 'cancelled', staleBefore: at(20) })!;
    assert.equal(stopped.status, 'STOPPED');
    assert.equal(stopped.history[0]?.outcome, 'abandoned');
  });
});
