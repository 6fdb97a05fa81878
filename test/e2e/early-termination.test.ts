import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { runCli } from '../helpers/cli.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { DecisionStore } from '../../src/transport/decision-store.js';
import { readSweepEvents } from '../../src/transport/events.js';
import { CHECKPOINTS_BUCKET } from '../../src/transport/names.js';

// Three learning rates, trained one after another by one worker (concurrency 1), so ASHA's asynchronous rule is
// deterministic here: the first two configurations meet rung 1 with fewer than η = 3 values recorded and go on;
// the third (lr 1e-7: no learning) meets it with three, is below the top third, and is pruned.
const SPEC = `name: asha-e2e
model: vgg
dataset:
  name: synthetic
  validation: test
  synthetic: { height: 16, width: 16, channels: 1, classes: 4, train_size: 256, validation_size: 64, noise: 0.3 }
parameters:
  learning_rate: { values: [0.003, 0.002, 0.0000001] }
  depth: 1
  dense_units: 32
  optimizer: adam
  batch_size: 32
training:
  epochs: 8
objective: { metric: val_accuracy, goal: max }
scheduler: { type: asha, grace_epochs: 1, reduction_factor: 3 }
execution: { max_deliver: 3, ack_wait_s: 10 }
`;

describe('early termination end to end (real nats-server, a worker process, real training)', () => {
  const broker = brokerSuite();
  let workDir: string;
  before(() => {
    workDir = broker.tempDir('sweep-asha-');
    writeFileSync(join(workDir, 'asha.yaml'), SPEC);
    writeFileSync(join(workDir, 'asha-attach.yaml'), SPEC.replace('name: asha-e2e', 'name: asha-attach'));
  });

  test('the coordinator prunes the losing configuration at rung 1; its worker stops it at the next epoch boundary', async () => {
    const res = await runCli(['launch', 'asha.yaml', '--nats', broker.url, '--workers', '1', '--state-dir', join(workDir, '.sweep')], { cwd: workDir });
    assert.equal(res.code, 0, res.stderr);

    const nc = await broker.connect();
    const records = [...(await (await TrialStore.open(nc)).snapshot('asha-e2e')).values()].sort((a, b) => a.index - b.index);
    assert.deepEqual(records.map((r) => r.status), ['COMPLETED', 'COMPLETED', 'PRUNED'], records.map((r) => `${r.index}: ${r.status} ${r.error ?? ''}`).join('; '));
    for (const r of records.slice(0, 2)) assert.equal(r.epochs.length, 8);
    const pruned = records[2]!;
    assert.ok(pruned.epochs.length >= 1 && pruned.epochs.length < 8, `pruned after ${pruned.epochs.length} epochs`);
    assert.deepEqual(pruned.history.map((h) => h.outcome), ['pruned']);
    // Kept while the sweep ran (test/integration/prune.test.ts), let go once it ended: record first, then objects.
    assert.deepEqual(pruned.checkpoints, []);
    const objects: string[] = [];
    for (const o of await (await nc.jetstream().views.os(CHECKPOINTS_BUCKET)).list()) if (!o.deleted) objects.push(o.name);
    assert.deepEqual(objects.filter((name) => name.startsWith(`asha-e2e/${pruned.trialId}/`)), []);

    const decisions = await (await DecisionStore.open(nc)).forSweep('asha-e2e');
    assert.deepEqual([...decisions.keys()], [pruned.trialId], 'one decision, for the losing configuration only');
    const decision = decisions.get(pruned.trialId)!;
    assert.equal(decision.scheduler, 'asha');
    assert.equal(decision.epoch, 1);
    assert.ok(decision.value !== null && decision.cutoff !== null && decision.value < decision.cutoff, `value ${decision.value} < cutoff ${decision.cutoff}`);
    assert.equal(decision.value, pruned.epochs[0]!.val_accuracy, 'judged on its epoch-1 val_accuracy (one seed: the group mean is its value)');

    const events = await readSweepEvents(nc, 'asha-e2e');
    // It stops within one epoch of the decision: at most one of its epochs ends after the decision was stored.
    const epochsAfter = events.filter((e) => e.type === 'epoch' && e.trialId === pruned.trialId && e.at > decision.at);
    assert.ok(epochsAfter.length <= 1, `${epochsAfter.length} epochs ended after the decision`);
    const finished = events.filter((e) => e.type === 'finished');
    assert.deepEqual(finished.map((e) => e.type === 'finished' && e.status).sort(), ['COMPLETED', 'COMPLETED', 'PRUNED']);

    // The leaderboard lists the pruned group after the ranked ones and says what early termination saved.
    assert.match(res.stdout, new RegExp(`${pruned.trialId.slice(0, 8)} .* PRUNED at epoch ${pruned.epochs.length}`));
    assert.match(res.stdout, new RegExp(`early termination \\(asha\\): ${16 + pruned.epochs.length} of 24 epochs trained`));
  });

  test('launch --detach schedules nothing; sweep attach rebuilds the scheduler from the sweep record and prunes', async () => {
    const state = ['--nats', broker.url, '--state-dir', join(workDir, '.sweep')];
    const launched = await runCli(['launch', 'asha-attach.yaml', ...state, '--workers', '0', '--detach'], { cwd: workDir });
    assert.equal(launched.code, 0, launched.stderr);
    const res = await runCli(['attach', 'asha-attach', ...state, '--workers', '1'], { cwd: workDir });
    assert.equal(res.code, 0, res.stderr);
    const nc = await broker.connect();
    const records = [...(await (await TrialStore.open(nc)).snapshot('asha-attach')).values()].sort((a, b) => a.index - b.index);
    assert.deepEqual(records.map((r) => r.status), ['COMPLETED', 'COMPLETED', 'PRUNED']);
    const decisions = await (await DecisionStore.open(nc)).forSweep('asha-attach');
    assert.deepEqual([...decisions.values()].map((d) => [d.trialId, d.epoch]), [[records[2]!.trialId, 1]]);
  });
});
