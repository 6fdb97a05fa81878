import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { runCli } from '../helpers/cli.js';
import { TrialStore } from '../../src/transport/trial-store.js';

const spec = (sleepMs: number, repeats: number) => `name: relaunch
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: ${sleepMs}
repeats: ${repeats}
training: { epochs: 2 }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 3, ack_wait_s: 5 }
`;

describe('relaunch, changed specs, retry and attach (real nats-server, sleep trials)', () => {
  const broker = brokerSuite();
  let dir: string;
  let file: string;
  before(() => {
    dir = broker.tempDir('sweep-relaunch-');
    file = join(dir, 'relaunch.yaml');
  });
  const launch = (...extra: string[]) => runCli(['launch', file, '--nats', broker.url, '--workers', '1', ...extra], { cwd: dir });

  test('a changed spec is refused with a diff of what changed; --extend adds only the new trials', async () => {
    writeFileSync(file, spec(5, 2));
    const first = await launch();
    assert.equal(first.code, 0, first.stderr);

    writeFileSync(file, spec(7, 2));
    const changed = await launch();
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /was launched from a different spec/);
    assert.match(changed.stderr, /parameters\.sleep_ms: 5 → 7/);
    const refusedExtend = await launch('--extend');
    assert.equal(refusedExtend.code, 2);
    assert.match(refusedExtend.stderr, /drops 2 trial\(s\)/);

    writeFileSync(file, spec(5, 3));
    const extended = await launch('--extend');
    assert.equal(extended.code, 0, extended.stderr);
    assert.match(extended.stderr, /3 trials, 2 already completed, published 1 jobs/);
  });

  test('a changed scheduler is a spec change that --extend does not accept (same trials, other pruning)', async () => {
    writeFileSync(file, spec(5, 3) + 'scheduler: { type: asha, grace_epochs: 1 }\n');
    const changed = await launch();
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /was launched from a different spec/);
    assert.match(changed.stderr, /scheduler: \(absent\) → \{"type":"asha","grace_epochs":1\}/);
    assert.doesNotMatch(changed.stderr, /--extend/);
    const extended = await launch('--extend');
    assert.equal(extended.code, 2);
    assert.match(extended.stderr, /--extend only adds trials, but this spec changes the scheduler/);
    assert.match(extended.stderr, /scheduler: null → \{"type":"asha",.*"max_epochs":2\}/);
    writeFileSync(file, spec(5, 3));
  });

  test('retry --failed requeues a FAILED trial and attach follows it to the end', async () => {
    const nc = await broker.connect();
    const store = await TrialStore.open(nc);
    const records = [...(await store.snapshot('relaunch')).values()];
    const victim = records[0]!;
    await store.mutate('relaunch', victim.trialId, (cur) => (cur ? { ...cur, status: 'FAILED', error: 'injected failure' } : null));

    const retry = await runCli(['retry', 'relaunch', '--failed', '--nats', broker.url], { cwd: dir });
    assert.equal(retry.code, 0, retry.stderr);
    assert.match(retry.stdout, /requeued 1 trial/);

    const attach = await runCli(['attach', 'relaunch', '--workers', '1', '--nats', broker.url, '--json'], { cwd: dir });
    assert.equal(attach.code, 0, attach.stderr);
    const after = (await store.get('relaunch', victim.trialId))!.value;
    assert.equal(after.status, 'COMPLETED');
    assert.equal(after.attempt, victim.attempt + 1);
    assert.equal(after.history.filter((h) => h.outcome === 'completed').length, 2, 'the first and the retried run both completed once');
  });
});
