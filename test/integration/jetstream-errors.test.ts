import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { JsApiError, isConsumerNotFound, isNoMessageFound, isStreamNotFound, isWrongLastSequence, jsApiErrorCode } from '../../src/transport/jetstream-errors.js';
import { nanos } from 'nats';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { EVENTS_STREAM, JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import { SweepStore } from '../../src/transport/sweep-store.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const rejection = (p: Promise<unknown>) => p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);

describe('JetStream API errors are recognised by their code (real nats-server)', () => {
  const broker = brokerSuite();

  test('a KV update with a stale revision and a create of an existing key: wrong last sequence', async () => {
    const kv = await broker.js.views.kv('errors-test', { history: 1 });
    const rev = await kv.create('k', bytes('1'));
    await kv.update('k', bytes('2'), rev);
    const stale = await rejection(kv.update('k', bytes('3'), rev));
    const exists = await rejection(kv.create('k', bytes('4')));
    for (const e of [stale, exists]) {
      assert.equal(jsApiErrorCode(e), JsApiError.WrongLastSequence, String(e));
      assert.ok(isWrongLastSequence(e));
      assert.ok(!isStreamNotFound(e));
    }
  });

  test('a missing stream, consumer and message', async () => {
    const jsm = await broker.nc.jetstreamManager();
    const noStream = await rejection(jsm.streams.info('NO_SUCH_STREAM'));
    assert.ok(isStreamNotFound(noStream), String(noStream));
    assert.ok(!isConsumerNotFound(noStream));

    await jsm.streams.add({ name: 'ERRORS_TEST', subjects: ['errors-test.>'] });
    const noConsumer = await rejection(jsm.consumers.info('ERRORS_TEST', 'nobody'));
    assert.ok(isConsumerNotFound(noConsumer), String(noConsumer));
    assert.ok(!isStreamNotFound(noConsumer));

    const noMessage = await rejection(jsm.streams.getMessage('ERRORS_TEST', { seq: 42 }));
    assert.ok(isNoMessageFound(noMessage), String(noMessage));
  });

  test('other errors carry no JetStream code', () => {
    assert.equal(jsApiErrorCode(new Error('wrong last sequence: 3')), undefined);
    assert.equal(isWrongLastSequence({ api_error: { err_code: 10071 } }), false, 'only a NatsError counts');
  });

  test('a broker where no sweep was launched has no sweep store yet: `sweep list` reads none', async () => {
    assert.deepEqual(await (await SweepStore.open(broker.nc)).list(), []);
  });

  test('resource setup creates what is missing (streams not found, then created) and updates the consumer in place', async () => {
    await ensureResources(broker.nc, { ...DEFAULT_QUEUE, ackWaitMs: 5_000 });
    // A longer lease is applied in place; a pool's lease never shortens (another sweep's jobs renew from it).
    assert.deepEqual(await ensureResources(broker.nc, { ...DEFAULT_QUEUE, ackWaitMs: 45_000 }), { ackWaitMs: 45_000, keptLonger: false });
    const jsm = await broker.nc.jetstreamManager();
    const consumer = await jsm.consumers.info(JOBS_STREAM, consumerName(DEFAULT_QUEUE.pool));
    assert.equal(consumer.config.ack_wait, nanos(45_000));
    await jsm.streams.info(EVENTS_STREAM);
    assert.deepEqual(await (await SweepStore.open(broker.nc)).list(), []);
  });
});
