import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, NatsError, type NatsConnection } from 'nats';
import { brokerSuite } from '../helpers/nats-server.js';
import { AsyncPublisher, JetStreamPublishError } from '../../src/transport/async-publisher.js';
import { EventPublisher, readSweepEvents } from '../../src/transport/events.js';
import { publishJobs, pendingJobs, queuedJobsOfSweep, trialsWithJobs } from '../../src/transport/job-queue.js';
import { JsApiError } from '../../src/transport/jetstream-errors.js';
import { EVENTS_STREAM, jobSubject } from '../../src/transport/names.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialEvent } from '../../src/domain/trial-event.js';

const job = (sweepId: string, i: number): JobMessage => ({
  v: 1, sweepId, trialId: `t${i}`, index: i, maxDeliver: 3, config: { version: 1, model: { family: 'sleep' } } as unknown as JobMessage['config'],
});

const finished = (sweepId: string, trialId: string): Extract<TrialEvent, { type: 'finished' }> => ({ v: 1, type: 'finished', sweepId, trialId, worker: 'w', status: 'COMPLETED', at: new Date().toISOString() });

/** Core publishes reach a stream asynchronously: read until `count` events of the sweep are stored. */
async function storedEvents(nc: NatsConnection, sweepId: string, count: number, onMalformed?: (e: Error) => void): Promise<TrialEvent[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const events = await readSweepEvents(nc, sweepId, onMalformed);
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('publishing on a real nats-server', () => {
  const broker = brokerSuite({ resources: true });

  test('AsyncPublisher: acks carry the stream sequence; expecting no message on a subject refuses a second one', async () => {
    const publisher = new AsyncPublisher(broker.nc);
    try {
      const acks = await Promise.all([1, 2, 3].map((i) => publisher.publish(jobSubject('default', 'ap', `t${i}`), new TextEncoder().encode(`{"n":${i}}`), { noMessageOnSubject: true })));
      assert.deepEqual(acks.map((a) => a.stream), ['SWEEP_JOBS', 'SWEEP_JOBS', 'SWEEP_JOBS']);
      assert.equal(new Set(acks.map((a) => a.seq)).size, 3);
      await assert.rejects(publisher.publish(jobSubject('default', 'ap', 't1'), new TextEncoder().encode('{"n":1}'), { noMessageOnSubject: true }), (e: unknown) => {
        assert.ok(e instanceof JetStreamPublishError);
        assert.equal(e.errCode, JsApiError.WrongLastSequence);
        return true;
      });
      // Without the expectation the subject takes any number of messages.
      const plain = await publisher.publish(jobSubject('default', 'ap', 't1'), new TextEncoder().encode('{"n":4}'));
      assert.ok(plain.seq > acks[2]!.seq);
      assert.equal(publisher.inFlight, 0);
    } finally {
      publisher.close();
    }
  });

  test('AsyncPublisher: a subject no stream captures fails with a clear error', async () => {
    const publisher = new AsyncPublisher(broker.nc);
    try {
      await assert.rejects(publisher.publish('nobody.listens.here', new Uint8Array(1)), (e: Error) => {
        assert.ok(e instanceof JetStreamPublishError);
        assert.match(e.message, /nobody\.listens\.here: no stream captures this subject/);
        return true;
      });
    } finally {
      publisher.close();
    }
  });

  test('AsyncPublisher: a publish nobody acknowledges times out; close() rejects what is still waiting', async () => {
    const silent = broker.nc.subscribe('silent.subject'); // receives, never replies
    const publisher = new AsyncPublisher(broker.nc, 300);
    try {
      await assert.rejects(publisher.publish('silent.subject', new Uint8Array(1)), /silent\.subject: no ack from the broker within 300 ms/);
      const pending = publisher.publish('silent.subject', new Uint8Array(1));
      publisher.close();
      await assert.rejects(pending, /publisher closed before the broker acknowledged it/);
    } finally {
      silent.unsubscribe();
      publisher.close();
    }
  });

  test('publishJobs: 2,000 jobs all stored once; republishing finds each trial queued; a trial whose job left gets a new one', async () => {
    const jobs = Array.from({ length: 2000 }, (_, i) => job('pj', i));
    const progress: number[] = [];
    const first = await publishJobs(broker.nc, 'default', jobs, { inFlight: 64, onProgress: (n) => progress.push(n) });
    assert.equal(first.published, 2000);
    assert.equal(first.alreadyQueued, 0);
    assert.equal(new Set(first.seqs.values()).size, 2000);
    assert.deepEqual(progress, [1000, 2000, 2000]);
    const second = await publishJobs(broker.nc, 'default', jobs);
    assert.equal(second.published, 0);
    assert.equal(second.alreadyQueued, 2000);
    assert.equal((await trialsWithJobs(broker.nc, 'pj')).size, 2000);
    assert.equal(await queuedJobsOfSweep(broker.nc, 'pj'), 2000);
    assert.ok((await pendingJobs(broker.nc, 'default')).pending >= 2000);
    // The job of t0 leaves the stream (acked): only t0 is published again, however soon (no duplicate window involved).
    const jsm = await broker.nc.jetstreamManager();
    await jsm.streams.deleteMessage('SWEEP_JOBS', first.seqs.get('t0')!);
    const third = await publishJobs(broker.nc, 'default', jobs);
    assert.equal(third.published, 1);
    assert.equal(third.alreadyQueued, 1999);
    assert.ok(third.seqs.has('t0'));
  });

  test('EventPublisher: events of one turn share a stored message per sweep, and are read back in order', async () => {
    const jsm = await broker.nc.jetstreamManager();
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const events = new EventPublisher(broker.nc);
    for (let i = 0; i < 50; i++) events.publish(finished('ev-a', `t${i}`));
    events.publish(finished('ev-b', 'only'));
    const a = await storedEvents(broker.nc, 'ev-a', 50);
    assert.deepEqual(a.map((e) => e.trialId), Array.from({ length: 50 }, (_, i) => `t${i}`));
    assert.deepEqual((await storedEvents(broker.nc, 'ev-b', 1)).map((e) => e.trialId), ['only']);
    assert.equal((await jsm.streams.info(EVENTS_STREAM)).state.messages - before, 2, 'one message per sweep for the turn');
  });

  test('EventPublisher: a batch never exceeds 256 KB; flush() sends what is buffered at once', async () => {
    const jsm = await broker.nc.jetstreamManager();
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const events = new EventPublisher(broker.nc);
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 60; i++) events.publish({ ...finished('ev-big', `t${i}`), status: 'FAILED', error: big });
    events.flush();
    assert.equal((await storedEvents(broker.nc, 'ev-big', 60)).length, 60);
    const stored = (await jsm.streams.info(EVENTS_STREAM)).state.messages - before;
    assert.ok(stored >= 3, `60 × 10 KB events need at least 3 messages of ≤ 256 KB, got ${stored}`);
  });

  test('readSweepEvents reports a malformed line and keeps the rest of its batch', async () => {
    const good = JSON.stringify(finished('ev-bad', 'ok'));
    broker.nc.publish('sweep.events.ev-bad.batch', new TextEncoder().encode(`${good}\n{"v":1,"type":"nonsense"}\n${good}\n`));
    const malformed: Error[] = [];
    const events = await storedEvents(broker.nc, 'ev-bad', 2, (e) => malformed.push(e));
    assert.equal(events.length, 2);
    assert.equal(malformed.length, 1);
  });

  test('client patches: requests still resolve, time out, and report no responders', async () => {
    const echo = broker.nc.subscribe('echo', { callback: (_e, m) => m.respond(m.data) });
    try {
      const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => broker.nc.request('echo', new TextEncoder().encode(String(i)))));
      assert.deepEqual(replies.map((m) => new TextDecoder().decode(m.data)), Array.from({ length: 500 }, (_, i) => String(i)));
      await assert.rejects(broker.nc.request('nobody.home', new Uint8Array(0), { timeout: 1000 }), (e: NatsError) => e.code === (ErrorCode.NoResponders as string));
      const slow = broker.nc.subscribe('slow'); // never answers
      await assert.rejects(broker.nc.request('slow', new Uint8Array(0), { timeout: 200 }), (e: NatsError) => e.code === (ErrorCode.Timeout as string));
      slow.unsubscribe();
    } finally {
      echo.unsubscribe();
    }
  });

  test('client patches: a request that succeeds builds no error object', async () => {
    const echo = broker.nc.subscribe('echo2', { callback: (_e, m) => m.respond(m.data) });
    // The static method itself, unbound (it does not use `this`), so that `finally` puts back the very same function.
    const original = Object.getOwnPropertyDescriptor(NatsError, 'errorForCode')!.value as typeof NatsError.errorForCode;
    let built = 0;
    NatsError.errorForCode = (...args: Parameters<typeof original>) => {
      built++;
      return original(...args);
    };
    try {
      await Promise.all(Array.from({ length: 100 }, () => broker.nc.request('echo2', new Uint8Array(1))));
      assert.equal(built, 0, 'the unpatched client builds a Cancelled NatsError per request');
    } finally {
      NatsError.errorForCode = original;
      echo.unsubscribe();
    }
  });

  test('client patches: corked writes lose nothing, even when the connection is drained right after', async () => {
    const receiver = await broker.connect('receiver');
    const got: number[] = [];
    const sub = receiver.subscribe('many', { callback: (_e, m) => got.push(Number(new TextDecoder().decode(m.data))) });
    await receiver.flush();
    const sender = await broker.connect('sender');
    for (let i = 0; i < 5000; i++) sender.publish('many', new TextEncoder().encode(String(i)));
    await sender.drain();
    const deadline = Date.now() + 5000;
    while (got.length < 5000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    assert.equal(got.length, 5000);
    assert.deepEqual(got.slice(0, 3), [0, 1, 2]);
    assert.equal(got.at(-1), 4999);
  });
});
