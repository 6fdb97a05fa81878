import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { aTrialRecord, runningOn } from '../helpers/trial-record-builder.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { encodeJson } from '../../src/transport/codecs.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { TRIALS_BUCKET } from '../../src/transport/names.js';

const base = (trialId: string): TrialRecord => aTrialRecord({ sweepId: 's1', trialId, ...runningOn('w', 1) });

describe('trial records in KV (real nats-server)', () => {
  const broker = brokerSuite();

  test('resource setup is idempotent', async () => {
    await ensureResources(broker.nc, DEFAULT_QUEUE);
    await ensureResources(broker.nc, DEFAULT_QUEUE);
    // A shorter lease asked for later is not applied: the pool keeps the longest.
    assert.deepEqual(await ensureResources(broker.nc, { ...DEFAULT_QUEUE, ackWaitMs: 5000 }), { ackWaitMs: 30_000, keptLonger: true });
    const info = await (await broker.nc.jetstreamManager()).consumers.info('SWEEP_JOBS', 'workers-default');
    assert.equal(info.config.ack_wait, 30_000 * 1_000_000);
    assert.equal(info.config.max_deliver, -1);
  });

  test('compare-and-set: of ten racing completions exactly one wins', async () => {
    const store = await TrialStore.open(broker.nc);
    await store.mutate('s1', 't1', () => base('t1'));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.mutate('s1', 't1', (cur) => (cur && cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED', worker: `w${i}` } : null)),
      ),
    );
    assert.equal(results.filter((r) => r.changed).length, 1);
    const final = await store.get('s1', 't1');
    assert.equal(final?.value.status, 'COMPLETED');
  });

  test('a stale hint never overrides a fresher record', async () => {
    const store = await TrialStore.open(broker.nc);
    const created = await store.mutate('s1', 't2', () => base('t2'));
    const stale = { value: created.record!, revision: created.revision };
    await store.mutate('s1', 't2', (cur) => (cur ? { ...cur, status: 'FAILED' } : null));
    const res = await store.mutate('s1', 't2', (cur) => (cur && cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED' } : null), stale);
    assert.equal(res.changed, false);
    assert.equal((await store.get('s1', 't2'))?.value.status, 'FAILED');
  });

  test('a malformed record is reported, not fatal, when watching', async () => {
    const store = await TrialStore.open(broker.nc);
    const kv = await broker.nc.jetstream().views.kv(TRIALS_BUCKET);
    await kv.put('s2.bad', encodeJson({ v: 1, nonsense: true }));
    await kv.put('s2.good', encodeJson({ ...base('good'), sweepId: 's2' }));
    const bad: string[] = [];
    const snap = await store.snapshot('s2', (key) => bad.push(key));
    assert.deepEqual([...snap.keys()], ['good']);
    assert.deepEqual(bad, ['s2.bad']);
  });
});
