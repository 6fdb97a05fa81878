import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsMsg } from 'nats';
import { brokerSuite } from '../helpers/nats-server.js';
import { publishJobs, purgeSweepJobs, purgeTrialJob, trialsWithJobs } from '../../src/transport/job-queue.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import type { JobMessage } from '../../src/domain/job.js';

const POOL = 'default';
const job = (sweepId: string, trialId: string, index: number): JobMessage => ({
  v: 1, sweepId, trialId, index, maxDeliver: 3, config: { version: 1, model: { family: 'sleep' } } as unknown as JobMessage['config'],
});

/**
 * Removing one sweep's jobs (cancel, the reaper) must leave the pool's consumer where it was: nats-server 2.9.10
 * moves a consumer past the stream's end on a filtered purge, so another sweep's queued job on the same pool was
 * never delivered, and a running trial's delivery was never redelivered (src/transport/job-queue.ts).
 */
describe('removing one sweep\'s jobs leaves the other sweeps of its pool deliverable (real nats-server)', () => {
  const broker = brokerSuite({ resources: { pool: POOL, ackWaitMs: 2_000 } });
  const fetchOne = async (): Promise<JsMsg | null> => {
    const consumer = await broker.nc.jetstream().consumers.get(JOBS_STREAM, consumerName(POOL));
    for await (const m of await consumer.fetch({ max_messages: 1, expires: 2_000 })) return m;
    return null;
  };
  const sweepOf = (m: JsMsg | null) => (m ? (JSON.parse(new TextDecoder().decode(m.data)) as JobMessage) : null);

  test('cancel of one sweep, and the reaper\'s removal of one trial\'s job, skip no other job', async () => {
    // B's jobs first (lower sequences), then A's; B's first job is delivered and held (a running trial).
    await publishJobs(broker.nc, POOL, [job('pool-b', 'b1', 0), job('pool-b', 'b2', 1), job('pool-b', 'b3', 2)]);
    await publishJobs(broker.nc, POOL, [job('pool-a', 'a1', 0), job('pool-a', 'a2', 1)]);
    const held = await fetchOne();
    assert.equal(sweepOf(held)?.trialId, 'b1');

    assert.equal(await purgeSweepJobs(broker.nc, 'pool-a'), 2, 'both of A\'s jobs removed');
    assert.deepEqual([...(await trialsWithJobs(broker.nc, 'pool-a'))], []);
    assert.equal(await purgeTrialJob(broker.nc, POOL, 'pool-b', 'b3'), 1, 'one trial\'s job removed');

    const next = await fetchOne();
    assert.equal(sweepOf(next)?.trialId, 'b2', 'B\'s queued job is still delivered');
    next!.ack();
    held!.nak(0);
    const again = await fetchOne();
    assert.equal(sweepOf(again)?.trialId, 'b1', 'the held delivery is redelivered after its nak');
    again!.ack();
    assert.equal(await fetchOne(), null, 'nothing else: A\'s and b3\'s jobs are gone');
  });

  test('a cancel keeps the jobs of the trials it is told to keep', async () => {
    await publishJobs(broker.nc, POOL, [job('keep-a', 'k1', 0), job('keep-a', 'k2', 1), job('keep-a', 'k3', 2)]);
    assert.equal(await purgeSweepJobs(broker.nc, 'keep-a', new Set(['k2'])), 2);
    assert.deepEqual([...(await trialsWithJobs(broker.nc, 'keep-a'))], ['k2']);
    const m = await fetchOne();
    assert.equal(sweepOf(m)?.trialId, 'k2');
    m!.ack();
  });
});
