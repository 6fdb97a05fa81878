import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { NatsConnection } from 'nats';
import { roleBrokerSuite } from '../helpers/role-broker.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { aTrialRecord, anAttempt } from '../helpers/trial-record-builder.js';
import { JOBS_STREAM, consumerName, jobSubject } from '../../src/transport/names.js';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { SweepStore } from '../../src/transport/sweep-store.js';
import { trialsWithJobs } from '../../src/transport/job-queue.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { startReaper } from '../../src/coordinator/reaper.js';
import { retryTrials } from '../../src/coordinator/retry.js';
import { parseSpec, trialId } from '../../src/spec/index.js';
import type { ExpandedSweep, Trial } from '../../src/spec/types.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import type { JobMessage } from '../../src/domain/job.js';

const ACK_WAIT_MS = 1_000;
const AN_HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

/** What the forger wants every `--allow-command` worker of the pool to run. */
const foreignCommand = (config: TrialConfig): TrialConfig => ({
  ...config,
  model: { ...config.model, family: 'command' },
  dataset: null,
  command: { trainer: { command: ['/bin/sh', '-c', 'echo owned > /tmp/sweep-owned'], env: {}, cwd: null, timeout_s: null }, params: {}, metrics: ['loss'] },
});

/** A log that keeps its lines, and its warnings as parsed entries. */
function capturedLog() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const warnings = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((e) => e.level === 40).map((e) => e.msg);
  return { log: pino({ level: 'info' }, sink), warnings };
}

