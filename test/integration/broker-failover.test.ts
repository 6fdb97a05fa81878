import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from '../helpers/nats-cluster.js';
import { tinyVggSpec } from '../helpers/chaos-specs.js';
import { startSweepProcess, waitFor, readSweepEvents } from '../helpers/chaos-processes.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { JOBS_STREAM } from '../../src/transport/names.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

/**
 * The broker as a distributed engine: a sweep of tiny VGG trials on 2 workers against a 3-node JetStream cluster
 * with R3 resources. In the middle of the sweep the node that leads SWEEP_JOBS is killed with SIGKILL, and
 * restarted later. Every trial must complete exactly once, with the weights of a run without the fault.
 */

const TRIALS = 6;

function specFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-failover-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, tinyVggSpec(name, { epochs: 4, repeats: TRIALS / 2, maxDeliver: 5, ackWaitS: 10 }));
  return file;
}

describe('broker failover: SIGKILL of the SWEEP_JOBS leader of a 3-node cluster mid-sweep', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start(3);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('every trial COMPLETED exactly once, nothing lost, the weights of a fault-free run', async () => {
    const nc = await cluster.connect();
    const dir = mkdtempSync(join(tmpdir(), 'sweep-failover-state-'));
    const launch = (file: string) => startSweepProcess(['launch', file, '--nats', cluster.urls, '--workers', '2', '--no-export', '--state-dir', join(dir, '.sweep')]);

    // Fault-free: the same trials (same configs, so the same trial IDs) under another sweep name.
    const clean = launch(specFile('failover-clean'));
    assert.equal(await clean.exited, 0, clean.output());

    const faulty = launch(specFile('failover-faulty'));
    const store = await TrialStore.open(nc);
    await waitFor('a trial in its second epoch', async () => {
      const records = await store.snapshot('failover-faulty');
      return [...records.values()].some((r) => r.epochs.length >= 1 && r.status === 'RUNNING');
    }, 120_000, () => faulty.output());
    const leader = (await (await nc.jetstreamManager()).streams.info(JOBS_STREAM)).cluster?.leader;
    assert.ok(leader, 'SWEEP_JOBS has a leader');
    await cluster.kill(leader);
    const killedAt = Date.now();
    // Restarted later, while the sweep goes on without it.
    await new Promise((r) => setTimeout(r, 8_000));
    cluster.restart(leader);
    const code = await faulty.exited;
    assert.equal(code, 0, faulty.output());
    assert.ok(Date.now() - killedAt > 0);

    const cleanRecords = await store.snapshot('failover-clean');
    const records = await store.snapshot('failover-faulty');
    assert.equal(records.size, TRIALS, 'nothing lost');
    let weightsMatch = 0;
    for (const r of records.values()) {
      assert.equal(r.status, 'COMPLETED', `${r.trialId}: ${r.error}\nhistory: ${JSON.stringify(r.history)}\n--- launch:\n${faulty.output().slice(-6000)}`);
      assert.equal(r.history.filter((h) => h.outcome === 'completed').length, 1, `${r.trialId} completed once: ${JSON.stringify(r.history)}`);
      const twin: TrialRecord | undefined = cleanRecords.get(r.trialId);
      if (twin?.result?.weightsSha256 === r.result?.weightsSha256) weightsMatch++;
    }
    const finished = new Map<string, number>();
    for (const e of await readSweepEvents(nc, 'failover-faulty')) if (e.type === 'finished') finished.set(e.trialId, (finished.get(e.trialId) ?? 0) + 1);
    const duplicates = [...finished.values()].filter((n) => n > 1).length;
    assert.equal(duplicates, 0, 'one finished event per trial');
    assert.equal(weightsMatch, TRIALS, 'every trial ends with the weights of the fault-free run');
    process.stdout.write(`BROKER FAILOVER: nodes=3 replicas=3 leader_kills=1 trials=${TRIALS} lost=${TRIALS - records.size} duplicates=${duplicates} weights_match=${weightsMatch}/${TRIALS}\n`);
  });
});
