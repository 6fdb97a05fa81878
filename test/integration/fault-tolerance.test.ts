import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countLogLines, killHard, readSweepEvents, stopGently, waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { orphansLeft } from '../helpers/orphans.js';
import { CHECKPOINTS_BUCKET, JOBS_STREAM, jobSubject } from '../../src/transport/names.js';
import { encodeJson } from '../../src/transport/codecs.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import type { ExpandedSweep } from '../../src/spec/types.js';

const ACK_WAIT_S = 2;
const ACK_WAIT_MS = ACK_WAIT_S * 1000;

describe('fault tolerance (real nats-server, worker processes, ack_wait 2 s)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_MS });
  const workers: SweepProcess[] = [];
  const worker = () => {
    const w = suite.worker();
    workers.push(w);
    return w;
  };
  const outputs = () => workers.map((w, i) => `--- worker ${i} (pid ${w.child.pid}) ---\n${w.output()}`).join('\n');

  const launch = async (yaml: string): Promise<ExpandedSweep> => {
    const sweep = parseSpec(yaml, `${yaml.split('\n')[0]}.yaml`);
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    return sweep;
  };
  const record = (sweepId: string, trialId: string) => suite.record(sweepId, trialId);
  const terminal = (sweepId: string, trialId: string, status: TrialRecord['status'], timeoutMs = 40_000) =>
    waitFor(`trial ${trialId} ${status}`, async () => {
      const r = await record(sweepId, trialId);
      return r?.status === status ? r : null;
    }, timeoutMs, outputs);
  // Every object a worker stored is named by a record, or deleted by its owner. (Chunks of a put that a kill cut
  // short are left to the coordinator's pass, which these tests do not run: see storage-gc.test.ts.)
  const assertNoOrphans = async (sweepId: string) =>
    assert.deepEqual(await orphansLeft(suite.nc, sweepId, { chunks: false }), [], 'no object is left that no record references');

  test('kill -9 mid-epoch: another worker resumes from the last checkpoint', async () => {
    const sweep = await launch(sleepSpec('ft-kill', { sleepMs: 1200, epochs: 4, maxDeliver: 3, ackWaitS: ACK_WAIT_S }));
    const trialId = sweep.trials[0]!.id;
    const first = worker();
    // Epoch 1 checkpointed and recorded: the worker is now 0–1.2 s into epoch 2.
    await waitFor('epoch 1 checkpointed', async () => ((await record(sweep.id, trialId))?.checkpoints.length ?? 0) >= 1, 40_000, outputs);
    await killHard(first);
    const atKill = (await record(sweep.id, trialId))!;
    assert.equal(atKill.status, 'RUNNING', 'a killed worker leaves its trial RUNNING until the lease runs out');
    const lastCheckpoint = atKill.checkpoints[0]!.epoch;

    const second = worker();
    const done = await terminal(sweep.id, trialId, 'COMPLETED');
    await stopGently(second);
    assert.equal(done.attempt, 2);
    assert.equal(done.history.length, 2);
    assert.equal(done.history[0]!.outcome, 'abandoned');
    assert.ok(done.history[0]!.worker.startsWith(first.workerIdPrefix));
    assert.equal(done.history[1]!.outcome, 'completed');
    assert.ok(done.history[1]!.worker.startsWith(second.workerIdPrefix), 'the second worker finished it');
    assert.equal(done.history[1]!.resumeEpoch, lastCheckpoint, 'resumed from the newest checkpoint, not from scratch');
    assert.ok(lastCheckpoint >= 1);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3, 4], 'each epoch once in the record');
    assert.match(second.output(), /trial resumed from checkpoint/);
    await assertNoOrphans(sweep.id);
    // The second attempt trained only the epochs after the checkpoint.
    const epochEvents = (await readSweepEvents(suite.nc, sweep.id)).filter((e) => e.type === 'epoch' && e.worker === done.history[1]!.worker);
    assert.deepEqual(epochEvents.map((e) => (e.type === 'epoch' ? e.metrics.epoch : -1)), [2, 3, 4].slice(lastCheckpoint - 1));
  });

  test('a corrupt newest checkpoint: the next attempt warns and resumes from the one before it', async () => {
    const sweep = await launch(sleepSpec('ft-corrupt', { sleepMs: 1200, epochs: 5, maxDeliver: 3, ackWaitS: ACK_WAIT_S }));
    const trialId = sweep.trials[0]!.id;
    const first = worker();
    await waitFor('two checkpoints recorded', async () => ((await record(sweep.id, trialId))?.checkpoints.length ?? 0) >= 2, 40_000, outputs);
    await killHard(first);
    const atKill = (await record(sweep.id, trialId))!;
    const [newest, older] = atKill.checkpoints;
    assert.ok(newest && older && newest.epoch === older.epoch + 1, JSON.stringify(atKill.checkpoints));

    // Same name, different bytes: the recorded sha256 no longer matches.
    const os = await suite.nc.jetstream().views.os(CHECKPOINTS_BUCKET);
    await os.putBlob({ name: newest.name }, new TextEncoder().encode('not a checkpoint'));

    const second = worker();
    const done = await terminal(sweep.id, trialId, 'COMPLETED');
    await stopGently(second);
    assert.match(second.output(), /checkpoint unusable: trying the one before it/);
    assert.ok(second.output().includes(newest.name), 'the warning names the corrupt checkpoint');
    assert.equal(done.history[1]!.resumeEpoch, older.epoch);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
    assert.equal(done.checkpoints.length, 0);
    await assertNoOrphans(sweep.id);
  });

  test('max_deliver: a trial whose workers keep dying becomes FAILED with its history; the sweep carries on', async () => {
    const sweep = await launch(sleepSpec('ft-poison', { sleepMs: 1500, epochs: 3, maxDeliver: 2, ackWaitS: ACK_WAIT_S, repeats: 2 }));
    const [poison, healthy] = sweep.trials.map((t) => t.id) as [string, string];
    const killed: SweepProcess[] = [];
    // Each delivery of the poison trial dies with its worker (like an out-of-memory kill).
    for (let attempt = 1; attempt <= 2; attempt++) {
      const w = worker();
      await waitFor(`poison attempt ${attempt} running`, async () => {
        const r = await record(sweep.id, poison);
        return r?.status === 'RUNNING' && r.attempt === attempt && r.worker?.startsWith(w.workerIdPrefix);
      }, 40_000, outputs);
      await killHard(w);
      killed.push(w);
    }
    const survivor = worker();
    const failed = await terminal(sweep.id, poison, 'FAILED');
    await terminal(sweep.id, healthy, 'COMPLETED');
    await stopGently(survivor);
    assert.match(failed.error ?? '', /gave up after 2 failed attempt\(s\) \(execution\.max_deliver: 2\); 2 ended without finishing an epoch/);
    assert.equal(failed.history.length, 2, 'one entry per delivery that ran');
    assert.deepEqual(failed.history.map((h) => h.outcome), ['abandoned', 'abandoned'], 'both deaths count: neither finished an epoch');
    failed.history.forEach((h, i) => {
      assert.equal(h.attempt, i + 1);
      assert.ok(h.worker.startsWith(killed[i]!.workerIdPrefix));
      assert.notEqual(h.outcome, 'running', `attempt ${h.attempt} is closed, not left running: ${JSON.stringify(h)}`);
      assert.ok(h.endedAt !== null);
    });
    assert.ok(failed.finishedAt !== null);
    const jsm = await suite.nc.jetstreamManager();
    assert.equal((await jsm.streams.info(JOBS_STREAM)).state.messages, 0, 'the poison job left the queue (terminated)');
    await assertNoOrphans(sweep.id);
  });

  test('duplicate delivery of a job gives exactly one result', async () => {
    const sweep = parseSpec(sleepSpec('ft-dup', { sleepMs: 600, epochs: 3, maxDeliver: 3, ackWaitS: ACK_WAIT_S }), 'ft-dup.yaml');
    const trial = sweep.trials[0]!;
    const job: JobMessage = { v: 1, sweepId: sweep.id, trialId: trial.id, index: trial.index, maxDeliver: 3, checkpointEvery: 1, config: trial.config };
    const a = worker();
    const b = worker();
    await waitFor('both workers pulling', () => Promise.resolve(countLogLines(a.output(), 'worker started') + countLogLines(b.output(), 'worker started') === 2), 40_000, outputs);
    // Two copies with different Msg-Ids: what a broker crash right after an ack redelivers.
    const js = suite.nc.jetstream();
    await js.publish(jobSubject('default', sweep.id, trial.id), encodeJson(job), { msgID: trial.id });
    await js.publish(jobSubject('default', sweep.id, trial.id), encodeJson(job), { msgID: `${trial.id}.redelivered` });
    const done = await terminal(sweep.id, trial.id, 'COMPLETED');
    const jsm = await suite.nc.jetstreamManager();
    await waitFor('both copies acknowledged', async () => (await jsm.streams.info(JOBS_STREAM)).state.messages === 0, 20_000, outputs);

    // And one more copy long after it completed.
    await js.publish(jobSubject('default', sweep.id, trial.id), encodeJson(job), { msgID: `${trial.id}.late` });
    await waitFor('late copy acknowledged', async () => (await jsm.streams.info(JOBS_STREAM)).state.messages === 0, 20_000, outputs);
    const lateAcks = () => countLogLines(a.output() + b.output(), 'trial already finished: duplicate delivery acknowledged');
    await waitFor('late copy logged as a duplicate', () => Promise.resolve(lateAcks() >= 1), 10_000, outputs);
    await Promise.all([stopGently(a), stopGently(b)]);

    const final = (await suite.store.get(sweep.id, trial.id))!;
    assert.equal(final.value.status, 'COMPLETED');
    assert.deepEqual(final.value.result, done.result, 'the late duplicate changed nothing');
    assert.equal(final.value.history.filter((h) => h.outcome === 'completed').length, 1);
    assert.deepEqual(final.value.epochs.map((e) => e.epoch), [1, 2, 3]);
    const both = a.output() + b.output();
    const duplicates =
      lateAcks() +
      countLogLines(both, 'another delivery finished this trial first: result discarded') +
      countLogLines(both, 'trial held by a live attempt with another job: delivery dropped');
    assert.equal(duplicates, 2, `each extra copy acknowledged as a duplicate\n${outputs()}`);
    assert.equal(countLogLines(both, 'trial finished'), 1);
    const finished = (await readSweepEvents(suite.nc, sweep.id)).filter((e) => e.type === 'finished');
    assert.equal(finished.length, 1, 'one finished event');
    await assertNoOrphans(sweep.id);
  });
});
