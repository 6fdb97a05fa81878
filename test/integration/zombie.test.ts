import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSweepEvents, signalTree, stopGently, waitFor } from '../helpers/chaos-processes.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { CheckpointStore } from '../../src/transport/checkpoint-store.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import { oneVggTrialSpec } from '../helpers/chaos-specs.js';

const ACK_WAIT_S = 2;
const EPOCHS = 8;

/** One tiny VGG trial: an epoch takes about a second on the cpu backend. */
const spec = (name: string) => oneVggTrialSpec(name, { epochs: EPOCHS, trainSize: 160, maxDeliver: 10, ackWaitS: ACK_WAIT_S });

describe('a zombie worker (SIGSTOP past its lease, then SIGCONT) never corrupts the live attempt', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });
  const worker = () => suite.worker();
  const record = (sweepId: string, trialId: string) => suite.record(sweepId, trialId);
  const completed = (sweepId: string, trialId: string, diag: () => string) =>
    waitFor('trial completed', async () => {
      const r = await record(sweepId, trialId);
      return r?.status === 'COMPLETED' ? r : null;
    }, 180_000, diag);

  test('exactly one result, with the weights of a fault-free run; the zombie logs lease lost and touches nothing', async () => {
    // The reference: the same trial (same ID: it hashes the config, not the sweep name) without faults.
    const baseline = parseSpec(spec('zombie-baseline'), 'zombie-baseline.yaml');
    const trialId = baseline.trials[0]!.id;
    await launchSweep(suite.nc, baseline, { sweepId: baseline.id, specFile: 'x', pool: 'default' });
    const calm = worker();
    const reference = await completed(baseline.id, trialId, () => calm.output());
    await stopGently(calm);

    const sweep = parseSpec(spec('zombie'), 'zombie.yaml');
    assert.equal(sweep.trials[0]!.id, trialId);
    const zombie = worker();
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    await waitFor('first attempt checkpointed an epoch', async () => {
      const r = await record(sweep.id, trialId);
      return r?.status === 'RUNNING' && r.worker?.startsWith(zombie.workerIdPrefix) && r.checkpoints.length > 0 ? r : null;
    }, 60_000, () => zombie.output());
    signalTree(zombie.child.pid!, 'SIGSTOP');

    const live = worker();
    const taken = await waitFor('second attempt took the trial over', async () => {
      const r = await record(sweep.id, trialId);
      return r?.status === 'RUNNING' && r.worker?.startsWith(live.workerIdPrefix) && r.attempt === 2 ? r : null;
    }, 60_000, () => live.output());
    assert.equal(taken.history[0]?.outcome, 'abandoned');
    // Let the live attempt write a checkpoint of its own, then wake the zombie mid-epoch.
    await waitFor('second attempt checkpointed', async () => {
      const r = await record(sweep.id, trialId);
      return r && r.checkpoints.some((c) => c.name.includes('/a2/')) ? r : null;
    }, 60_000, () => live.output());
    const wokeAt = new Date().toISOString();
    signalTree(zombie.child.pid!, 'SIGCONT');

    await waitFor('the zombie logs lease lost', () => Promise.resolve(/lease lost: attempt 1 abandoned/.test(zombie.output())), 10_000, () => zombie.output());
    // The live attempt's checkpoints are intact (same bytes, same sha256), while it still runs.
    const during = await record(sweep.id, trialId);
    if (during?.status === 'RUNNING') await assertCheckpointsIntact(during);

    const done = await completed(sweep.id, trialId, () => `${zombie.output()}\n${live.output()}`);
    assert.equal(done.result?.weightsSha256, reference.result?.weightsSha256, 'weights equal the fault-free run');
    assert.deepEqual(done.epochs.map((e) => e.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1));
    assert.deepEqual(done.history.map((h) => [h.attempt, h.outcome]), [[1, 'abandoned'], [2, 'completed']]);
    assert.ok(done.worker?.startsWith(live.workerIdPrefix));

    const events = await readSweepEvents(suite.nc, sweep.id);
    const finished = events.filter((e) => e.type === 'finished');
    assert.equal(finished.length, 1, 'one finished event');
    const zombieEpochsAfterWaking = events.filter((e) => e.type === 'epoch' && e.worker.startsWith(zombie.workerIdPrefix) && e.at > wokeAt);
    assert.deepEqual(zombieEpochsAfterWaking, [], 'the zombie reported no epoch after it woke');
    assert.doesNotMatch(live.output(), /checkpoint unusable|lease lost/);
    // The zombie neither acked, nacked nor termed its stale delivery: the job went away with the live ack only.
    assert.doesNotMatch(zombie.output(), /trial finished|trial requeued|trial failed/);
  });

  async function assertCheckpointsIntact(r: TrialRecord): Promise<void> {
    const checkpoints = await CheckpointStore.open(suite.nc);
    for (const ref of r.checkpoints) {
      const loaded = await checkpoints.loadNewestValid([ref], (bad, reason) => assert.fail(`${bad.name}: ${reason}`));
      assert.ok(loaded, `${ref.name} loads`);
    }
  }
});
