import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { failedAttempts } from '../../src/domain/attempt-history.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';

const ACK_WAIT_S = 2;
const MAX_DELIVER = 3;

/** The trainer pid of each start of `trialId`, from the worker's 'trial started'/'resumed' log lines. */
function trainerPids(output: string, trialId: string): number[] {
  return output
    .split('\n')
    .filter((l) => l.includes(`"trialId":"${trialId}"`) && l.includes('"trainerPid"'))
    .map((l) => (JSON.parse(l) as { trainerPid: number }).trainerPid);
}

describe('trainer crashes and bad configs end as FAILED with the reason, and never take other slots down', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });
  let w: SweepProcess;
  before(() => {
    w = suite.worker(['--concurrency', '2']);
  });
  const final = (sweepId: string, trialId: string) =>
    waitFor(`${trialId} terminal`, async () => {
      const r = await suite.record(sweepId, trialId);
      return r && ['COMPLETED', 'FAILED', 'STOPPED'].includes(r.status) ? r : null;
    }, 180_000, () => w.output());

  test('a trainer killed on every delivery (as by the OOM killer) fails its trial after max_deliver; the other slot completes', async () => {
    const victim = parseSpec(sleepSpec('crash-victim', { model: 'spin', sleepMs: 1_000, epochs: 30, maxDeliver: MAX_DELIVER, ackWaitS: ACK_WAIT_S }), 'v.yaml');
    const bystander = parseSpec(sleepSpec('crash-bystander', { model: 'spin', sleepMs: 1_000, epochs: 8, maxDeliver: MAX_DELIVER, ackWaitS: ACK_WAIT_S }), 'b.yaml');
    const victimId = victim.trials[0]!.id;
    const bystanderId = bystander.trials[0]!.id;
    await launchSweep(suite.nc, bystander, { sweepId: bystander.id, specFile: 'x', pool: 'default' });
    await launchSweep(suite.nc, victim, { sweepId: victim.id, specFile: 'x', pool: 'default' });

    const killed = new Set<number>();
    let failed: TrialRecord | null = null;
    while (!failed) {
      for (const pid of trainerPids(w.output(), victimId)) {
        if (killed.has(pid)) continue;
        killed.add(pid);
        process.kill(pid, 'SIGKILL');
      }
      const r = await suite.store.get(victim.id, victimId);
      if (r?.value.status === 'FAILED') failed = r.value;
      assert.ok(!r || r.value.status !== 'COMPLETED', 'the victim never completes');
      assert.equal(w.child.exitCode, null, `the worker process stays up\n${w.output()}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const attempts = failed.history.map((h) => `${h.outcome}${h.abandonedBy ? ` (${h.abandonedBy})` : ''}${h.error ? `: ${h.error}` : ''}`);
    const story = `attempts:\n  ${attempts.join('\n  ')}\nworker:\n${w.output().split('\n').filter((l) => l.includes(victimId)).join('\n')}`;
    assert.equal(killed.size, failed.history.length, `one trainer per attempt, each killed\n${story}`);
    assert.equal(failedAttempts(failed.history), MAX_DELIVER, `the trial fails once its kills spent the retry budget\n${story}`);
    // A lease that lapsed under load (a 2 s ack_wait) is taken over for free: that attempt's trainer is killed too,
    // and the budget still counts kills only.
    const spent = failed.history.filter((h) => !(h.outcome === 'abandoned' && h.abandonedBy === 'takeover'));
    assert.deepEqual(spent.map((h) => h.outcome), ['requeued', 'requeued', 'failed'], story);
    assert.match(failed.error ?? '', /TrainerExitedError: trainer process \d+ exited \(signal SIGKILL\)/);

    const other = await final(bystander.id, bystanderId);
    assert.equal(other.status, 'COMPLETED', other.error ?? '');
    assert.deepEqual(other.history.map((h) => h.outcome), ['completed'], 'the other slot was never disturbed');
    assert.equal(w.child.exitCode, null, 'the worker process is still up');
  });

  test('a job whose config this worker cannot read fails its trial with the reason, and the worker goes on', async () => {
    const ok = parseSpec(sleepSpec('bad-config-next', { model: 'spin', sleepMs: 200, epochs: 2, maxDeliver: MAX_DELIVER, ackWaitS: ACK_WAIT_S }), 'ok.yaml');
    const base = parseSpec(sleepSpec('bad-config', { model: 'spin', sleepMs: 200, epochs: 2, maxDeliver: MAX_DELIVER, ackWaitS: ACK_WAIT_S }), 'bad.yaml');
    const trial = base.trials[0]!;
    // Published by hand, as a coordinator of another version could: a model family this worker does not know.
    const job: JobMessage = {
      v: 1, sweepId: 'bad-config', trialId: 'badconfig0000001', index: 0, maxDeliver: MAX_DELIVER,
      config: { ...trial.config, model: { ...trial.config.model, family: 'resnet' as 'vgg' } },
    };
    await publishJobs(suite.nc, 'default', [job]);
    const failed = await final('bad-config', 'badconfig0000001');
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error ?? '', /^MalformedMessageError: job on sweep\.jobs\.default\.bad-config\.badconfig0000001: config\.model\.family: /);
    assert.equal(failed.history.length, 0, 'no attempt ran');

    await launchSweep(suite.nc, ok, { sweepId: ok.id, specFile: 'x', pool: 'default' });
    const next = await final(ok.id, ok.trials[0]!.id);
    assert.equal(next.status, 'COMPLETED', next.error ?? '');
  });
});
