import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection } from 'nats';
import { startTestBroker, type TestBroker } from '../helpers/nats-server.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import type { TrialRecord } from '../../src/transport/codecs.js';
import { TrialRecordWriter } from '../../src/worker/record-writer.js';

const claim = (trialId: string, worker = 'w1'): TrialRecord => ({
  v: 1, sweepId: 'rw', trialId, index: 0, status: 'RUNNING', params: {}, seed: 0, attempt: 1, worker, epochs: [],
  startedAt: null, finishedAt: null, heartbeatAt: null, durationMs: null, error: null, history: [], checkpoints: [], result: null, config: null, model: null, onnx: null,
});
const metrics = (epoch: number): TrialRecord['epochs'][number] => ({
  epoch, loss: 1, accuracy: 0.5, val_loss: 1, val_accuracy: 0.5, val_auc: 0.5, lr: 0.01, seconds: 0, images_per_sec: 0,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TrialRecordWriter (real nats-server)', () => {
  let broker: TestBroker;
  let nc: NatsConnection;
  let store: TrialStore;
  before(async () => {
    broker = await startTestBroker();
    nc = await broker.connect();
    await ensureResources(nc, DEFAULT_QUEUE);
    store = await TrialStore.open(nc);
  });
  after(async () => broker.stop());

  test('a deferred claim is written after its delay', async () => {
    const writer = TrialRecordWriter.deferred(store, 'rw', 'late', claim('late'), 100, (e) => assert.fail(e));
    assert.equal(await store.get('rw', 'late'), null, 'nothing written before the delay');
    await sleep(400);
    assert.equal((await store.get('rw', 'late'))?.value.status, 'RUNNING');
    writer.stop();
  });

  test('a trial that finishes before the delay writes its record once, and the timer writes nothing after', async () => {
    const writer = TrialRecordWriter.deferred(store, 'rw', 'fast', claim('fast'), 200, (e) => assert.fail(e));
    const done = await writer.write((cur) => ({ ...cur, status: 'COMPLETED' }));
    assert.equal(done.changed, true);
    const stored = await store.get('rw', 'fast');
    assert.equal(stored?.value.status, 'COMPLETED');
    assert.equal(stored?.revision !== undefined, true);
    await sleep(400);
    const later = await store.get('rw', 'fast');
    assert.equal(later?.revision, stored?.revision, 'no second write');
    writer.stop();
  });

  test('writes are serialized and each one builds on the last', async () => {
    const writer = TrialRecordWriter.deferred(store, 'rw', 'serial', claim('serial'), 1, (e) => assert.fail(e));
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((epoch) => writer.write((cur) => ({ ...cur, epochs: [...cur.epochs, metrics(epoch)] }))),
    );
    assert.ok(results.every((r) => r.changed));
    const stored = await store.get('rw', 'serial');
    assert.deepEqual(stored?.value.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
    writer.stop();
  });

  test('a record another delivery wrote meanwhile is never overwritten by the delayed claim', async () => {
    const writer = TrialRecordWriter.deferred(store, 'rw', 'raced', claim('raced'), 100, (e) => assert.fail(e));
    await store.mutate('rw', 'raced', () => claim('raced', 'w2'));
    await sleep(400);
    assert.equal((await store.get('rw', 'raced'))?.value.worker, 'w2');
    // The attempt's own result still lands on top of the other delivery's record (first to finish wins).
    const done = await writer.write((cur) => (cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED', worker: 'w1' } : null));
    assert.equal(done.changed, true);
    assert.equal((await store.get('rw', 'raced'))?.value.worker, 'w1');
    writer.stop();
  });

  test('fresh writes re-read the record: a terminal status set by someone else is respected', async () => {
    const created = await store.mutate('rw', 'cancelled', () => claim('cancelled'));
    const writer = TrialRecordWriter.claimed(store, 'rw', 'cancelled', { value: created.record!, revision: created.revision });
    await store.mutate('rw', 'cancelled', (cur) => (cur ? { ...cur, status: 'FAILED' } : null));
    const res = await writer.write((cur) => (cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED' } : null), { fresh: true });
    assert.equal(res.changed, false);
    assert.equal((await store.get('rw', 'cancelled'))?.value.status, 'FAILED');
  });
});
