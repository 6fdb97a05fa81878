import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { killHard, startWorkerProcess, stopGently, waitFor } from '../helpers/chaos-processes.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import { parseSpec } from '../../src/spec/index.js';
import type { EpochMetrics } from '../../src/domain/metrics.js';
import { isProgramCheck } from '../../src/domain/onnx.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

/**
 * examples/pytorch through sweep: its --quick profile completes on two local workers started with --allow-command,
 * and a worker killed with -9 in the middle of a trial leaves a checkpoint its successor resumes from, ending
 * with the metrics of a run without the fault (train.py seeds torch per epoch and trains on one thread).
 */

const SPEC = join(REPO_ROOT, 'examples', 'pytorch', 'sweep.yaml');
const ACK_WAIT_MS = 3_000;

/** PATH with a python3 that imports torch first (on Debian /usr/bin/python3 with python3-torch; setup installs it). */
function pathWithTorch(): string {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy, sys; print(sys.executable)'], { encoding: 'utf8' });
    if (probe.status === 0) return `${dirname(probe.stdout.trim())}:${process.env.PATH ?? ''}`;
  }
  throw new Error('no python3 with torch and numpy: apt-get install -y python3-torch (scripts/setup.sh --test installs it)');
}

/** An epoch's metrics without its wall time, which differs between any two runs. */
const withoutTime = (epochs: readonly EpochMetrics[]): Array<Record<string, number>> => epochs.map(({ seconds: _s, ...rest }) => rest);

describe('examples/pytorch (real PyTorch, real nats-server, worker processes)', () => {
  const broker = brokerSuite({ resources: { ackWaitMs: ACK_WAIT_MS } });
  let PATH = '';
  let workDir = '';
  before(() => {
    PATH = pathWithTorch();
    workDir = broker.tempDir('sweep-pytorch-');
  });

  test("--quick: every trial completes with the metrics the spec declares; the best one's model.onnx is checked", async () => {
    const res = await runCli(['launch', SPEC, '--quick', '--nats', broker.url, '--workers', '2', '--allow-command', 'python3', '--state-dir', join(workDir, '.sweep')], {
      cwd: workDir,
      env: { PATH },
      timeoutMs: 600_000,
    });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /val_accuracy/);
    const records = await (await TrialStore.open(await broker.connect())).snapshot('pytorch-fashion-mnist-quick');
    assert.equal(records.size, 8, [...records.keys()].join(' '));
    for (const r of records.values()) {
      assert.equal(r.status, 'COMPLETED', `${r.trialId}: ${r.error}`);
      assert.deepEqual(r.epochs.map((e) => e.epoch), [1, 2]);
      for (const name of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) assert.ok(Number.isFinite(r.epochs[1]![name]), `${name} in ${JSON.stringify(r.epochs[1])}`);
      assert.ok(r.epochs[1]!.val_accuracy! >= 0.6, `${JSON.stringify(r.params)} seed ${r.seed}: val_accuracy ${r.epochs[1]!.val_accuracy}`);
      assert.ok(r.model?.name.endsWith('/model.onnx'), `the program's model.onnx is the trial's model: ${JSON.stringify(r.model)}`);
    }
    const checked = [...records.values()].filter((r) => r.onnx !== null);
    assert.equal(checked.length, 1, 'export: {top: 1}');
    const onnx = checked[0]!.onnx!;
    assert.ok(isProgramCheck(onnx), 'a program model check, with no tfjs twin');
    assert.equal(onnx.ok, true, onnx.problem);
    assert.deepEqual(onnx.input, { name: 'input', type: 'float32', shape: [1, 1, 28, 28] });
    assert.ok((onnx.ortP50Ms ?? 0) > 0 && (onnx.ortP99Ms ?? 0) >= (onnx.ortP50Ms ?? 0));
    assert.match(res.stderr, new RegExp(`exported ${checked[0]!.trialId.slice(0, 8)} to exports/pytorch-fashion-mnist-quick/${checked[0]!.trialId}\\.onnx \\(onnx ok \\(program\\)\\)`));
    assert.match(res.stdout, /ok \(program\)/, 'the leaderboard shows the check');
  });

  test('kill -9 of a worker mid-trial: the next one resumes from the checkpoint and ends as a fault-free run does', async () => {
    const nc = await broker.connect();
    const store = await TrialStore.open(nc);
    // One quick trial, trained for 4 epochs so that the kill lands between two of them.
    const trial = parseSpec(readFileSync(SPEC, 'utf8'), SPEC, { quick: true, overrides: { epochs: 4 } }).trials[0]!;
    const jobOf = (sweepId: string): JobMessage => ({ v: 1, sweepId, trialId: trial.id, index: 0, maxDeliver: 3, checkpointEvery: 1, config: trial.config });
    const recordOf = async (sweepId: string): Promise<TrialRecord | null> => (await store.get(sweepId, trial.id))?.value ?? null;
    const env = { PATH };

    const first = startWorkerProcess(broker.url, ['--allow-command', 'python3'], env);
    await publishJobs(nc, 'default', [jobOf('pytorch-killed')]);
    const before = await waitFor('an epoch and its checkpoint', async () => {
      const r = await recordOf('pytorch-killed');
      return r && r.epochs.length >= 1 && r.checkpoints.length > 0 ? r : null;
    }, 300_000, () => first.output());
    await killHard(first);
    assert.ok(before.epochs.length < 4, 'killed before the trial ended');

    const second = startWorkerProcess(broker.url, ['--allow-command', 'python3'], env);
    const settled = async (sweepId: string) =>
      waitFor(`${sweepId} to complete`, async () => {
        const r = await recordOf(sweepId);
        return r && (r.status === 'COMPLETED' || r.status === 'FAILED') ? r : null;
      }, 300_000, () => second.output());
    const resumed = await settled('pytorch-killed');
    await publishJobs(nc, 'default', [jobOf('pytorch-fault-free')]);
    const faultFree = await settled('pytorch-fault-free');
    await stopGently(second);
    assert.match(second.output(), /"resumeEpoch":[1-3][,}][^\n]*trial resumed from checkpoint/, 'the second worker restored the packed checkpoint directory');

    assert.equal(resumed.status, 'COMPLETED', resumed.error ?? '');
    assert.equal(faultFree.status, 'COMPLETED', faultFree.error ?? '');
    assert.ok(resumed.attempt >= 2, `resumed by a later attempt (attempt ${resumed.attempt})`);
    assert.deepEqual(resumed.epochs.map((e) => e.epoch), [1, 2, 3, 4], 'every epoch once');
    assert.deepEqual(withoutTime(resumed.epochs), withoutTime(faultFree.epochs), 'the same metrics as the run without the fault');
  });
});
