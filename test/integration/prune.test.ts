import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSweepEvents, stopGently, waitFor } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { freePort } from '../../src/transport/free-port.js';
import { CHECKPOINTS_BUCKET, JOBS_STREAM, consumerName, sweepJobsFilter } from '../../src/transport/names.js';
import { BlobStore } from '../../src/transport/blob-store.js';
import { DecisionStore } from '../../src/transport/decision-store.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import type { PruneDecision, SchedulerConfig } from '../../src/domain/scheduler.js';
import { isTerminal } from '../../src/domain/trial-state.js';

// Spin epochs (a busy trainer thread, as real training) short enough for a quick test, long enough that a stop at
// an epoch boundary is visible in the record.
const ACK_WAIT_MS = 2_000;
const EPOCH_MS = 200;
const EPOCHS = 5;
const ASHA: SchedulerConfig = { type: 'asha', metric: 'val_loss', goal: 'min', grace_epochs: 1, reduction_factor: 2, max_epochs: EPOCHS };

describe('pruning: a PruneDecision stops its trial at an epoch boundary (spin trainer)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_MS });
  const launch = async (name: string, scheduler: SchedulerConfig | null, o: { epochs?: number; repeats?: number } = {}) => {
    const repeats = o.repeats ?? 2;
    const spec = sleepSpec(name, { model: 'spin', sleepMs: EPOCH_MS, epochs: o.epochs ?? EPOCHS, maxDeliver: 3, ackWaitS: ACK_WAIT_MS / 1000, repeats });
    const sweep = { ...parseSpec(spec, `${name}.yaml`), scheduler };
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    assert.equal(sweep.trials.length, repeats);
    return { sweepId: sweep.id, a: sweep.trials[0]!.id, b: sweep.trials[1]?.id ?? '' };
  };
  const decision = (sweepId: string, trialId: string, epoch: number): PruneDecision => ({
    v: 1, sweepId, trialId, group: 'g', scheduler: 'asha', epoch, value: 1.5, cutoff: 1, at: new Date().toISOString(),
  });
  const finished = (sweepId: string, ids: string[]) =>
    waitFor('both trials finished', async () => {
      const rs = await Promise.all(ids.map((id) => suite.record(sweepId, id)));
      return rs.every((r) => r && isTerminal(r.status)) ? rs.map((r) => r!) : null;
    }, 60_000);

  test('a running trial stops at the first epoch boundary after its decision is stored, checkpoints kept, job acked; a seed decided before it starts never trains', async () => {
    const { sweepId, a, b } = await launch('prune-asha', ASHA, { epochs: 50 });
    const decisions = await DecisionStore.open(suite.nc);
    // A (a later seed of a group already stopped): decided before any worker runs.
    const first = await decisions.put(decision(sweepId, a, 2));
    assert.equal(first.created, true);
    assert.deepEqual(await decisions.get(sweepId, a), first.decision);
    assert.equal(await decisions.get(sweepId, b), null);
    // Idempotent: a second decision for the trial leaves the first.
    const again = await decisions.put(decision(sweepId, a, 4));
    assert.equal(again.created, false);
    assert.equal(again.decision.epoch, 2);
    assert.deepEqual([...(await decisions.forSweep(sweepId)).keys()], [a]);

    const port = await freePort();
    const w = suite.worker(['--health-port', String(port)]);
    // B is decided while it trains, once it has checkpointed epoch 2.
    await waitFor('B checkpointed epoch 2', async () => {
      const r = await suite.record(sweepId, b);
      return r?.status === 'RUNNING' && r.checkpoints.some((c) => c.epoch >= 2) ? r : null;
    }, 60_000);
    await decisions.put(decision(sweepId, b, 2));
    const decidedAt = Date.now();
    const [ra, rb] = await finished(sweepId, [a, b]).catch((e: Error) => {
      throw new Error(`${e.message}\n${w.output()}`);
    });

    assert.equal(ra!.status, 'PRUNED', JSON.stringify(ra));
    assert.deepEqual(ra!.epochs, [], 'decided before it started: never trained');
    assert.deepEqual(ra!.history.map((h) => h.outcome), ['pruned']);
    assert.equal(ra!.error, null);

    assert.equal(rb!.status, 'PRUNED', JSON.stringify(rb));
    assert.deepEqual(rb!.history.map((h) => h.outcome), ['pruned']);
    assert.ok(rb!.epochs.length >= 2 && rb!.epochs.length < 50, `stopped early (${rb!.epochs.length} epochs)`);
    assert.equal(rb!.error, null);
    assert.equal(rb!.model, null, 'no final weights');
    assert.equal(rb!.result?.stopReason, 'pruned', 'the partial result of the stopped run');
    assert.ok(rb!.finishedAt && rb!.durationMs !== null);
    // Checkpoints kept, in the record and in the object store (a later resume of pruned trials starts from them).
    const last = rb!.epochs.length;
    assert.deepEqual(rb!.checkpoints.map((c) => c.epoch), [last, last - 1]);
    const blobs = await BlobStore.open(suite.nc, CHECKPOINTS_BUCKET);
    for (const c of rb!.checkpoints) assert.ok(await blobs.get(c.name, c.sha256), `${c.name} is in the object store`);

    // Acked, not requeued: nothing of the sweep is left in the work queue, nothing waits for an ack or was redelivered.
    const jsm = await suite.nc.jetstreamManager();
    const stream = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
    assert.equal(stream.state.messages, 0, 'the work queue holds no job of the sweep');
    const consumer = await waitFor('acks settled', async () => {
      const c = await jsm.consumers.info(JOBS_STREAM, consumerName('default'));
      return c.num_ack_pending === 0 ? c : null;
    }, 5_000);
    assert.equal(consumer.num_pending, 0);
    assert.equal(consumer.num_redelivered, 0);

    const events = await readSweepEvents(suite.nc, sweepId);
    for (const id of [a, b]) {
      const of = events.filter((e) => e.trialId === id);
      assert.deepEqual(of.filter((e) => e.type === 'finished').map((e) => [e.v, e.type === 'finished' ? e.status : null]), [[2, 'PRUNED']]);
      assert.equal(of.filter((e) => e.type === 'started').length, id === b ? 1 : 0, 'B started once (never redelivered); A never started');
    }
    const epochsOfB = events.filter((e) => e.trialId === b && e.type === 'epoch');
    assert.deepEqual(epochsOfB.map((e) => (e.type === 'epoch' ? e.metrics.epoch : 0)), rb!.epochs.map((e) => e.epoch));
    // Within one epoch of the stored decision: at most one epoch ended after the put returned.
    const after = epochsOfB.filter((e) => Date.parse(e.at) > decidedAt).length;
    assert.ok(after <= 1, `${after} epochs of B ended after its decision was stored`);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /sweep_worker_trials_total\{outcome="pruned"\} 2/);
    assert.match(w.output(), /"msg":"trial pruned"/);

    // A relaunch leaves the PRUNED trials as the scheduler left them.
    const parsed = parseSpec(sleepSpec('prune-asha', { model: 'spin', sleepMs: EPOCH_MS, epochs: 50, maxDeliver: 3, ackWaitS: ACK_WAIT_MS / 1000, repeats: 2 }), 'prune-asha.yaml');
    const relaunched = await launchSweep(suite.nc, { ...parsed, scheduler: ASHA }, { sweepId, specFile: 'x', pool: 'default' });
    assert.equal(relaunched.toPublish, 0);
    await stopGently(w);
  });

  test('a trial decided while it was requeued is pruned where its checkpoint stands, without training', async () => {
    const { sweepId, a } = await launch('prune-requeued', ASHA, { epochs: 50, repeats: 1 });
    const first = suite.worker();
    await waitFor('epoch 2 checkpointed', async () => {
      const r = await suite.record(sweepId, a);
      return r?.status === 'RUNNING' && r.checkpoints.some((c) => c.epoch >= 2) ? r : null;
    }, 60_000, () => first.output());
    first.child.kill('SIGTERM');
    const requeued = await waitFor('trial requeued', async () => {
      const r = await suite.record(sweepId, a);
      return r?.status === 'QUEUED' ? r : null;
    }, 10_000, () => first.output());
    await first.exited;
    const resumeEpoch = Math.max(...requeued.checkpoints.map((c) => c.epoch));
    await (await DecisionStore.open(suite.nc)).put(decision(sweepId, a, 2));

    const second = suite.worker();
    const pruned = await waitFor('trial pruned', async () => {
      const r = await suite.record(sweepId, a);
      return r?.status === 'PRUNED' ? r : null;
    }, 30_000, () => second.output());
    assert.deepEqual(pruned.history.map((h) => [h.outcome, h.resumeEpoch]), [['requeued', 0], ['pruned', resumeEpoch]]);
    assert.deepEqual(pruned.epochs.map((e) => e.epoch), Array.from({ length: resumeEpoch }, (_, i) => i + 1), 'no epoch trained after the resume');
    assert.equal(pruned.result, null, 'nothing was evaluated');
    assert.equal(Math.max(...pruned.checkpoints.map((c) => c.epoch)), resumeEpoch, 'the checkpoint it stands on is kept');
    await stopGently(second);
  });

  test('a job of a sweep without a scheduler never reads decisions', async () => {
    const { sweepId, a, b } = await launch('prune-none', null);
    await (await DecisionStore.open(suite.nc)).put(decision(sweepId, a, 1));
    const w = suite.worker();
    const records = await finished(sweepId, [a, b]).catch((e: Error) => {
      throw new Error(`${e.message}\n${w.output()}`);
    });
    assert.deepEqual(records.map((r) => [r.status, r.epochs.length]), [['COMPLETED', EPOCHS], ['COMPLETED', EPOCHS]]);
    await stopGently(w);
  });
});
