import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TRIAL_STATUSES, isTerminal, owns, transition, type TrialStateFields, type TrialStatus, type TrialTransition } from '../../src/domain/trial-state.js';
import { aTrialState, anAttempt, runningOn } from '../helpers/trial-record-builder.js';

type R = TrialStateFields & { name: string };
const T0 = '2026-11-26T10:00:00.000Z';
const T1 = '2026-11-26T10:01:00.000Z';
const T2 = '2026-11-26T10:02:00.000Z';

function record(over: Partial<R> = {}): R {
  return aTrialState({ name: 'trial', status: 'QUEUED', ...over });
}
function running(over: Partial<R> = {}): R {
  return record({
    ...runningOn('w1', 2), startedAt: T0, heartbeatAt: T0, jobSeq: 7,
    history: [anAttempt(1, 'w0', T0, { endedAt: T0, outcome: 'abandoned' }), anAttempt(2, 'w1', T0)],
    ...over,
  });
}
const me = { worker: 'w1', attempt: 2 };
const zombie = { worker: 'w1', attempt: 1 };
const other = { worker: 'w9', attempt: 2 };

// [case, start, event, expected status (null: refused), extra check]
const cases: [string, R, TrialTransition<R>, TrialStatus | null, ((r: R) => void)?][] = [
  ['claim of a new trial', record(), { type: 'claim', worker: 'w1', delivery: 1, at: T1, jobSeq: 3 }, 'RUNNING', (r) => {
    assert.equal(r.attempt, 1); assert.equal(r.worker, 'w1'); assert.equal(r.jobSeq, 3); assert.equal(r.startedAt, T1);
    assert.deepEqual(r.history.map((h) => h.outcome), ['running']);
  }],
  ['claim counts deliveries that wrote nothing', record(), { type: 'claim', worker: 'w1', delivery: 4, at: T1 }, 'RUNNING', (r) => assert.equal(r.attempt, 4)],
  ['claim of a running trial abandons the old attempt', running(), { type: 'claim', worker: 'w2', delivery: 2, at: T1, jobSeq: 7 }, 'RUNNING', (r) => {
    assert.equal(r.attempt, 3); assert.equal(r.startedAt, T0);
    assert.deepEqual(r.history.map((h) => h.outcome), ['abandoned', 'abandoned', 'running']);
  }],
  ['claim of a completed trial', record({ status: 'COMPLETED' }), { type: 'claim', worker: 'w1', delivery: 2, at: T1 }, null],
  ['progress by the owner', running(), { type: 'progress', owner: me, at: T1, epochs: [{ epoch: 1 }] }, 'RUNNING', (r) => {
    assert.equal(r.heartbeatAt, T1); assert.deepEqual(r.epochs, [{ epoch: 1 }]);
  }],
  ['progress by a zombie (older attempt)', running(), { type: 'progress', owner: zombie, at: T1 }, null],
  ['progress by another worker', running(), { type: 'progress', owner: other, at: T1 }, null],
  ['progress after a requeue', running({ status: 'QUEUED' }), { type: 'progress', owner: me, at: T1 }, null],
  ['resume records where the attempt starts', running(), { type: 'resume', owner: me, resumeEpoch: 3, epochs: [], checkpoints: [] }, 'RUNNING', (r) => {
    assert.equal(r.history[1]!.resumeEpoch, 3); assert.equal(r.history[0]!.resumeEpoch, 0);
  }],
  ['finish by the owner', running(), { type: 'finish', owner: me, at: T1, status: 'COMPLETED', epochs: [{ epoch: 1 }], result: 'r', model: 'm' }, 'COMPLETED', (r) => {
    assert.equal(r.result, 'r'); assert.deepEqual(r.checkpoints, []); assert.equal(r.durationMs, 60_000);
    assert.deepEqual(r.history.map((h) => h.outcome), ['abandoned', 'completed']);
  }],
  ['finish by a zombie', running(), { type: 'finish', owner: zombie, at: T1, status: 'COMPLETED', epochs: [], result: 'r', model: null }, null],
  ['prune by the owner keeps its checkpoints', running({ checkpoints: [{ epoch: 2 }, { epoch: 1 }], epochs: [{ epoch: 1 }], model: 'stale', error: 'old' }),
    { type: 'prune', owner: me, at: T1, epochs: [{ epoch: 1 }, { epoch: 2 }], result: 'partial' }, 'PRUNED', (r) => {
      assert.deepEqual(r.checkpoints, [{ epoch: 2 }, { epoch: 1 }], 'kept for a later resume of pruned trials');
      assert.deepEqual(r.epochs, [{ epoch: 1 }, { epoch: 2 }]);
      assert.equal(r.result, 'partial'); assert.equal(r.model, null); assert.equal(r.error, null);
      assert.equal(r.finishedAt, T1); assert.equal(r.heartbeatAt, T1); assert.equal(r.durationMs, 60_000);
      assert.equal(r.worker, 'w1', 'the worker that pruned it stays on record, as for a finish');
      assert.deepEqual(r.history.map((h) => [h.outcome, h.endedAt]), [['abandoned', T0], ['pruned', T1]]);
    }],
  ['prune without a result (pruned before training)', running(), { type: 'prune', owner: me, at: T1, epochs: [], result: null }, 'PRUNED', (r) => assert.equal(r.result, null)],
  ['prune by a zombie (older attempt)', running(), { type: 'prune', owner: zombie, at: T1, epochs: [], result: null }, null],
  ['prune by another worker', running(), { type: 'prune', owner: other, at: T1, epochs: [], result: null }, null],
  ['prune after a requeue', running({ status: 'QUEUED' }), { type: 'prune', owner: me, at: T1, epochs: [], result: null }, null],
  ['prune of a completed trial', running({ status: 'COMPLETED' }), { type: 'prune', owner: me, at: T1, epochs: [], result: null }, null],
  ['prune of a stopped trial', running({ status: 'STOPPED' }), { type: 'prune', owner: me, at: T1, epochs: [], result: null }, null],
  ['requeue (drain) by the owner', running(), { type: 'requeue', owner: me, at: T1, error: null }, 'QUEUED', (r) => {
    assert.equal(r.worker, null); assert.equal(r.history[1]!.outcome, 'requeued');
  }],
  ['requeue by a zombie', running(), { type: 'requeue', owner: zombie, at: T1, error: 'x' }, null],
  ['fail by the owner', running(), { type: 'fail', owner: me, at: T1, error: 'boom' }, 'FAILED', (r) => {
    assert.equal(r.error, 'boom'); assert.equal(r.history[1]!.outcome, 'failed');
  }],
  ['fail by a zombie cannot fail a live trial', running(), { type: 'fail', owner: zombie, at: T1, error: 'boom' }, null],
  ['give-up after max deliveries', running(), { type: 'give-up', at: T1, error: 'gave up' }, 'FAILED', (r) => {
    assert.deepEqual(r.history.map((h) => h.outcome), ['abandoned', 'abandoned']);
  }],
  ['give-up of a completed trial', record({ status: 'COMPLETED' }), { type: 'give-up', at: T1, error: 'x' }, null],
  ['cancel of a queued trial', record(), { type: 'cancel', at: T1, error: 'cancelled' }, 'STOPPED'],
  ['cancel leaves a running trial to its worker', running(), { type: 'cancel', at: T1, error: 'cancelled' }, null],
  ['release of a pruned trial\'s checkpoints at sweep end', record({ status: 'PRUNED', checkpoints: [{ epoch: 2 }], epochs: [{ epoch: 1 }, { epoch: 2 }] }), { type: 'release-checkpoints' }, 'PRUNED', (r) => {
    assert.deepEqual(r.checkpoints, []);
    assert.equal(r.epochs.length, 2, 'only the checkpoints go');
  }],
  ['release when a pruned trial kept none', record({ status: 'PRUNED' }), { type: 'release-checkpoints' }, null],
  ['release of a completed trial\'s checkpoints', record({ status: 'COMPLETED', checkpoints: [{ epoch: 1 }] }), { type: 'release-checkpoints' }, null],
  ['cancel of a pruned trial', record({ status: 'PRUNED' }), { type: 'cancel', at: T1, error: 'cancelled' }, null],
  ['claim of a pruned trial (a duplicate delivery)', record({ status: 'PRUNED' }), { type: 'claim', worker: 'w1', delivery: 2, at: T1 }, null],
  ['give-up of a pruned trial', record({ status: 'PRUNED' }), { type: 'give-up', at: T1, error: 'x' }, null],
  ['retry of a failed trial', record({ status: 'FAILED', finishedAt: T1, worker: 'w1' }), { type: 'retry', statuses: ['FAILED'] }, 'QUEUED', (r) => {
    assert.equal(r.finishedAt, null); assert.equal(r.worker, null);
  }],
  ['retry of a stopped trial when only failed ones are wanted', record({ status: 'STOPPED' }), { type: 'retry', statuses: ['FAILED'] }, null],
  ['retry (and relaunch) leave a pruned trial alone', record({ status: 'PRUNED' }), { type: 'retry', statuses: ['FAILED', 'STOPPED'] }, null],
  ['retry of a pruned trial when asked for by name', record({ status: 'PRUNED', checkpoints: [{ epoch: 2 }] }), { type: 'retry', statuses: ['PRUNED'] }, 'QUEUED', (r) => {
    assert.deepEqual(r.checkpoints, [{ epoch: 2 }], 'its kept checkpoint is what a resume starts from');
  }],
  ['no reap of a pruned trial', running({ status: 'PRUNED' }), { type: 'reap', at: T2, staleBefore: T1, jobSeq: 7 }, null],
  ['retry of a running trial', running(), { type: 'retry', statuses: ['FAILED', 'STOPPED', 'RUNNING'] }, null],
  ['reap of a stale trial whose job is gone', running(), { type: 'reap', at: T2, staleBefore: T1, jobSeq: 7 }, 'QUEUED', (r) => {
    assert.equal(r.attempt, 2, 'the next claim numbers the new attempt'); assert.equal(r.worker, null);
    assert.deepEqual(r.history.map((h) => h.outcome), ['abandoned', 'abandoned']);
  }],
  ['no reap of a fresh heartbeat', running({ heartbeatAt: T2 }), { type: 'reap', at: T2, staleBefore: T1, jobSeq: 7 }, null],
  ['no reap once another claim took a new job', running({ jobSeq: 8 }), { type: 'reap', at: T2, staleBefore: T1, jobSeq: 7 }, null],
];

