import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSweepEvents, stopGently, waitFor } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../../src/transport/free-port.js';
import { JOBS_STREAM, consumerName } from '../../src/transport/names.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';

// Shrunk so the test runs in seconds: a 1 s lease, and a server that drops a client which leaves its PINGs
// unanswered for ~2 s (ping_interval 1 s × (ping_max 1 + 1)). Each epoch keeps its trainer's thread busy for 5 s:
// longer than 4 × ack_wait and longer than the stale-connection limit.
const ACK_WAIT_S = 1;
const EPOCH_MS = 5_000;

describe('long epochs (a CPU-bound trainer, 1 s lease, 1 s server pings)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000, server: { pingIntervalS: 1, pingMaxOutstanding: 1 } });
  const worker = (extra: string[] = []) => suite.worker(extra);
  const launch = async (name: string, epochs: number) => {
    const sweep = parseSpec(sleepSpec(name, { model: 'spin', sleepMs: EPOCH_MS, epochs, maxDeliver: 5, ackWaitS: ACK_WAIT_S }), `${name}.yaml`);
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    return { sweepId: sweep.id, trialId: sweep.trials[0]!.id };
  };

  test('a trial whose epochs outlast the lease and the ping limit completes in one attempt, leases renewed throughout', async () => {
    const port = await freePort();
    const w = worker(['--health-port', String(port)]);
    const { sweepId, trialId } = await launch('long-epochs', 2);
    // The claim shows while the first epoch still trains (it used to wait for the epoch's end).
    const claimed = await waitFor('trial claimed', async () => {
      const r = await suite.store.get(sweepId, trialId);
      return r?.value.status === 'RUNNING' ? r.value : null;
    }, 60_000, () => w.output());
    assert.deepEqual(claimed.epochs, [], 'RUNNING before its first epoch ended');
    const status = await runCli(['status', sweepId, '--json', '--nats', suite.broker.url]);
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as { counts: Record<string, number>; trials: { trialId: string; status: string }[] };
    assert.equal(shown.counts.RUNNING, 1, status.stdout);
    assert.deepEqual(shown.trials.map((t) => [t.trialId, t.status]), [[trialId, 'RUNNING']]);
    const done = await waitFor('trial completed', async () => {
      const r = await suite.store.get(sweepId, trialId);
      return r?.value.status === 'COMPLETED' ? r.value : null;
    }, 120_000, () => w.output());

    assert.equal(done.attempt, 1, JSON.stringify(done.history));
    assert.deepEqual(done.history.map((h) => h.outcome), ['completed']);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2]);
    assert.ok(done.epochs.every((e) => (e.seconds ?? 0) >= EPOCH_MS / 1000), 'each epoch really took its 5 s');
    const events = await readSweepEvents(suite.nc, sweepId);
    assert.equal(events.filter((e) => e.type === 'started').length, 1, 'one start: the job was never redelivered');
    const consumer = await (await suite.nc.jetstreamManager()).consumers.info(JOBS_STREAM, consumerName('default'));
    assert.equal(consumer.num_redelivered, 0, 'no redelivery: the lease never lapsed');

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /sweep_worker_leases_lost_total 0/);
    assert.match(metrics, /sweep_worker_lease_renewal_failures_total 0/);
    assert.doesNotMatch(w.output(), /lease lost|disconnect/i);
    // The server closed no client as stale: the worker answered every PING while its trainer was busy.
    const closed = (await (await fetch(`${suite.broker.server.monitorUrl}/connz?state=closed`)).json()) as { connections?: { reason?: string }[] };
    assert.deepEqual((closed.connections ?? []).filter((c) => /stale/i.test(c.reason ?? '')), []);
    await stopGently(w);
  });

  test('SIGTERM mid-epoch requeues the trial within 2 s; another worker resumes it from the last epoch checkpoint', async () => {
    const first = worker();
    const { sweepId, trialId } = await launch('long-epochs-drain', 3);
    // Into the second epoch: epoch 1 is checkpointed.
    await waitFor('epoch 1 checkpointed', async () => {
      const r = await suite.store.get(sweepId, trialId);
      return r?.value.status === 'RUNNING' && r.value.checkpoints.some((c) => c.epoch === 1) ? r : null;
    }, 60_000, () => first.output());
    await new Promise((r) => setTimeout(r, 1_000));
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const requeued = await waitFor('trial requeued', async () => {
      const r = await suite.store.get(sweepId, trialId);
      return r?.value.status === 'QUEUED' ? r.value : null;
    }, 10_000, () => first.output());
    const answeredMs = Date.now() - signalledAt;
    assert.ok(answeredMs <= 2_000, `requeued ${answeredMs} ms after SIGTERM`);
    assert.deepEqual(requeued.history.map((h) => h.outcome), ['requeued']);
    assert.equal(await first.exited, 0, first.output());

    const second = worker();
    const done = await waitFor('trial completed', async () => {
      const r = await suite.store.get(sweepId, trialId);
      return r?.value.status === 'COMPLETED' ? r.value : null;
    }, 120_000, () => second.output());
    assert.deepEqual(done.history.map((h) => [h.outcome, h.resumeEpoch]), [['requeued', 0], ['completed', 1]]);
    assert.deepEqual(done.epochs.map((e) => e.epoch), [1, 2, 3]);
    const epochEvents = (await readSweepEvents(suite.nc, sweepId)).filter((e) => e.type === 'epoch');
    assert.deepEqual(epochEvents.map((e) => (e.type === 'epoch' ? e.metrics.epoch : 0)), [1, 2, 3], 'the stopped epoch 2 was not reported');
  });
});
