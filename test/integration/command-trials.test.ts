import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { killHard, waitFor } from '../helpers/chaos-processes.js';
import { isAlive } from '../helpers/cli.js';
import { workerSuite, type WorkerSuite } from '../helpers/worker-suite.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { parseSpec } from '../../src/spec/index.js';

/**
 * Command trials through real `sweep worker` processes and a real nats-server: the worker's --allow-command
 * policy, the failure kinds (not found: no retries; exit ≠ 0: retried with the stderr tail), malformed lines,
 * and a worker killed with -9 in the middle of a trial, whose successor resumes from the packed checkpoint.
 */

const ACK_WAIT_S = 3;
const MAX_DELIVER = 2;
const TRAIN_PY = join(import.meta.dirname, '..', 'fixtures', 'command-trainers', 'train.py');
const dir = mkdtempSync(join(tmpdir(), 'sweep-command-trials-'));

/** The jobs of a one-parameter command spec; `command` is the YAML flow list of the trainer's argv. */
function jobsOf(sweepId: string, command: string, opts: { epochs?: number; metrics?: string } = {}): JobMessage[] {
  const file = join(dir, `${sweepId}.yaml`);
  writeFileSync(
    file,
    `name: ${sweepId}\ntrainer:\n  command: ${command}\nmetrics: [${opts.metrics ?? 'val_accuracy'}]\n` +
      `objective: {metric: ${(opts.metrics ?? 'val_accuracy').split(',')[0]}}\n` +
      `training: {epochs: ${opts.epochs ?? 2}}\nexecution: {max_deliver: ${MAX_DELIVER}, ack_wait_s: ${ACK_WAIT_S}}\n`,
  );
  const sweep = parseSpec(readFileSync(file, 'utf8'), file);
  return sweep.trials.map((t) => ({ v: 1, sweepId, trialId: t.id, index: t.index, maxDeliver: MAX_DELIVER, checkpointEvery: 1, config: t.config }));
}

async function settled(suite: WorkerSuite, job: JobMessage, output: () => string, timeoutMs = 120_000): Promise<TrialRecord> {
  return waitFor(`trial ${job.trialId} to settle`, async () => {
    const r = await suite.record(job.sweepId, job.trialId);
    return r && (r.status === 'COMPLETED' || r.status === 'FAILED') ? r : null;
  }, timeoutMs, output);
}

