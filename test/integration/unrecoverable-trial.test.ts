import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/chaos-processes.js';
import { tinyVggSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import type { JobMessage } from '../../src/domain/job.js';
import { parseSpec } from '../../src/spec/index.js';

const ACK_WAIT_S = 2;
const MAX_DELIVER = 3;

describe('a trial whose dataset config cannot load fails after one attempt, not max_deliver (real worker)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });

  test('a subset larger than the dataset: FAILED at the first delivery with the reason', async () => {
    const w = suite.worker();
    const base = parseSpec(tinyVggSpec('bad-dataset', { epochs: 1, repeats: 1, maxDeliver: MAX_DELIVER, ackWaitS: ACK_WAIT_S }), 'bad.yaml');
    const { config } = base.trials[0]!;
    // Published by hand: spec validation does not know how many images a dataset has, the trainer finds out.
    const job: JobMessage = {
      v: 1, sweepId: 'bad-dataset', trialId: 'baddataset000001', index: 0, maxDeliver: MAX_DELIVER,
      config: { ...config, dataset: { ...config.dataset!, subset: { train: 100_000, validation: null } } },
    };
    await publishJobs(suite.nc, 'default', [job]);
    const failed = await waitFor('the trial to end', async () => {
      const r = await suite.record('bad-dataset', 'baddataset000001');
      return r && r.status !== 'RUNNING' && r.status !== 'QUEUED' ? r : null;
    }, 120_000, () => w.output());
    assert.equal(failed.status, 'FAILED', w.output());
    assert.match(failed.error ?? '', /DatasetError: dataset\.subset\.train of synthetic = 100000 exceeds the 128 images available/);
    assert.deepEqual(failed.history.map((h) => h.outcome), ['failed'], 'one attempt, no retries');
  });
});