describe("a forged trial record never becomes a job (real nats-server, the k8s per-role users, written with the worker's credentials)", () => {
  const broker = roleBrokerSuite();
  let coordinator: NatsConnection;
  let worker: NatsConnection;

  /** Launches a sleep sweep on its own pool as the coordinator. */
  const launch = async (name: string, pool: string, repeats: number): Promise<ExpandedSweep> => {
    coordinator ??= await broker.connectAs('coordinator');
    worker ??= await broker.connectAs('worker');
    await ensureResources(coordinator, { ...DEFAULT_QUEUE, pool, ackWaitMs: ACK_WAIT_MS });
    const sweep = parseSpec(sleepSpec(name, { sleepMs: 1, epochs: 1, maxDeliver: 3, ackWaitS: ACK_WAIT_MS / 1000, repeats }), `${name}.yaml`);
    await launchSweep(coordinator, sweep, { sweepId: sweep.id, specFile: `${name}.yaml`, pool });
    return sweep;
  };
  /** The worker takes `n` jobs of the pool and acks them without running them (it may: it drops them). Job sequence by trial. */
  const dropJobs = async (pool: string, n: number): Promise<Map<string, number>> => {
    const consumer = await worker.jetstream().consumers.get(JOBS_STREAM, consumerName(pool));
    const seqs = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const m = await consumer.next({ expires: 5_000 });
      assert.ok(m, `job ${i + 1} of ${n}`);
      seqs.set(m.subject.slice(m.subject.lastIndexOf('.') + 1), m.seq);
      await m.ackAck();
    }
    return seqs;
  };
  /** A record as the worker writes it: `status`, stale heartbeat, this config. */
  const writeAsWorker = async (sweepId: string, id: string, config: TrialConfig, o: Partial<TrialRecord>): Promise<number> => {
    const record = aTrialRecord({
      sweepId, trialId: id, index: 0, config, attempt: 1, worker: 'w-1', startedAt: AN_HOUR_AGO(), heartbeatAt: AN_HOUR_AGO(),
      history: [anAttempt(1, 'w-1', AN_HOUR_AGO())], ...o,
    });
    const res = await (await TrialStore.open(worker)).mutate(sweepId, id, () => record);
    assert.ok(res.changed, `the worker wrote ${id}`);
    return res.revision;
  };
  const revisionOf = async (sweepId: string, id: string) => (await (await TrialStore.open(coordinator)).get(sweepId, id))?.revision;
  const jobsState = async () => {
    const s = (await (await coordinator.jetstreamManager()).streams.info(JOBS_STREAM)).state;
    return { messages: s.messages, lastSeq: s.last_seq };
  };
  const jobOf = async (pool: string, sweepId: string, id: string): Promise<JobMessage> => {
    const m = await (await coordinator.jetstreamManager()).streams.getMessage(JOBS_STREAM, { last_by_subj: jobSubject(pool, sweepId, id) });
    return m.json<JobMessage>();
  };
  const forgedTrials = (t: Trial) => {
    const foreign = foreignCommand(t.config);
    return { underItsId: foreign, selfConsistent: { id: trialId(foreign), config: foreign } };
  };

  test('RUNNING with a stale heartbeat and a foreign command: the reaper publishes no job for it, warns once naming the trial, and still reaps the genuine trial', async () => {
    const sweep = await launch('forged-reap', 'reap', 2);
    const [t0, t1] = [sweep.trials[0]!, sweep.trials[1]!];
    const seqs = await dropJobs('reap', 2);
    const forged = forgedTrials(t0);
    const revisions = {
      t0: await writeAsWorker(sweep.id, t0.id, forged.underItsId, { status: 'RUNNING', jobSeq: seqs.get(t0.id)! }),
      f: await writeAsWorker(sweep.id, forged.selfConsistent.id, forged.selfConsistent.config, { status: 'RUNNING', jobSeq: 1 }),
    };
    // The genuine one: its owner died after its job was dropped.
    await writeAsWorker(sweep.id, t1.id, JSON.parse(JSON.stringify(t1.config)) as TrialConfig, { status: 'RUNNING', jobSeq: seqs.get(t1.id)! });
    const before = await jobsState();

    const { log, warnings } = capturedLog();
    const reaper = startReaper(coordinator, { sweepId: sweep.id, ackWaitMs: ACK_WAIT_MS, pool: 'reap', maxDeliver: 3, checkpointEvery: 1, log, intervalMs: 3_600_000 });
    try {
      assert.equal(await reaper.sweepOnce(), 1, 'only the genuine trial is reaped');
      assert.equal(await reaper.sweepOnce(), 0);
    } finally {
      await reaper.stop();
    }

    assert.deepEqual(await jobsState(), { messages: before.messages + 1, lastSeq: before.lastSeq + 1 }, 'one job published');
    assert.deepEqual([...(await trialsWithJobs(coordinator, sweep.id))], [t1.id], 'for the genuine trial');
    const job = await jobOf('reap', sweep.id, t1.id);
    assert.deepEqual({ trialId: job.trialId, index: job.index, config: job.config }, { trialId: t1.id, index: t1.index, config: t1.config });
    assert.equal(await revisionOf(sweep.id, t0.id), revisions.t0, 'the forged records are left as they are');
    assert.equal(await revisionOf(sweep.id, forged.selfConsistent.id), revisions.f);

    const about = (id: string) => warnings().filter((w) => w.includes(id));
    assert.deepEqual(about(t0.id), [`trial ${t0.id} of sweep ${sweep.id}: its record is tampered (its config hashes to trial ID ${forged.selfConsistent.id}, not to ${t0.id}): no job is published for it`]);
    assert.deepEqual(about(forged.selfConsistent.id).filter((w) => !w.includes(t0.id)), [
      `trial ${forged.selfConsistent.id} of sweep ${sweep.id}: its record is tampered (it is not one of the trials of sweep ${sweep.id}): no job is published for it`,
    ]);
    assert.deepEqual(broker.violations(), [], "every step of the attack was within the worker's rights");
  });

  test('the same records FAILED: retry requeues only the genuine trial and reports the forged ones as tampered', async () => {
    const sweep = await launch('forged-retry', 'retry', 2);
    const [t0, t1] = [sweep.trials[0]!, sweep.trials[1]!];
    await dropJobs('retry', 2);
    const forged = forgedTrials(t0);
    const failed: Partial<TrialRecord> = { status: 'FAILED', finishedAt: AN_HOUR_AGO(), error: 'Error: boom', history: [anAttempt(1, 'w-1', AN_HOUR_AGO(), { outcome: 'failed', endedAt: AN_HOUR_AGO() })] };
    const revisions = {
      t0: await writeAsWorker(sweep.id, t0.id, forged.underItsId, failed),
      f: await writeAsWorker(sweep.id, forged.selfConsistent.id, forged.selfConsistent.config, failed),
    };
    await writeAsWorker(sweep.id, t1.id, JSON.parse(JSON.stringify(t1.config)) as TrialConfig, failed);
    const before = await jobsState();

    const { log, warnings } = capturedLog();
    const res = await retryTrials(coordinator, sweep.id, { onlyFailed: false, pool: 'retry', maxDeliver: 3, checkpointEvery: 1, log });
    assert.deepEqual({ ...res, tampered: [...res.tampered].sort() }, { requeued: [t1.id], skipped: [], tampered: [t0.id, forged.selfConsistent.id].sort(), unverified: [] });

    assert.deepEqual(await jobsState(), { messages: before.messages + 1, lastSeq: before.lastSeq + 1 });
    assert.deepEqual([...(await trialsWithJobs(coordinator, sweep.id))], [t1.id]);
    assert.deepEqual((await jobOf('retry', sweep.id, t1.id)).config, t1.config);
    assert.equal(await revisionOf(sweep.id, t0.id), revisions.t0, 'the forged records stay FAILED, untouched');
    assert.equal(await revisionOf(sweep.id, forged.selfConsistent.id), revisions.f);
    assert.equal(warnings().length, 2, warnings().join('\n'));
    assert.ok(warnings().some((w) => w.startsWith(`trial ${t0.id} of sweep ${sweep.id}: its record is tampered`)));
    assert.ok(warnings().some((w) => w.startsWith(`trial ${forged.selfConsistent.id} of sweep ${sweep.id}: its record is tampered`)));
    assert.deepEqual(broker.violations(), []);
  });

  test('over 10,000 trials (the sweep record lists none): the reaper checks against the re-expanded spec', async () => {
    const sweep = await launch('forged-big', 'big', 10_001);
    const stored = await (await SweepStore.open(coordinator)).get(sweep.id);
    assert.equal(stored?.value.trials, null, 'the record lists no trials');
    const genuine = sweep.trials[10_000]!;
    const other = sweep.trials[5_000]!;
    // Both jobs are lost (the worker could drop them too, but not pick them out of 10,001 cheaply).
    const jsm = await coordinator.jetstreamManager();
    for (const t of [genuine, other]) await jsm.streams.purge(JOBS_STREAM, { filter: jobSubject('big', sweep.id, t.id) });
    const forged = forgedTrials(other);
    await writeAsWorker(sweep.id, other.id, forged.underItsId, { status: 'RUNNING', jobSeq: 1 });
    await writeAsWorker(sweep.id, forged.selfConsistent.id, forged.selfConsistent.config, { status: 'RUNNING', jobSeq: 1 });
    await writeAsWorker(sweep.id, genuine.id, JSON.parse(JSON.stringify(genuine.config)) as TrialConfig, { status: 'RUNNING', jobSeq: 1 });
    const before = await jobsState();

    const { log, warnings } = capturedLog();
    const reaper = startReaper(coordinator, { sweepId: sweep.id, ackWaitMs: ACK_WAIT_MS, pool: 'big', maxDeliver: 3, checkpointEvery: 1, log, intervalMs: 3_600_000 });
    try {
      assert.equal(await reaper.sweepOnce(), 1);
    } finally {
      await reaper.stop();
    }
    assert.deepEqual(await jobsState(), { messages: before.messages + 1, lastSeq: before.lastSeq + 1 });
    const job = await jobOf('big', sweep.id, genuine.id);
    assert.deepEqual({ trialId: job.trialId, index: job.index, config: job.config }, { trialId: genuine.id, index: 10_000, config: genuine.config });
    const withJobs = await trialsWithJobs(coordinator, sweep.id);
    assert.equal(withJobs.has(other.id) || withJobs.has(forged.selfConsistent.id), false);
    assert.deepEqual(warnings().filter((w) => w.includes('tampered')).sort(), [
      `trial ${other.id} of sweep ${sweep.id}: its record is tampered (its config hashes to trial ID ${forged.selfConsistent.id}, not to ${other.id}): no job is published for it`,
      `trial ${forged.selfConsistent.id} of sweep ${sweep.id}: its record is tampered (it is not one of the trials of sweep ${sweep.id}): no job is published for it`,
    ].sort());
  });
});
