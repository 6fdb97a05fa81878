import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AckPolicy } from 'nats';
import { brokerSuite } from '../helpers/nats-server.js';
import { ensureConsumer, ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { readPoolAckWaitMs } from '../../src/transport/bind-resources.js';
import { JOBS_STREAM, consumerName, jobSubject } from '../../src/transport/names.js';
import { LeaseKeeper } from '../../src/worker/lease-keeper.js';
import { keptLongerLeaseLine } from '../../src/cli/launch.js';

describe("a pool's lease: no sweep shortens it, and workers follow it", () => {
  const broker = brokerSuite({ resources: { pool: 'lease', ackWaitMs: 2_000 } });

  test('ensureConsumer raises ack_wait but never lowers it, says when it kept a longer one, and leaves deliveries unlimited', async () => {
    const jsm = await broker.nc.jetstreamManager();
    assert.deepEqual(await ensureConsumer(jsm, { pool: 'lease', ackWaitMs: 2_000 }), { ackWaitMs: 2_000, keptLonger: false });
    assert.deepEqual(await ensureConsumer(jsm, { pool: 'lease', ackWaitMs: 6_000 }), { ackWaitMs: 6_000, keptLonger: false });
    assert.deepEqual(await ensureConsumer(jsm, { pool: 'lease', ackWaitMs: 1_000 }), { ackWaitMs: 6_000, keptLonger: true });
    const info = await jsm.consumers.info(JOBS_STREAM, consumerName('lease'));
    assert.equal(info.config.ack_wait, 6_000 * 1e6);
    assert.equal(info.config.max_deliver, -1, 'naks (drains) must be free: the budget counts failures in the record');
    assert.equal(await readPoolAckWaitMs(jsm, 'lease'), 6_000);
    assert.equal(
      keptLongerLeaseLine('lease', 1_000, 6_000),
      "pool lease: keeps ack_wait 6 s, longer than this sweep's 1 s (another sweep on the pool asked for it; a pool's lease never shortens)\n",
    );
  });

  test('ensureResources brings an existing consumer with a delivery cap to unlimited deliveries', async () => {
    const jsm = await broker.nc.jetstreamManager();
    await jsm.consumers.add(JOBS_STREAM, { durable_name: consumerName('capped'), ack_policy: AckPolicy.Explicit, max_deliver: 100, filter_subject: 'sweep.jobs.capped.>', ack_wait: 3_000 * 1e6 });
    const lease = await ensureResources(broker.nc, { ...DEFAULT_QUEUE, pool: 'capped', ackWaitMs: 2_000 });
    assert.deepEqual(lease, { ackWaitMs: 3_000, keptLonger: true });
    assert.equal((await jsm.consumers.info(JOBS_STREAM, consumerName('capped'))).config.max_deliver, -1);
  });

  test('the lease keeper re-reads the consumer: a job held across several of the old ack_waits is never redelivered', async () => {
    const jsm = await broker.nc.jetstreamManager();
    await ensureConsumer(jsm, { pool: 'keeper', ackWaitMs: 1_500 });
    await broker.js.publish(jobSubject('keeper', 's', 't'), new TextEncoder().encode('{}'));
    const consumer = await broker.js.consumers.get(JOBS_STREAM, consumerName('keeper'));
    const msg = await consumer.next({ expires: 2_000 });
    assert.ok(msg, 'the job is delivered');
    const changes: [number, number][] = [];
    let heartbeats = 0;
    const keeper = new LeaseKeeper({
      ackWaitMs: 1_500,
      readAckWaitMs: () => readPoolAckWaitMs(jsm, 'keeper'),
      refreshMs: 200,
      connected: () => true,
      onAckWaitChange: (from, to) => changes.push([from, to]),
    });
    const release = keeper.hold({ msg, heartbeat: () => heartbeats++, abort: () => undefined });
    try {
      assert.equal(keeper.renewEveryMs, 500);
      // Another sweep's launch raises the pool's lease: the keeper retimes itself to it.
      await ensureConsumer(jsm, { pool: 'keeper', ackWaitMs: 4_500 });
      const deadline = Date.now() + 10_000;
      while (keeper.ackWaitMs !== 4_500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(changes, [[1_500, 4_500]]);
      assert.equal(keeper.renewEveryMs, 1_500);
      assert.equal(keeper.heartbeatMs, 1_500);
      // Held for three of the old ack_waits: renewed all along, so nobody else gets it.
      await new Promise((r) => setTimeout(r, 4_500));
      const again = await consumer.next({ expires: 1_000 });
      assert.equal(again, null, 'no redelivery while the lease is kept');
      assert.ok(heartbeats >= 2, `heartbeats were due (${heartbeats})`);
      const info = await jsm.consumers.info(JOBS_STREAM, consumerName('keeper'));
      assert.equal(info.num_redelivered, 0);
      assert.equal(info.num_ack_pending, 1);
    } finally {
      release();
      msg.ack();
    }
  });
});