describe('trial state machine', () => {
  for (const [name, start, event, expected, check] of cases) {
    test(name, () => {
      const frozen = structuredClone(start);
      const next = transition(start, event);
      assert.deepEqual(start, frozen, 'the input is never mutated');
      if (expected === null) return assert.equal(next, null);
      assert.ok(next);
      assert.equal(next.status, expected);
      assert.equal(next.name, 'trial', 'fields it does not own pass through');
      check?.(next);
    });
  }

  test('the terminal set is exactly COMPLETED, PRUNED, STOPPED and FAILED, and no event leaves it but retry', () => {
    assert.deepEqual(TRIAL_STATUSES.filter(isTerminal), ['COMPLETED', 'PRUNED', 'STOPPED', 'FAILED']);
    for (const status of ['COMPLETED', 'PRUNED', 'STOPPED', 'FAILED'] as const) {
      const r = running({ status });
      for (const [, , event] of cases) {
        if (event.type === 'retry') continue;
        assert.equal(transition(r, event), null, `${status} + ${event.type}`);
      }
    }
  });

  test('ownership needs RUNNING, the worker and the attempt', () => {
    assert.ok(owns(running(), me));
    assert.ok(!owns(running(), zombie));
    assert.ok(!owns(running(), other));
    assert.ok(!owns(running({ status: 'QUEUED' }), me));
  });
});
