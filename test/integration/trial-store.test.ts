import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from 'nats';
import { startTestBroker, type TestBroker } from '../helpers/nats-server.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { encodeJson, type TrialRecord } from '../../src/transport/codecs.js';
import { TRIALS_BUCKET } from '../../src/transport/names.js';

const base = (trialId: string): TrialRecord => ({
  v: 1, sweepId: 's1', trialId, index: 0, status: 'RUNNING', params: {}, seed: 0, attempt: 1, worker: 'w', epochs: [],
  startedAt: null, finishedAt: null, heartbeatAt: null, durationMs: null, error: null, history: [], checkpoints: [], result: null, config: null, model: null, onnx: null,
});

describe('trial records in KV (real nats-server)', () => {
  let broker: TestBroker;
  let nc: NatsConnection;
  before(async () => {
    broker = await startTestBroker();
    nc = await broker.connect();
  });
  after(async () => broker.stop());

  test('resource setup is idempotent', async () => {
    await ensureResources(nc, DEFAULT_QUEUE);
    await ensureResources(nc, DEFAULT_QUEUE);
    await ensureResources(nc, { ...DEFAULT_QUEUE, ackWaitMs: 5000 });
    const info = await (await nc.jetstreamManager()).consumers.info('SWEEP_JOBS', 'workers-default');
    assert.equal(info.config.ack_wait, 5000 * 1_000_000);
  });

  test('compare-and-set: of ten racing completions exactly one wins', async () => {
    const store = await TrialStore.open(nc);
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
    const store = await TrialStore.open(nc);
    const created = await store.mutate('s1', 't2', () => base('t2'));
    const stale = { value: created.record!, revision: created.revision };
    await store.mutate('s1', 't2', (cur) => (cur ? { ...cur, status: 'FAILED' } : null));
    const res = await store.mutate('s1', 't2', (cur) => (cur && cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED' } : null), stale);
    assert.equal(res.changed, false);
    assert.equal((await store.get('s1', 't2'))?.value.status, 'FAILED');
  });

  test('a malformed record is reported, not fatal, when watching', async () => {
    const store = await TrialStore.open(nc);
    const kv = await nc.jetstream().views.kv(TRIALS_BUCKET);
    await kv.put('s2.bad', encodeJson({ v: 1, nonsense: true }));
    await kv.put('s2.good', encodeJson({ ...base('good'), sweepId: 's2' }));
    const bad: string[] = [];
    const snap = await store.snapshot('s2', (key) => bad.push(key));
    assert.deepEqual([...snap.keys()], ['good']);
    assert.deepEqual(bad, ['s2.bad']);
  });
});
