import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countLogLines, readSweepEvents, waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { tinyVggSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { trialsWithJobs } from '../../src/transport/job-queue.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import type { ExpandedSweep } from '../../src/spec/types.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

// What an operator does over hours, shrunk: the stream's duplicate window (an hour by default) is 2 s here, so a
// relaunch a few seconds later is a relaunch after the window. Read when the suite's broker ensures its resources.
const DUPLICATE_WINDOW_S = 2;
process.env.SWEEP_JOBS_DUPLICATE_WINDOW_S = String(DUPLICATE_WINDOW_S);
const ACK_WAIT_S = 3;

/** Two tiny VGG trials whose epochs (~3 s on the cpu backend) are longer than the duplicate window. */
const relaunchSpec = (name: string) =>
  tinyVggSpec(name, { epochs: 4, repeats: 1, maxDeliver: 3, ackWaitS: ACK_WAIT_S }).replace('train_size: 128', 'train_size: 448');

/** Spin trials (they hold a CPU for each epoch) on their own pool, with the lease `ackWaitS`. */
const poolSpec = (name: string, o: { epochs: number; epochMs: number; repeats: number; ackWaitS: number }) => `name: ${name}
model: spin
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: ${o.epochMs}
repeats: ${o.repeats}
training: { epochs: ${o.epochs} }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 3, ack_wait_s: ${o.ackWaitS}, pool: shared }
`;

describe('exactly one result under real operations: relaunches after the duplicate window, several sweeps on one pool', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });
  const outputs = (ws: SweepProcess[]) => () => ws.map((w) => w.output()).join('\n');
  const records = async (sweep: ExpandedSweep) => Promise.all(sweep.trials.map(async (t) => (await suite.record(sweep.id, t.id))!));
  const allCompleted = (sweep: ExpandedSweep, diag: () => string, timeoutMs = 240_000) =>
    waitFor('every trial COMPLETED', async () => {
      const rs = await Promise.all(sweep.trials.map((t) => suite.record(sweep.id, t.id)));
      return rs.every((r) => r?.status === 'COMPLETED') ? (rs as TrialRecord[]) : null;
    }, timeoutMs, diag);

  test('a relaunch after the duplicate window publishes no second job and takes no trial from its owner', async () => {
    const jsm = await suite.nc.jetstreamManager();
    assert.equal((await jsm.streams.info(JOBS_STREAM)).config.duplicate_window, DUPLICATE_WINDOW_S * 1e9, 'SWEEP_JOBS_DUPLICATE_WINDOW_S applied');
    const workers = [suite.worker(), suite.worker()];
    // The reference: the same two trials (IDs hash the config, not the sweep name), without a relaunch.
    const baseline = parseSpec(relaunchSpec('relaunch-baseline'), 'baseline.yaml');
    await launchSweep(suite.nc, baseline, { sweepId: baseline.id, specFile: 'x', pool: 'default' });
    const reference = await allCompleted(baseline, outputs(workers));

    workers.push(suite.worker(), suite.worker());
    const sweep = parseSpec(relaunchSpec('relaunch-window'), 'relaunch.yaml');
    assert.deepEqual(sweep.trials.map((t) => t.id), baseline.trials.map((t) => t.id));
    const first = await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    assert.equal(first.publish.published, 2);
    const publishedAt = Date.now();
    await waitFor('both trials running with a checkpoint', async () => {
      const rs = await records(sweep).catch(() => []);
      return rs.length === 2 && rs.every((r) => r?.status === 'RUNNING' && r.checkpoints.length > 0);
    }, 120_000, outputs(workers));
    await new Promise((r) => setTimeout(r, Math.max(0, publishedAt + 2 * DUPLICATE_WINDOW_S * 1000 - Date.now())));

    // Relaunch twice, past the window: both trials are live, so the broker keeps their one job each.
    for (let i = 0; i < 2; i++) {
      const again = await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
      assert.equal(again.publish.published, 0, `relaunch ${i + 1} published no job`);
      assert.equal(again.publish.alreadyQueued, 2);
      assert.deepEqual([...(await trialsWithJobs(suite.nc, sweep.id))].sort(), sweep.trials.map((t) => t.id).sort(), 'one job per trial');
    }

    const done = await allCompleted(sweep, outputs(workers));
    const all = outputs(workers)();
    assert.equal(countLogLines(all, 'lease lost'), 0, 'no trial was taken from its owner');
    for (const [i, r] of done.entries()) {
      assert.deepEqual(r.history.map((h) => [h.attempt, h.outcome]), [[1, 'completed']], `trial ${r.trialId} ran once`);
      assert.deepEqual(r.epochs.map((e) => e.epoch), [1, 2, 3, 4]);
      assert.equal(r.result?.weightsSha256, reference[i]!.result?.weightsSha256, 'the weights of the run without a relaunch');
    }
    const started = (await readSweepEvents(suite.nc, sweep.id)).filter((e) => e.type === 'started');
    assert.equal(started.length, 2, 'each trial started once');
    await waitFor('the stream holds no job of the sweep', async () => (await trialsWithJobs(suite.nc, sweep.id)).size === 0, 20_000);
  });

  test("a second sweep with a shorter ack_wait on the same pool shortens no running job's lease", async () => {
    const LONG_S = 9;
    const jsm = await suite.nc.jetstreamManager();
    await ensureResources(suite.nc, { ...DEFAULT_QUEUE, pool: 'shared', ackWaitMs: LONG_S * 1000 });
    // Two busy workers and an idle one that would take any job whose lease lapsed.
    const workers = [0, 1, 2].map(() => suite.worker(['--pool', 'shared']));
    const a = parseSpec(poolSpec('pool-a', { epochs: 8, epochMs: 2_500, repeats: 2, ackWaitS: LONG_S }), 'a.yaml');
    await launchSweep(suite.nc, a, { sweepId: a.id, specFile: 'x', pool: 'shared' });
    await waitFor("both of A's trials running", async () => {
      const rs = await records(a).catch(() => []);
      return rs.length === 2 && rs.every((r) => r?.status === 'RUNNING' && r.epochs.length > 0);
    }, 120_000, outputs(workers));

    // Sweep B asks for a 1 s lease: A's workers renew every 3 s, so a consumer shortened to 1 s would redeliver
    // A's jobs to the idle worker again and again.
    const b = parseSpec(poolSpec('pool-b', { epochs: 1, epochMs: 200, repeats: 1, ackWaitS: 1 }), 'b.yaml');
    const lease = await ensureResources(suite.nc, { ...DEFAULT_QUEUE, pool: 'shared', ackWaitMs: 1_000 });
    assert.deepEqual(lease, { ackWaitMs: LONG_S * 1000, keptLonger: true });
    await launchSweep(suite.nc, b, { sweepId: b.id, specFile: 'x', pool: 'shared' });
    assert.equal((await jsm.consumers.info(JOBS_STREAM, consumerName('shared'))).config.ack_wait, LONG_S * 1e9);

    const doneB = await allCompleted(b, outputs(workers), 60_000);
    const doneA = await allCompleted(a, outputs(workers), 180_000);
    assert.equal(countLogLines(outputs(workers)(), 'lease lost'), 0, 'no lease lapsed');
    for (const r of [...doneA, ...doneB]) assert.deepEqual(r.history.map((h) => h.outcome), ['completed'], `trial ${r.trialId} ran once`);
    const info = await jsm.consumers.info(JOBS_STREAM, consumerName('shared'));
    assert.equal(info.num_redelivered, 0, 'no job was redelivered');
  });
});
