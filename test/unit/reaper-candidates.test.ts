import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { reapCandidates, reaperSettingsFromSpec, staleAfterMs, type ReapableRecord } from '../../src/coordinator/reaper.js';
import { transition } from '../../src/domain/trial-state.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import { aTrialState } from '../helpers/trial-record-builder.js';

const NOW = Date.parse('2026-11-05T12:00:00.000Z');
const ACK_WAIT_MS = 2_000;
const STALE_BEFORE = NOW - staleAfterMs(ACK_WAIT_MS); // 6 s ago
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const config = { version: 1, model: { family: 'spin' } } as unknown as TrialConfig;

const record = (over: Partial<ReapableRecord>): ReapableRecord => ({
  trialId: 't',
  index: 0,
  status: 'RUNNING',
  attempt: 2,
  heartbeatAt: ago(60_000),
  jobSeq: 7,
  config,
  ...over,
});

describe('reaper candidates (pure)', () => {
  const cases: { name: string; r: Partial<ReapableRecord>; candidate: boolean }[] = [
    { name: 'RUNNING, heartbeat a minute old, with jobSeq and config', r: {}, candidate: true },
    { name: 'RUNNING, heartbeat just older than 3 × ack_wait', r: { heartbeatAt: ago(6_001) }, candidate: true },
    { name: 'RUNNING, heartbeat exactly 3 × ack_wait old (not older)', r: { heartbeatAt: ago(6_000) }, candidate: false },
    { name: 'RUNNING, heartbeat one ack_wait old (a live worker)', r: { heartbeatAt: ago(2_000) }, candidate: false },
    { name: 'RUNNING, heartbeat in the future (clock skew)', r: { heartbeatAt: ago(-5_000) }, candidate: false },
    { name: 'RUNNING without a heartbeat (stale, as in the state machine)', r: { heartbeatAt: null }, candidate: true },
    { name: 'RUNNING with an unparseable heartbeat', r: { heartbeatAt: 'yesterday' }, candidate: false },
    { name: 'RUNNING without jobSeq (claimed by an older worker)', r: { jobSeq: undefined }, candidate: false },
    { name: 'RUNNING with jobSeq 0 still counts (a number)', r: { jobSeq: 0 }, candidate: true },
    { name: 'RUNNING without a config (cannot be republished)', r: { config: null }, candidate: false },
    { name: 'QUEUED with a stale heartbeat', r: { status: 'QUEUED' }, candidate: false },
    { name: 'PENDING', r: { status: 'PENDING' }, candidate: false },
    { name: 'COMPLETED', r: { status: 'COMPLETED' }, candidate: false },
    { name: 'FAILED', r: { status: 'FAILED' }, candidate: false },
    { name: 'STOPPED', r: { status: 'STOPPED' }, candidate: false },
  ];
  for (const c of cases) {
    test(`${c.candidate ? 'candidate' : 'not a candidate'}: ${c.name}`, () => {
      const r = record(c.r);
      const got = reapCandidates([r], STALE_BEFORE);
      if (!c.candidate) return assert.deepEqual(got, []);
      assert.deepEqual(got, [{ trialId: 't', attempt: 2, jobSeq: r.jobSeq, heartbeatAt: r.heartbeatAt }]);
    });
  }

  test('several records: only the candidates, in input order', () => {
    const got = reapCandidates(
      [
        record({ trialId: 'a' }),
        record({ trialId: 'b', heartbeatAt: ago(500) }),
        record({ trialId: 'c', status: 'COMPLETED' }),
        record({ trialId: 'd', jobSeq: 12, attempt: 5 }),
      ],
      STALE_BEFORE,
    );
    assert.deepEqual(got.map((c) => [c.trialId, c.jobSeq, c.attempt]), [['a', 7, 2], ['d', 12, 5]]);
  });

  test('every candidate is one the state machine reaps (same staleness rule, same jobSeq)', () => {
    const staleIso = new Date(STALE_BEFORE).toISOString();
    for (const c of cases) {
      const r = record(c.r);
      const full = aTrialState({ ...r, worker: 'w', startedAt: ago(120_000) });
      const reaped = transition(full, { type: 'reap', at: new Date(NOW).toISOString(), staleBefore: staleIso, jobSeq: r.jobSeq });
      if (reapCandidates([r], STALE_BEFORE).length > 0) {
        assert.ok(reaped, `${c.name}: a candidate the state machine refuses`);
        assert.equal(reaped.status, 'QUEUED');
        assert.equal(reaped.attempt, r.attempt, 'the next claim numbers the new attempt');
      }
    }
  });

  test('staleness is three heartbeat periods: max(1 s, ack_wait) each', () => {
    assert.equal(staleAfterMs(2_000), 6_000);
    assert.equal(staleAfterMs(30_000), 90_000);
    assert.equal(staleAfterMs(200), 3_000, 'heartbeats come at most once a second');
  });
});

describe('reaper settings from a stored spec (attach)', () => {
  test('reads execution from the spec as written (ack_wait in seconds)', () => {
    assert.deepEqual(reaperSettingsFromSpec({ name: 'x', execution: { ack_wait_s: 5, pool: 'gpu', max_deliver: 3, checkpoint_every: 0 } }), {
      ackWaitMs: 5_000, pool: 'gpu', maxDeliver: 3, checkpointEvery: 0,
    });
  });
  test('defaults for missing, partial or malformed specs', () => {
    const defaults = { ackWaitMs: 30_000, pool: 'default', maxDeliver: 5, checkpointEvery: 1 };
    assert.deepEqual(reaperSettingsFromSpec(undefined), defaults);
    assert.deepEqual(reaperSettingsFromSpec({ name: 'x' }), defaults);
    assert.deepEqual(reaperSettingsFromSpec({ execution: { ack_wait_s: 'soon', pool: 7, max_deliver: -1 } }), defaults);
    assert.deepEqual(reaperSettingsFromSpec({ execution: { max_deliver: 9 } }), { ...defaults, maxDeliver: 9 });
  });
});
