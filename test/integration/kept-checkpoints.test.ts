import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stopGently, waitFor } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { cancelSweep } from '../../src/coordinator/cancel.js';
import { retryTrials } from '../../src/coordinator/retry.js';
import { parseSpec } from '../../src/spec/index.js';
import { CHECKPOINTS_BUCKET } from '../../src/transport/names.js';

describe('a STOPPED trial keeps its newest checkpoint and nothing else, and a retry resumes from it', () => {
  const suite = workerSuite({ ackWaitMs: 2_000 });

  test('cancel mid-run: one checkpoint left in the record and in the store; retry resumes there', async () => {
    const sweep = parseSpec(sleepSpec('kept', { model: 'spin', sleepMs: 400, epochs: 12, maxDeliver: 3, ackWaitS: 2 }), 'kept.yaml');
    const trialId = sweep.trials[0]!.id;
    const w = suite.worker();
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    await waitFor('two checkpoints recorded', async () => ((await suite.record(sweep.id, trialId))?.checkpoints.length ?? 0) >= 2, 60_000, () => w.output());
    await cancelSweep(suite.nc, sweep.id);
    const stopped = await waitFor('STOPPED', async () => {
      const r = await suite.record(sweep.id, trialId);
      return r?.status === 'STOPPED' ? r : null;
    }, 30_000, () => w.output());
    assert.equal(stopped.checkpoints.length, 1, 'only the newest is kept');
    const kept = stopped.checkpoints[0]!;
    assert.equal(kept.epoch, stopped.epochs.at(-1)!.epoch, 'the newest one');
    const os = await suite.nc.jetstream().views.os(CHECKPOINTS_BUCKET);
    const stored = (await os.list()).filter((o) => o.name.startsWith(`${sweep.id}/${trialId}/`)).map((o) => o.name);
    assert.deepEqual(stored, [kept.name], 'the store holds exactly the kept one');

    const res = await retryTrials(suite.nc, sweep.id, { onlyFailed: false, pool: 'default', maxDeliver: 3, checkpointEvery: 1 });
    assert.deepEqual(res.requeued, [trialId]);
    const done = await waitFor('COMPLETED', async () => {
      const r = await suite.record(sweep.id, trialId);
      return r?.status === 'COMPLETED' ? r : null;
    }, 60_000, () => w.output());
    assert.equal(done.history.at(-1)?.resumeEpoch, kept.epoch, 'resumed from the kept checkpoint');
    assert.deepEqual(done.epochs.map((e) => e.epoch), Array.from({ length: 12 }, (_, i) => i + 1));
    await stopGently(w);
  });
});
