import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { JOBS_STREAM, consumerName, jobSubject } from '../../src/transport/names.js';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { deleteAckedJobs, publishJobs, trialsWithJobs } from '../../src/transport/job-queue.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';

const POOL = 'acked';

/**
 * The reaper's removal of acked jobs that a broker crash stored again. Such a job lies at or below the pool
 * consumer's ack floor; a floor can also lie past jobs never delivered (nats-server 2.9.10 moves it past the
 * stream's end on a filtered purge), so only the jobs of finished trials may go. The test sets the floor past queued
 * jobs that way, the one way a client can, and checks that precondition first.
 */
describe("acked jobs still stored: removed for finished trials only (real nats-server)", () => {
  const broker = brokerSuite({ resources: true });

  test("at or below the ack floor, a finished trial's job is deleted and an unfinished one's stays", async () => {
    const { nc } = broker;
    await ensureResources(nc, { ...DEFAULT_QUEUE, pool: POOL, ackWaitMs: 2_000 });
    const sweep = parseSpec(sleepSpec('acked-jobs', { sleepMs: 1, epochs: 1, maxDeliver: 3, ackWaitS: 2, repeats: 3 }), 'acked.yaml');
    await launchSweep(nc, sweep, { sweepId: sweep.id, specFile: 'acked.yaml', pool: POOL });
    const ids = sweep.trials.map((t) => t.id);
    assert.equal((await trialsWithJobs(nc, sweep.id)).size, 3);

    // One more job on the pool, then a filtered purge that empties its subject: 2.9.10 moves the consumer past the end.
    const stray = { v: 1 as const, sweepId: 'other', trialId: 'stray00000000001', index: 0, maxDeliver: 3, config: sweep.trials[0]!.config };
    await publishJobs(nc, POOL, [stray]);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.purge(JOBS_STREAM, { filter: jobSubject(POOL, 'other', stray.trialId) });
    const floor = (await jsm.consumers.info(JOBS_STREAM, consumerName(POOL))).ack_floor.stream_seq;
    const lastJob = (await jsm.streams.getMessage(JOBS_STREAM, { last_by_subj: jobSubject(POOL, sweep.id, ids[2]!) })).seq;
    assert.ok(floor >= lastJob, `precondition: the ack floor (${floor}) lies past the sweep's jobs (last seq ${lastJob}); a server that no longer moves it needs another setup`);

    const finished = new Set([ids[0]!, ids[2]!]);
    const outcome = await deleteAckedJobs(nc, POOL, sweep.id, (trialId) => finished.has(trialId));
    assert.deepEqual(outcome, { removed: 2, unremovable: [] });
    assert.deepEqual([...(await trialsWithJobs(nc, sweep.id))], [ids[1]!], "the unfinished trial's job is kept");

    assert.deepEqual(await deleteAckedJobs(nc, POOL, sweep.id, () => true).then((o) => o.removed), 1, 'once finished, it goes too');
    assert.equal((await trialsWithJobs(nc, sweep.id)).size, 0);
  });

  test('jobs above the ack floor stay, finished or not (they will be delivered, and a finished trial acks them)', async () => {
    const { nc } = broker;
    const pool = `${POOL}-2`;
    await ensureResources(nc, { ...DEFAULT_QUEUE, pool, ackWaitMs: 2_000 });
    const sweep = parseSpec(sleepSpec('acked-jobs-2', { sleepMs: 1, epochs: 1, maxDeliver: 3, ackWaitS: 2, repeats: 2 }), 'acked2.yaml');
    await launchSweep(nc, sweep, { sweepId: sweep.id, specFile: 'acked2.yaml', pool });
    assert.deepEqual(await deleteAckedJobs(nc, pool, sweep.id, () => true), { removed: 0, unremovable: [] });
    assert.equal((await trialsWithJobs(nc, sweep.id)).size, 2);
  });
});
