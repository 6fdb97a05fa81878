import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { JsMsg } from 'nats';
import { killHard, stopGently, waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { startReaper, type Reaper, type ReaperSettings } from '../../src/coordinator/reaper.js';
import { parseSpec } from '../../src/spec/index.js';

const ACK_WAIT_MS = 2_000;
const EPOCH_MS = 1_000;
const EPOCHS = 10;

/** One 'spin' trial (busy CPU for EPOCH_MS per epoch, in a trainer process), checkpointed every epoch. */
const SPEC = `name: reaper-stranded
model: spin
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: ${EPOCH_MS}
training: { epochs: ${EPOCHS} }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 5, ack_wait_s: ${ACK_WAIT_MS / 1000} }
`;

const NO_MESSAGE_FOUND = 10037;

describe('reaper (real nats-server, worker processes, ack_wait 2 s)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_MS });
  const workers: SweepProcess[] = [];
  const reapers: Reaper[] = [];
  const reaperLog: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      reaperLog.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const worker = () => {
    const w = suite.worker();
    workers.push(w);
    return w;
  };
  const diagnostics = () =>
    [...workers.map((w, i) => `--- worker ${i} (pid ${w.child.pid}) ---\n${w.output().split('\n').slice(-30).join('\n')}`), `--- reaper ---\n${reaperLog.join('\n')}`].join('\n');

  suite.broker.defer(() => Promise.all(reapers.map((r) => r.stop())));

  const jobInStream = async (seq: number): Promise<boolean> => {
    const jsm = await suite.nc.jetstreamManager();
    try {
      await jsm.streams.getMessage(JOBS_STREAM, { seq });
      return true;
    } catch (e) {
      if ((e as { api_error?: { err_code?: number } }).api_error?.err_code === NO_MESSAGE_FOUND) return false;
      throw e;
    }
  };

  test('a stranded job (stale delivery acked, then its live holder killed) is reaped, requeued and completes once', async () => {
    const sweep = parseSpec(SPEC, 'reaper-stranded.yaml');
    const sweepId = sweep.id;
    const trialId = sweep.trials[0]!.id;
    await launchSweep(suite.nc, sweep, { sweepId, specFile: 'reaper-stranded.yaml', pool: 'default' });
    const record = async (): Promise<TrialRecord> => {
      const r = await suite.store.get(sweepId, trialId);
      assert.ok(r, 'the trial has a record');
      return r.value;
    };
    const settings: ReaperSettings = { ackWaitMs: ACK_WAIT_MS, pool: 'default', maxDeliver: 5, checkpointEvery: 1 };
    // Passes only when the test asks for them.
    const probe = startReaper(suite.nc, { ...settings, sweepId, log, intervalMs: 3_600_000 });
    reapers.push(probe);

    // (a) Delivery 1, taken here and never acknowledged in time.
    const consumer = await suite.nc.jetstream().consumers.get(JOBS_STREAM, consumerName('default'));
    const d1: JsMsg | null = await consumer.next({ expires: 10_000 });
    assert.ok(d1, 'delivery 1 of the job');
    assert.equal(d1.info.redeliveryCount, 1);
    const jobSeq = d1.seq;

    // (b) After ack_wait the job is redelivered: a worker takes delivery 2 and claims the trial.
    const first = worker();
    const claimed = await waitFor('trial RUNNING on the first worker with the job sequence', async () => {
      const r = (await suite.store.get(sweepId, trialId))?.value;
      return r?.status === 'RUNNING' && r.jobSeq === jobSeq && r.worker?.startsWith(first.workerIdPrefix) ? r : null;
    }, 90_000, diagnostics);
    assert.equal(claimed.attempt, 2, 'claimed from delivery 2');
    await waitFor('epoch 1 checkpointed', async () => (await record()).checkpoints.length >= 1, 60_000, diagnostics);

    // A live trial whose job is queued is never reaped, even when its heartbeat looks a minute old.
    assert.equal(await probe.sweepOnce(), 0, 'fresh heartbeat, job in the stream');
    assert.equal(await probe.sweepOnce(Date.now() + 60_000), 0, 'stale heartbeat, but the job is still in the stream');
    assert.equal((await record()).status, 'RUNNING');

    // (c) The stale delivery is acknowledged (what a zombie would do): on a work-queue stream that removes the job.
    d1.ack();
    await suite.nc.flush();
    await waitFor('job removed from the stream by the stale ack', async () => !(await jobInStream(jobSeq)), 10_000, diagnostics);
    // The job is gone but the worker holding it is alive: its heartbeat keeps it from being reaped.
    assert.equal(await probe.sweepOnce(), 0, 'job gone, heartbeat fresh');
    const beforeKill = await record();
    assert.equal(beforeKill.status, 'RUNNING', `still training when killed (${beforeKill.epochs.length} of ${EPOCHS} epochs done)`);
    assert.equal(beforeKill.attempt, 2);

    // (d) The holder of delivery 2 dies: nothing in the broker will ever redeliver the job.
    await killHard(first);

    // (e) A reaper on its own timer (every ack_wait) and a fresh worker.
    const second = worker();
    const reaper = startReaper(suite.nc, { ...settings, sweepId, log });
    reapers.push(reaper);
    const done = await waitFor('trial COMPLETED after the reap', async () => {
      const r = (await suite.store.get(sweepId, trialId))?.value;
      return r?.status === 'COMPLETED' ? r : null;
    }, 120_000, diagnostics);

    const reapLines = reaperLog.filter((l) => l.includes(`trial ${trialId} reaped`));
    assert.equal(reapLines.length, 1, `one reap logged\n${diagnostics()}`);
    assert.equal(done.history.filter((h) => h.outcome === 'completed').length, 1, 'exactly one completed attempt');
    assert.equal(done.history.filter((h) => h.outcome === 'running').length, 0, 'no attempt left running');
    const abandoned = done.history.find((h) => h.attempt === 2)!;
    assert.equal(abandoned.outcome, 'abandoned');
    assert.match(abandoned.error ?? '', /reaped/);
    assert.ok(abandoned.worker.startsWith(first.workerIdPrefix));
    const completed = done.history.find((h) => h.outcome === 'completed')!;
    assert.ok(completed.worker.startsWith(second.workerIdPrefix), 'the fresh worker finished it');
    assert.equal(completed.attempt, 3, 'the attempt after the reaped one');
    assert.ok(completed.resumeEpoch >= 1, 'resumed from the checkpoint of the killed attempt');
    assert.deepEqual(done.epochs.map((e) => e.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1), 'each epoch once');

    // Nothing left queued or in flight, and nothing more to reap.
    const jsm = await suite.nc.jetstreamManager();
    await waitFor('job stream empty', async () => (await jsm.streams.info(JOBS_STREAM)).state.messages === 0, 20_000, diagnostics);
    assert.equal(await probe.sweepOnce(), 0);
    await stopGently(second);
  });
});
