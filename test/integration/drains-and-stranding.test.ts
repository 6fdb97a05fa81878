import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { countLogLines, killHard, stopGently, waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { oneVggTrialSpec, sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import { SweepStore } from '../../src/transport/sweep-store.js';
import { decodeJson } from '../../src/transport/codecs.js';
import { purgeSweepJobs, trialsWithJobs } from '../../src/transport/job-queue.js';
import { jobMessageSchema } from '../../src/domain/job.js';
import { transition, type TrialStatus } from '../../src/domain/trial-state.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { buildJob } from '../../src/coordinator/jobs.js';
import { cancelSweep } from '../../src/coordinator/cancel.js';
import { retryTrials } from '../../src/coordinator/retry.js';
import { startReaper, type Reaper } from '../../src/coordinator/reaper.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { recordForJob } from '../../src/worker/trial-records.js';
import { parseSpec } from '../../src/spec/index.js';
import type { ExpandedSweep } from '../../src/spec/types.js';

const ACK_WAIT_S = 2;
const ACK_WAIT_MS = ACK_WAIT_S * 1000;
const POOL = 'default';
const VGG_EPOCHS = 10;
const DRAINS = 6;

/** One tiny VGG trial (real tfjs on the cpu backend, about a second per epoch), checkpointed every epoch. */
const vggSpec = (name: string) => oneVggTrialSpec(name, { epochs: VGG_EPOCHS, trainSize: 128, maxDeliver: 3, ackWaitS: ACK_WAIT_S });

describe('drains are free, crash loops are not, and no trial is stranded (real nats-server, worker processes, ack_wait 2 s)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_MS });
  /** Every worker of this file, in start order (for diagnostics); `live` holds those of the current test. */
  const all: SweepProcess[] = [];
  let live: SweepProcess[] = [];
  const worker = () => {
    const w = suite.worker();
    all.push(w);
    live.push(w);
    return w;
  };
  const outputs = () => all.map((w, i) => `--- worker ${i} (pid ${w.child.pid}) ---\n${w.output().split('\n').slice(-40).join('\n')}`).join('\n');
  const reapers: Reaper[] = [];
  const reaperLog: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        reaperLog.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    }),
  );
  const diagnostics = () => `${outputs()}\n--- reaper ---\n${reaperLog.join('\n')}`;

  /** Sweeps launched by the current test. */
  const launched: string[] = [];

  // No worker of one test may take the next test's jobs (they share the pool), and no job a failed test left
  // queued may reach the next test's workers: stop the workers (a drain requeues), then cancel (purges the jobs).
  afterEach(async () => {
    await Promise.all(reapers.splice(0).map((r) => r.stop()));
    await Promise.all(live.map((w) => stopGently(w, 10_000)));
    live = [];
    // A cancel keeps the jobs of running trials (their owners settle them): a killed owner's job goes too.
    for (const id of launched.splice(0)) {
      await cancelSweep(suite.nc, id);
      await purgeSweepJobs(suite.nc, id);
    }
  });

  const launchSpec = async (sweep: ExpandedSweep, file: string): Promise<ExpandedSweep> => {
    launched.push(sweep.id);
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: file, pool: POOL });
    return sweep;
  };
  const launch = (yaml: string, file: string): Promise<ExpandedSweep> => launchSpec(parseSpec(yaml, file), file);
  const record = (sweepId: string, trialId: string) => suite.record(sweepId, trialId);
  const status = (sweepId: string, trialId: string, want: TrialStatus, timeoutMs = 120_000) => {
    let last: TrialRecord | null = null;
    return waitFor(`trial ${trialId} ${want}`, async () => {
      last = await record(sweepId, trialId);
      return last?.status === want ? last : null;
    }, timeoutMs, () => `${diagnostics()}\n--- record ---\n${JSON.stringify(last && { ...last, config: undefined, result: undefined })}`);
  };
  const hasJob = async (sweepId: string, trialId: string) => (await trialsWithJobs(suite.nc, sweepId)).has(trialId);
  const outcomes = (r: TrialRecord) => r.history.map((h) => [h.attempt, h.outcome]);

  test(`${DRAINS} drains of one trial at max_deliver 3 still end COMPLETED with the fault-free weights`, async () => {
    // The reference: the same trial (same ID: it hashes the config, not the sweep name), without faults.
    const baseline = await launch(vggSpec('drains-baseline'), 'drains-baseline.yaml');
    const trialId = baseline.trials[0]!.id;
    const calm = worker();
    const reference = await status(baseline.id, trialId, 'COMPLETED', 180_000);
    await stopGently(calm);
    assert.ok(reference.result?.weightsSha256, 'the baseline stored its weights hash');

    const sweep = parseSpec(vggSpec('drains'), 'drains.yaml');
    assert.equal(sweep.trials[0]!.id, trialId, 'same config, same trial ID');
    let pool = [worker(), worker()];
    await launchSpec(sweep, 'drains.yaml');

    let previous = 0;
    const drained: { attempt: number; epoch: number }[] = [];
    for (let i = 1; i <= DRAINS; i++) {
      // The attempt now holding the trial has checkpointed an epoch past the previous drain's checkpoint.
      type Seen = { done: TrialRecord } | { done: null; holder: SweepProcess; attempt: number; epoch: number };
      const seen = await waitFor(`drain ${i}: the holder checkpointed an epoch past ${previous}`, async (): Promise<Seen | null> => {
        const r = await record(sweep.id, trialId);
        if (r && r.status !== 'RUNNING' && r.status !== 'QUEUED') return { done: r };
        if (r?.status !== 'RUNNING' || !r.worker) return null;
        const holder = pool.find((w) => r.worker!.startsWith(w.workerIdPrefix));
        const mine = r.checkpoints.filter((c) => c.name.includes(`/a${r.attempt}/`) && c.epoch > previous);
        return holder && mine.length > 0 ? { done: null, holder, attempt: r.attempt, epoch: Math.max(...mine.map((c) => c.epoch)) } : null;
      }, 120_000, diagnostics);
      if (seen.done) assert.fail(`the trial ended ${seen.done.status} before drain ${i} (drained so far: ${JSON.stringify(drained)})\n${diagnostics()}`);
      drained.push({ attempt: seen.attempt, epoch: seen.epoch });
      previous = seen.epoch;
      await stopGently(seen.holder, 30_000); // SIGTERM: a drain
      assert.equal(seen.holder.child.exitCode, 0, `drained worker exited cleanly\n${seen.holder.output()}`);
      assert.match(seen.holder.output(), /worker draining: trial requeued/);
      pool = [...pool.filter((w) => w !== seen.holder), worker()];
    }

    const done = await status(sweep.id, trialId, 'COMPLETED', 180_000);
    assert.equal(done.result?.weightsSha256, reference.result.weightsSha256, 'weights equal the fault-free run');
    assert.deepEqual(done.epochs.map((e) => e.epoch), Array.from({ length: VGG_EPOCHS }, (_, i) => i + 1), 'each epoch once');
    const requeued = done.history.filter((h) => h.outcome === 'requeued');
    assert.ok(requeued.length >= DRAINS, `at least ${DRAINS} drains in the history: ${JSON.stringify(outcomes(done))}`);
    assert.deepEqual(requeued.filter((h) => h.error !== undefined), [], 'a drain requeues without an error');
    assert.equal(done.history.filter((h) => h.outcome === 'completed').length, 1, 'one completed attempt');
    assert.equal(done.history.at(-1)!.outcome, 'completed');
    assert.equal(done.history.filter((h) => h.outcome === 'failed' || h.outcome === 'abandoned').length, 0, JSON.stringify(outcomes(done)));
    for (const d of drained) assert.ok(requeued.some((h) => h.attempt === d.attempt), `attempt ${d.attempt} was drained`);
    // No attempt that ever owned the trial lost its lease. nats-server 2.9 can deliver one job twice, both times
    // with delivery count 1, after a delivery to a pull request that is gone (nats-server PR #5305, fixed in 2.10):
    // the second copy's attempt then never owns the trial (its claim loses the compare-and-set) and logs `lease lost`
    // at its first write. Such an attempt never appears in the history, which is what this checks.
    const owners = new Set(done.history.map((h) => `${h.worker}#${h.attempt}`));
    const lost = all.flatMap((w) => w.output().split('\n').filter((l) => l.includes('"msg":"lease lost')).map((l) => JSON.parse(l) as { workerId: string; attempt: number }));
    for (const l of lost) {
      assert.ok(!owners.has(`${l.workerId}#${l.attempt}`), `attempt ${l.attempt} of ${l.workerId} owned the trial and lost its lease; history ${JSON.stringify(done.history)}\n${all.map((x) => x.output()).join('\n=====\n')}`);
    }
  });

  test('3 crashes of a trial that never finishes an epoch end FAILED with its history', async () => {
    const sweep = await launch(sleepSpec('crash-loop', { model: 'spin', sleepMs: 60_000, epochs: 2, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'crash-loop.yaml');
    const trialId = sweep.trials[0]!.id;
    const killed: SweepProcess[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const w = worker();
      await waitFor(`attempt ${attempt} RUNNING on a fresh worker`, async () => {
        const r = await record(sweep.id, trialId);
        return r?.status === 'RUNNING' && r.attempt === attempt && r.worker?.startsWith(w.workerIdPrefix);
      }, 90_000, diagnostics);
      await killHard(w);
      killed.push(w);
    }
    const survivor = worker();
    const failed = await status(sweep.id, trialId, 'FAILED', 90_000);
    assert.match(failed.error ?? '', /gave up after 3 failed attempt\(s\) \(execution\.max_deliver: 3\)/);
    assert.deepEqual(outcomes(failed), [[1, 'abandoned'], [2, 'abandoned'], [3, 'abandoned']], 'three crashes, no fourth attempt');
    failed.history.forEach((h, i) => {
      assert.ok(h.worker.startsWith(killed[i]!.workerIdPrefix), `attempt ${h.attempt} ran on killed worker ${i}`);
      assert.equal(h.abandonedBy, undefined, 'a death, not a takeover or a reap');
      assert.ok(h.endedAt !== null);
    });
    await waitFor('the job left the stream (terminated)', async () => !(await hasJob(sweep.id, trialId)), 20_000, diagnostics);
    assert.deepEqual([...(await trialsWithJobs(suite.nc, sweep.id))], []);
    assert.match(survivor.output(), /gave up after 3 failed attempt/);
  });

  test('retry → cancel → retry requeues the trial each time', async () => {
    const sweep = await launch(sleepSpec('retry-cancel', { sleepMs: 200, epochs: 2, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'retry-cancel.yaml');
    const trialId = sweep.trials[0]!.id;
    const retry = () => retryTrials(suite.nc, sweep.id, { onlyFailed: false, pool: POOL, maxDeliver: 3, checkpointEvery: 1 });

    assert.ok(await hasJob(sweep.id, trialId), 'launched with a job');
    await cancelSweep(suite.nc, sweep.id);
    assert.equal((await record(sweep.id, trialId))?.status, 'STOPPED');
    assert.equal(await hasJob(sweep.id, trialId), false, 'the cancel purged the job');

    const first = await retry();
    assert.deepEqual(first, { requeued: [trialId], skipped: [], tampered: [], unverified: [] }, 'the first retry requeues the trial');
    assert.equal((await record(sweep.id, trialId))?.status, 'QUEUED');
    assert.ok(await hasJob(sweep.id, trialId), 'the first retry published a job');

    await cancelSweep(suite.nc, sweep.id);
    assert.equal((await record(sweep.id, trialId))?.status, 'STOPPED');
    assert.equal(await hasJob(sweep.id, trialId), false, 'the second cancel purged it');

    // Right away: the old Msg-Id (<trial>.retry.<attempt>) was the same as the first retry's, and the broker dropped it.
    const second = await retry();
    assert.deepEqual(second, { requeued: [trialId], skipped: [], tampered: [], unverified: [] }, 'the second retry requeues the trial');
    assert.equal((await record(sweep.id, trialId))?.status, 'QUEUED');
    assert.ok(await hasJob(sweep.id, trialId), 'the second retry published a job too: no QUEUED trial without one');

    worker();
    const done = await status(sweep.id, trialId, 'COMPLETED', 90_000);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2]);
    await waitFor('the job acked', async () => !(await hasJob(sweep.id, trialId)), 20_000, diagnostics);
  });

  test('a retry right after a cancel, before the running trial\'s next epoch, lets it run on and complete', async () => {
    const sweep = await launch(sleepSpec('cancel-retry-running', { model: 'spin', sleepMs: 3_000, epochs: 3, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'cancel-retry-running.yaml');
    const trialId = sweep.trials[0]!.id;
    const w = worker();
    await waitFor('trial started on the worker', async () => {
      const r = await record(sweep.id, trialId);
      return r?.status === 'RUNNING' && r.worker?.startsWith(w.workerIdPrefix) && countLogLines(w.output(), 'trial started') === 1;
    }, 90_000, diagnostics);
    const cancelled = await cancelSweep(suite.nc, sweep.id);
    assert.equal(cancelled.stoppedTrials, 0, 'a running trial is left to its owner');
    assert.ok(await hasJob(sweep.id, trialId), 'the cancel kept the running trial\'s job');
    const retried = await retryTrials(suite.nc, sweep.id, { onlyFailed: false, pool: POOL, maxDeliver: 3, checkpointEvery: 1 });
    assert.deepEqual(retried.requeued, [], 'nothing to requeue: the trial is still running');
    assert.equal((await (await SweepStore.open(suite.nc)).get(sweep.id))?.value.status, 'RUNNING', 'the retry set the cancelled sweep running again');
    const done = await status(sweep.id, trialId, 'COMPLETED', 90_000);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.deepEqual(outcomes(done), [[1, 'completed']], 'one attempt, never stopped');
    await waitFor('the job acked', async () => !(await hasJob(sweep.id, trialId)), 20_000, diagnostics);
  });

  test('a drain in a cancelled sweep stops the trial instead of requeueing it onto the purged queue', async () => {
    const sweep = await launch(sleepSpec('cancel-drain', { model: 'spin', sleepMs: 4_000, epochs: 5, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'cancel-drain.yaml');
    const trialId = sweep.trials[0]!.id;
    const seen: TrialStatus[] = [];
    const watch = await suite.store.watch(sweep.id, (r) => seen.push(r.status));
    try {
      const w = worker();
      // The run has started (the claim is written and epoch 1, 4 s long, has just begun).
      await waitFor('trial started on the worker', async () => {
        const r = await record(sweep.id, trialId);
        return r?.status === 'RUNNING' && r.worker?.startsWith(w.workerIdPrefix) && countLogLines(w.output(), 'trial started') === 1;
      }, 90_000, diagnostics);
      await cancelSweep(suite.nc, sweep.id);
      await stopGently(w, 30_000); // the drain comes before the epoch boundary sees the cancel
      const stopped = await status(sweep.id, trialId, 'STOPPED', 30_000);
      assert.equal(countLogLines(w.output(), 'sweep cancelled: drained trial stopped, not requeued'), 1, `the drain saw the cancel\n${w.output()}`);
      assert.equal(countLogLines(w.output(), 'worker draining: trial requeued'), 0);
      assert.deepEqual(outcomes(stopped), [[1, 'stopped']]);
      assert.equal(stopped.epochs.length, 0, 'stopped inside epoch 1');
      // The cancel kept the running trial's job; its owner acked it after writing STOPPED.
      await waitFor('the job acked', async () => !(await hasJob(sweep.id, trialId)), 20_000, diagnostics);
    } finally {
      await watch.stop();
    }
    // Every write after the claim: RUNNING, then STOPPED; never QUEUED.
    assert.equal(seen.at(-1), 'STOPPED');
    assert.ok(!seen.slice(seen.indexOf('RUNNING')).includes('QUEUED'), `statuses seen: ${seen.join(' ')}`);
  });

  test('the reaper stops a cancelled sweep\'s QUEUED trial and gives a live sweep\'s jobless QUEUED trial a job', async () => {
    const settings = { ackWaitMs: ACK_WAIT_MS, pool: POOL, maxDeliver: 3, checkpointEvery: 1, intervalMs: 3_600_000 };
    const jobSettings = { maxDeliver: 3, checkpointEvery: 1, scheduled: false };
    /** A record RUNNING on a worker that is not there, then requeued by it at `requeuedAt` (what a drain writes). */
    const requeuedRecord = async (sweep: ExpandedSweep, requeuedAt: string, between?: () => Promise<unknown>) => {
      const t = sweep.trials[0]!;
      const job = buildJob(sweep.id, { trialId: t.id, index: t.index, config: t.config }, jobSettings);
      const owner = { worker: 'gone-worker', attempt: 1 };
      const claimed = await suite.store.mutate(sweep.id, t.id, (cur) => transition(recordForJob(cur, job), { type: 'claim', worker: owner.worker, delivery: 1, at: new Date().toISOString() }));
      assert.equal(claimed.record?.status, 'RUNNING');
      await between?.();
      const requeued = await suite.store.mutate(sweep.id, t.id, (cur) => (cur ? transition(cur, { type: 'requeue', owner, at: requeuedAt, error: null }) : null));
      assert.equal(requeued.record?.status, 'QUEUED');
      return requeued.record;
    };

    // (1) A cancelled sweep: a drain requeued its trial after the cancel purged the queue.
    const cancelled = await launch(sleepSpec('reap-cancelled', { sleepMs: 200, epochs: 2, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'reap-cancelled.yaml');
    const cancelledId = cancelled.trials[0]!.id;
    await requeuedRecord(cancelled, new Date().toISOString(), () => cancelSweep(suite.nc, cancelled.id));
    assert.ok(await hasJob(cancelled.id, cancelledId), 'the cancel kept the job of the trial that was running');
    const r1 = startReaper(suite.nc, { ...settings, sweepId: cancelled.id, log });
    reapers.push(r1);
    assert.equal(await r1.sweepOnce(), 1, `one trial stopped\n${reaperLog.join('\n')}`);
    const stopped = (await record(cancelled.id, cancelledId))!;
    assert.equal(stopped.status, 'STOPPED');
    assert.equal(await hasJob(cancelled.id, cancelledId), false, 'nothing put back in a cancelled sweep\'s queue');
    assert.equal(await r1.sweepOnce(), 0, 'nothing more to do');

    // (2) A live sweep: QUEUED for a while (requeued a minute ago) with no job in the queue.
    const stranded = await launch(sleepSpec('reap-stranded', { sleepMs: 200, epochs: 2, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'reap-stranded.yaml');
    const strandedId = stranded.trials[0]!.id;
    await purgeSweepJobs(suite.nc, stranded.id);
    await requeuedRecord(stranded, new Date(Date.now() - 60_000).toISOString());
    assert.equal(await hasJob(stranded.id, strandedId), false, 'QUEUED with no job');
    const r2 = startReaper(suite.nc, { ...settings, sweepId: stranded.id, log });
    reapers.push(r2);
    assert.equal(await r2.sweepOnce(), 1, `one job published\n${reaperLog.join('\n')}`);
    assert.ok(await hasJob(stranded.id, strandedId), 'the reaper published a job');
    assert.ok(reaperLog.some((l) => l.includes(`trial ${strandedId} was QUEUED with no job in the queue: published one`)), reaperLog.join('\n'));
    assert.equal(await r2.sweepOnce(), 0, 'a second pass publishes no second job');

    worker();
    const done = await status(stranded.id, strandedId, 'COMPLETED', 90_000);
    assert.deepEqual(outcomes(done), [[1, 'requeued'], [2, 'completed']]);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2]);
    await waitFor('the job acked', async () => !(await hasJob(stranded.id, strandedId)), 20_000, diagnostics);
  });

  test('a death in the claim window with max_deliver 1 still leaves a record', async () => {
    const sweep = await launch(sleepSpec('claim-window', { sleepMs: 200, epochs: 2, maxDeliver: 1, ackWaitS: ACK_WAIT_S }), 'claim-window.yaml');
    const trialId = sweep.trials[0]!.id;
    // A worker that dies inside the 200 ms before its deferred RUNNING write: delivery 1 taken, never settled.
    const consumer = await suite.nc.jetstream().consumers.get(JOBS_STREAM, consumerName(POOL));
    const d1 = await consumer.next({ expires: 10_000 });
    assert.ok(d1, 'delivery 1 of the job');
    assert.equal(d1.info.redeliveryCount, 1);
    const job = decodeJson(d1.data, jobMessageSchema, 'job');
    assert.equal(job.trialId, trialId);
    assert.equal(job.fresh, true, 'a fresh job: its first delivery defers the claim');
    assert.equal(job.maxDeliver, 1);
    assert.equal(await record(sweep.id, trialId), null, 'no record written');

    // Once ack_wait has run out the broker redelivers it (delivery 2): a real worker takes that one.
    const w = worker();
    const done = await status(sweep.id, trialId, 'COMPLETED', 90_000);
    assert.deepEqual(outcomes(done), [[2, 'completed']], 'delivery 2 ran it as attempt 2');
    assert.ok(done.worker?.startsWith(w.workerIdPrefix));
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2]);
    await waitFor('the job acked', async () => !(await hasJob(sweep.id, trialId)), 20_000, diagnostics);
  });
});
