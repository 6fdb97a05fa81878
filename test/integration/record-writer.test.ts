import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { aTrialRecord, anEpoch, runningOn } from '../helpers/trial-record-builder.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { TrialRecordWriter } from '../../src/worker/record-writer.js';

const claim = (trialId: string, worker = 'w1'): TrialRecord => aTrialRecord({ sweepId: 'rw', trialId, ...runningOn(worker, 1) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TrialRecordWriter (real nats-server)', () => {
  const broker = brokerSuite({ resources: true });

  test('a deferred claim is written after its delay', async () => {
    const writer = TrialRecordWriter.deferred(broker.store, 'rw', 'late', claim('late'), 100, (e) => assert.fail(e));
    assert.equal(await broker.store.get('rw', 'late'), null, 'nothing written before the delay');
    await sleep(400);
    assert.equal((await broker.store.get('rw', 'late'))?.value.status, 'RUNNING');
    writer.stop();
  });

  test('a trial that finishes before the delay writes its record once, and the timer writes nothing after', async () => {
    const writer = TrialRecordWriter.deferred(broker.store, 'rw', 'fast', claim('fast'), 200, (e) => assert.fail(e));
    const done = await writer.write((cur) => ({ ...cur, status: 'COMPLETED' }));
    assert.equal(done.changed, true);
    const stored = await broker.store.get('rw', 'fast');
    assert.equal(stored?.value.status, 'COMPLETED');
    assert.equal(stored?.revision !== undefined, true);
    await sleep(400);
    const later = await broker.store.get('rw', 'fast');
    assert.equal(later?.revision, stored?.revision, 'no second write');
    writer.stop();
  });

  test('writes are serialized and each one builds on the last', async () => {
    const writer = TrialRecordWriter.deferred(broker.store, 'rw', 'serial', claim('serial'), 1, (e) => assert.fail(e));
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((epoch) => writer.write((cur) => ({ ...cur, epochs: [...cur.epochs, anEpoch(epoch)] }))),
    );
    assert.ok(results.every((r) => r.changed));
    const stored = await broker.store.get('rw', 'serial');
    assert.deepEqual(stored?.value.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
    writer.stop();
  });

  test('a record another delivery wrote meanwhile is never overwritten by the delayed claim', async () => {
    const writer = TrialRecordWriter.deferred(broker.store, 'rw', 'raced', claim('raced'), 100, (e) => assert.fail(e));
    await broker.store.mutate('rw', 'raced', () => claim('raced', 'w2'));
    await sleep(400);
    assert.equal((await broker.store.get('rw', 'raced'))?.value.worker, 'w2');
    // The attempt's own result still lands on top of the other delivery's record (first to finish wins).
    const done = await writer.write((cur) => (cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED', worker: 'w1' } : null));
    assert.equal(done.changed, true);
    assert.equal((await broker.store.get('rw', 'raced'))?.value.worker, 'w1');
    writer.stop();
  });

  test('fresh writes re-read the record: a terminal status set by someone else is respected', async () => {
    const created = await broker.store.mutate('rw', 'cancelled', () => claim('cancelled'));
    const writer = TrialRecordWriter.claimed(broker.store, 'rw', 'cancelled', { value: created.record!, revision: created.revision });
    await broker.store.mutate('rw', 'cancelled', (cur) => (cur ? { ...cur, status: 'FAILED' } : null));
    const res = await writer.write((cur) => (cur.status === 'RUNNING' ? { ...cur, status: 'COMPLETED' } : null), { fresh: true });
    assert.equal(res.changed, false);
    assert.equal((await broker.store.get('rw', 'cancelled'))?.value.status, 'FAILED');
  });
});
