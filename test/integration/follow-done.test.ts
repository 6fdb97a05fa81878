import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brokerSuite } from '../helpers/nats-server.js';
import { aTrialRecord } from '../helpers/trial-record-builder.js';
import { followSweep } from '../../src/coordinator/follow.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import { createLogger } from '../../src/log.js';
import type { JobMessage } from '../../src/domain/job.js';

describe('following a sweep to its end (real nats-server)', () => {
  const broker = brokerSuite({ resources: true });

  test('a terminal record whose job is still queued does not end the sweep; the ack does', async () => {
    const job = { v: 1, sweepId: 's1', trialId: 't1', index: 0, maxDeliver: 3, checkpointEvery: 1, publishedAt: Date.now(), config: {} } as unknown as JobMessage;
    assert.equal((await publishJobs(broker.nc, 'default', [job])).published, 1);
    await broker.store.mutate('s1', 't1', () => aTrialRecord({ sweepId: 's1', trialId: 't1', status: 'COMPLETED' }));

    let ended = false;
    const following = followSweep(broker.nc, {
      sweepId: 's1', expected: new Set(['t1']), total: 1, objectiveMetric: 'val_accuracy', totalEpochs: null,
      log: createLogger('follow-test', 'silent'), tty: false,
    }).then((p) => {
      ended = true;
      return p;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(ended, false, 'the job is still in the queue: the trial may yet run again');

    const consumer = await broker.js.consumers.get(JOBS_STREAM, consumerName('default'));
    const msg = await consumer.next({ expires: 5_000 });
    assert.ok(msg, 'the job was there to pull');
    await msg.ackAck();
    const progress = await following;
    assert.equal(progress.counts().completed, 1);
  });
});
