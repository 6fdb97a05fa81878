import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { waitFor } from '../helpers/chaos-processes.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { freePort } from '../../src/transport/free-port.js';
import { JOBS_STREAM, jobSubject } from '../../src/transport/names.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';

const sleepSpec = (name: string, sleepMs: number, epochs: number, repeats = 1) => `name: ${name}
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: ${sleepMs}
repeats: ${repeats}
training: { epochs: ${epochs} }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 3, ack_wait_s: 5 }
`;

describe('sweep worker process (real nats-server)', () => {
  const suite = workerSuite({ ackWaitMs: 5000 });

  test('health endpoints answer; a malformed job is terminated and the next job still runs', async () => {
    const port = await freePort();
    const w = suite.worker(['--health-port', String(port)]);
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor('/readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);

      await suite.nc.jetstream().publish(jobSubject('default', 'garbage', 't'), new TextEncoder().encode('{"v":1,"sweepId":'));
      const sweep = parseSpec(sleepSpec('after-garbage', 10, 2), 'after-garbage.yaml');
      await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
      const store = suite.store;
      const trialId = sweep.trials[0]!.id;
      const rec = await waitFor('trial completed', async () => {
        const r = await store.get(sweep.id, trialId);
        return r?.value.status === 'COMPLETED' ? r.value : null;
      });
      assert.equal(rec.epochs.length, 2);
      assert.match(w.output(), /malformed job terminated/);

      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /sweep_worker_jobs_running 0/);
      assert.match(metrics, /sweep_worker_epochs_total 2/);
      assert.match(metrics, /sweep_worker_trials_total\{outcome="completed"\} 1/);
      assert.match(metrics, /sweep_worker_trials_total\{outcome="malformed"\} 1/);
      const jsm = await suite.nc.jetstreamManager();
      assert.equal((await jsm.streams.info(JOBS_STREAM)).state.messages, 0, 'both jobs left the work queue');
    } finally {
      w.child.kill('SIGTERM');
      await once(w.child, 'exit');
    }
  });

  test('/metrics shows the runtime patches: the worker process\'s own (nats.js) and those its wasm trainer reported in ready', async () => {
    const port = await freePort();
    const w = suite.worker(['--health-port', String(port), '--backend', 'wasm']);
    try {
      const base = `http://127.0.0.1:${port}`;
      // Ready once the first trainer initialised its backend: its ready message carried its patch statuses.
      await waitFor('/readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200, 60_000, () => w.output());
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^sweep_runtime_patch_active\{patch="nats-request-cancel"\} 1$/m);
      assert.match(metrics, /^sweep_runtime_patch_active\{patch="nats-corked-writes"\} 1$/m);
      assert.match(metrics, /^sweep_runtime_patch_active\{patch="fused-batch-norm"\} 1$/m, 'reported by the trainer child');
      // 1 where the addon is built (npm run build:native), else 0 with the reason in the log.
      assert.match(metrics, /^sweep_runtime_patch_active\{patch="onednn-kernels"\} [01]$/m, 'reported by the trainer child');
    } finally {
      w.child.kill('SIGTERM');
      await once(w.child, 'exit');
    }
  });

  test('SIGTERM drains: the running trial is requeued, the worker exits 0, another worker finishes it', async () => {
    const sweep = parseSpec(sleepSpec('drain', 1500, 4), 'drain.yaml');
    const trialId = sweep.trials[0]!.id;
    const store = suite.store;
    const first = suite.worker();
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    // Let it finish (and checkpoint) at least one epoch before the drain.
    await waitFor('first epoch checkpointed', async () => ((await store.get(sweep.id, trialId))?.value.checkpoints.length ?? 0) > 0);
    first.child.kill('SIGTERM');
    const [code] = (await once(first.child, 'exit')) as [number];
    assert.equal(code, 0, first.output());
    const requeued = (await store.get(sweep.id, trialId))!.value;
    assert.equal(requeued.status, 'QUEUED');
    assert.equal(requeued.history.at(-1)?.outcome, 'requeued');

    const second = suite.worker();
    try {
      const done = await waitFor('trial completed by the second worker', async () => {
        const r = await store.get(sweep.id, trialId);
        return r?.value.status === 'COMPLETED' ? r.value : null;
      });
      assert.equal(done.attempt, 2);
      assert.equal(done.history.filter((h) => h.outcome === 'completed').length, 1);
      assert.notEqual(done.history[0]!.worker, done.history[1]!.worker);
      const resumedAt = done.history[1]!.resumeEpoch;
      assert.ok(resumedAt >= 1, 'the second attempt resumed from the checkpoint, not from scratch');
      assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3, 4]);
      assert.equal(done.checkpoints.length, 0, 'checkpoints are deleted once the trial completed');
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }
  });
});