describe('command trials on real workers', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });

  test('a worker without --allow-command fails the trial at once, naming the flag', async () => {
    const w = suite.worker();
    const [job] = jobsOf('not-allowed', `[python3, ${TRAIN_PY}, --epochs, "{epochs}"]`);
    await publishJobs(suite.nc, 'default', [job!]);
    const r = await settled(suite, job!, () => w.output());
    assert.equal(r.status, 'FAILED');
    assert.match(r.error ?? '', /CommandNotAllowedError: this worker does not run command trainers \(python3\): start it with --allow-command/);
    assert.deepEqual(r.history.map((h) => h.outcome), ['failed'], 'no retries');
    assert.equal(r.epochs.length, 0);
    await killHard(w);
  });

  test('a worker without --allow-module fails a module trial at once, naming the flag', async () => {
    const w = suite.worker(['--allow-command']);
    const spec = join(import.meta.dirname, '..', '..', 'examples', 'tfjs-module', 'sweep.yaml');
    const trial = parseSpec(readFileSync(spec, 'utf8'), spec, { quick: true }).trials[0]!;
    const job: JobMessage = { v: 1, sweepId: 'module-not-allowed', trialId: trial.id, index: 0, maxDeliver: MAX_DELIVER, config: trial.config };
    await publishJobs(suite.nc, 'default', [job]);
    const r = await settled(suite, job, () => w.output());
    assert.equal(r.status, 'FAILED');
    assert.match(r.error ?? '', /ModuleNotAllowedError: this worker does not run model modules \(model\.ts\): start it with --allow-module/);
    assert.deepEqual(r.history.map((h) => h.outcome), ['failed'], 'no retries');
    await killHard(w);
  });

  test('a listed policy refuses other programs and names how to add them', async () => {
    const w = suite.worker(['--allow-command', 'bash,sh']);
    const [job] = jobsOf('not-listed', `[python3, ${TRAIN_PY}]`);
    await publishJobs(suite.nc, 'default', [job!]);
    const r = await settled(suite, job!, () => w.output());
    assert.equal(r.status, 'FAILED');
    assert.match(r.error ?? '', /python3 \(\/[^)]+\) is not among the programs this worker runs \(--allow-command: bash = \/[^,]+, sh = \/[^)]+\): add it, e\.g\. --allow-command bash,sh,python3$/);
    await killHard(w);
  });

  test('not found: FAILED with no retries; exit ≠ 0: retried up to max_deliver with the stderr tail; a malformed line is skipped', async () => {
    const w = suite.worker(['--allow-command']);
    const [missing] = jobsOf('not-found', '[no-such-trainer-program-x]');
    const [exits] = jobsOf('exits', `[python3, ${TRAIN_PY}, --epochs, "1", --exit-code, "3"]`);
    const [malformed] = jobsOf('malformed', `[python3, ${TRAIN_PY}, --epochs, "{epochs}", --malformed]`, { epochs: 3 });
    await publishJobs(suite.nc, 'default', [missing!, exits!, malformed!]);
    const notFound = await settled(suite, missing!, () => w.output());
    assert.equal(notFound.status, 'FAILED');
    assert.match(notFound.error ?? '', /CommandNotFoundError: .*no-such-trainer-program-x/);
    assert.deepEqual(notFound.history.map((h) => h.outcome), ['failed'], 'not retried');
    const exited = await settled(suite, exits!, () => w.output());
    assert.equal(exited.status, 'FAILED');
    assert.match(exited.error ?? '', /CommandExitError: trainer command exited with code 3; last stderr lines:\n[^]*RuntimeError: boom/);
    assert.equal(exited.history.length, MAX_DELIVER, `retried up to max_deliver: ${JSON.stringify(exited.history)}`);
    const done = await settled(suite, malformed!, () => w.output());
    assert.equal(done.status, 'COMPLETED', done.error ?? '');
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3], 'the bad lines were skipped, the good ones kept');
    assert.deepEqual(done.epochs.map((e) => e.val_accuracy), [0.1, 0.2, 0.3]);
    assert.equal(done.result?.backend, 'command');
    assert.match(w.output(), /malformed|not a valid epoch line|skipped/i, 'the skipped lines were warned about');
    await killHard(w);
  });

  test('kill -9 of the worker mid-trial: the program dies with it, and the next worker resumes from the checkpoint', async () => {
    const first = suite.worker(['--allow-command', 'python3']);
    const [job] = jobsOf('resume', `[python3, ${TRAIN_PY}, --epochs, "{epochs}", --sleep, "1.0"]`, { epochs: 6, metrics: 'val_accuracy,resumed_from' });
    await publishJobs(suite.nc, 'default', [job!]);
    await waitFor('two epochs and their checkpoint', async () => {
      const r = await suite.record(job!.sweepId, job!.trialId);
      return r && r.epochs.length >= 2 && r.checkpoints.length > 0 ? r : null;
    }, 120_000, () => first.output());
    const programPid = Number(execFileSync('pgrep', ['-f', `${TRAIN_PY} --epochs 6 --sleep 1.0`], { encoding: 'utf8' }).trim());
    assert.ok(programPid > 0, 'the program is running');
    await killHard(first);
    await waitFor('the program to die with its worker', () => Promise.resolve(!isAlive(programPid)), 10_000);
    const second = suite.worker(['--allow-command', 'python3']);
    const done = await settled(suite, job!, () => second.output(), 180_000);
    assert.equal(done.status, 'COMPLETED', done.error ?? '');
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5, 6], 'every epoch once');
    assert.deepEqual(done.epochs.map((e) => e.val_accuracy), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 'the metrics of a fault-free run');
    const resumedFrom = done.epochs.at(-1)?.resumed_from ?? 0;
    assert.ok(resumedFrom >= 2, `the last attempt started from a restored checkpoint (epoch ${resumedFrom}), not from scratch`);
    assert.equal(done.attempt, 2);
    await killHard(second);
  });
});

