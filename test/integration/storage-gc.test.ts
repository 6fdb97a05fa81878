import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stopGently, waitFor } from '../helpers/chaos-processes.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { aTrialRecord, anAttempt, runningOn } from '../helpers/trial-record-builder.js';
import { runCli } from '../helpers/cli.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { collectGarbage } from '../../src/coordinator/collect-garbage.js';
import { transition } from '../../src/domain/trial-state.js';
import { parseSpec } from '../../src/spec/index.js';
import type { ExpandedSweep } from '../../src/spec/types.js';
import { CheckpointStore } from '../../src/transport/checkpoint-store.js';
import { ModelStore } from '../../src/transport/model-store.js';
import { readBucketInventory } from '../../src/transport/object-inventory.js';
import { CHECKPOINTS_BUCKET, EVENTS_STREAM, MODELS_BUCKET, TRIALS_BUCKET, objectStream, trialKey } from '../../src/transport/names.js';

const ACK_WAIT_S = 2;

describe('storage is collected: `sweep gc` and `sweep delete` on real objects (real nats-server and worker)', () => {
  const suite = workerSuite({ ackWaitMs: ACK_WAIT_S * 1000 });
  const launch = async (yaml: string): Promise<ExpandedSweep> => {
    const sweep = parseSpec(yaml, `${yaml.split('\n')[0]}.yaml`);
    await launchSweep(suite.nc, sweep, { sweepId: sweep.id, specFile: 'x', pool: 'default' });
    return sweep;
  };
  const names = async (bucket: string) => (await readBucketInventory(suite.nc, bucket)).objects.map((o) => `${o.deleted ? 'tombstone:' : ''}${o.name}`).sort();
  const completed = async (sweep: ExpandedSweep) => {
    for (const t of sweep.trials) await waitFor(`trial ${t.id} COMPLETED`, async () => (await suite.record(sweep.id, t.id))?.status === 'COMPLETED', 60_000);
  };
  const sweepCli = (args: string[]) => runCli([...args, '--nats', suite.broker.url], { env: { SWEEP_GC_GRACE_S: '0' } });

  test('gc removes what no record references and keeps what a record, an owner or an unreadable record may need', async () => {
    const done = await launch(sleepSpec('gc-done', { sleepMs: 100, epochs: 3, maxDeliver: 2, ackWaitS: ACK_WAIT_S }));
    const w = suite.worker();
    await completed(done);
    await stopGently(w);
    const trial = (await suite.record(done.id, done.trials[0]!.id))!;
    const checkpoints = await CheckpointStore.open(suite.nc);
    const models = await ModelStore.open(suite.nc);
    const os = await suite.nc.jetstream().views.os(CHECKPOINTS_BUCKET);
    const jsm = await suite.nc.jetstreamManager();

    // A zombie (attempt 7 of a trial that completed) saves a checkpoint; its fenced write is refused, and it dies
    // before it can delete what it saved.
    const zombie = await checkpoints.save(done.id, trial.trialId, 7, 2, randomBytes(2048), []);
    const zombieRef = zombie.keep[0]!;
    const refused = await suite.store.mutate(done.id, trial.trialId, (cur) =>
      cur ? transition(cur, { type: 'progress', owner: { attempt: 7, worker: 'zombie' }, at: new Date().toISOString(), checkpoints: [zombieRef] }) : null,
    ).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    assert.ok(refused instanceof Error || !refused.changed, 'the zombie may not write the record');
    assert.deepEqual((await suite.record(done.id, trial.trialId))!.checkpoints.map((c) => c.name), [], 'the record does not name it');

    // A corrupt object (its chunks gone, as a failover can leave one) that the record no longer names.
    const corrupt = await checkpoints.save(done.id, trial.trialId, 1, 9, randomBytes(4096), []);
    const corruptInfo = (await os.info(corrupt.keep[0]!.name))!;
    await jsm.streams.purge(objectStream(CHECKPOINTS_BUCKET), { filter: `$O.${CHECKPOINTS_BUCKET}.C.${corruptInfo.nuid}` });
    // Chunks that no metadata names: a put cut short by a kill before its metadata was written.
    const js = suite.nc.jetstream();
    for (let i = 0; i < 3; i++) await js.publish(`$O.${CHECKPOINTS_BUCKET}.C.cutshortnuid`, randomBytes(1024));
    // A tombstone, as nats.js's own delete (and older versions of sweep) leave one.
    await os.putBlob({ name: `${done.id}/${trial.trialId}/a1/epoch-42` }, randomBytes(64));
    await os.delete(`${done.id}/${trial.trialId}/a1/epoch-42`);
    // A model module that no sweep or trial names.
    await models.putModule('0'.repeat(64), 'export default 1;\n');

    // A RUNNING trial resumed from attempt 1's checkpoint, which its record names (kept); its owner's (attempt 2)
    // checkpoint is in flight, saved before the record write that names it (kept); attempt 1's other one is garbage.
    const now = new Date().toISOString();
    const resumedFrom = (await checkpoints.save('gc-live', 't1', 1, 1, randomBytes(512), [])).keep;
    await suite.store.mutate('gc-live', 't1', () =>
      aTrialRecord({ sweepId: 'gc-live', trialId: 't1', ...runningOn('w-live', 2), heartbeatAt: now, history: [anAttempt(2, 'w-live', now)], checkpoints: resumedFrom }),
    );
    const owners = await checkpoints.save('gc-live', 't1', 2, 2, randomBytes(512), []);
    const stale = await checkpoints.save('gc-live', 't1', 1, 2, randomBytes(512), []);
    // An unreadable record: nothing of its trial is collected.
    await js.publish(`$KV.${TRIALS_BUCKET}.${trialKey('gc-bad', 't1')}`, new TextEncoder().encode('{not json'));
    const unreadable = await checkpoints.save('gc-bad', 't1', 1, 1, randomBytes(512), []);

    const expected = [
      zombieRef.name, corrupt.keep[0]!.name, 'cutshortnuid', `${done.id}/${trial.trialId}/a1/epoch-42`, `modules/${'0'.repeat(64)}.mjs`, stale.keep[0]!.name,
    ].sort();

    // Within the grace period, only the tombstone goes: everything else unreferenced is young.
    const young = await collectGarbage(suite.nc, { sweepId: null, dryRun: true, graceMs: 60_000 });
    assert.deepEqual(young.garbage.map((g) => g.name), [`${done.id}/${trial.trialId}/a1/epoch-42`]);
    assert.equal(young.keptYoung, 5, JSON.stringify(young, null, 1));
    assert.equal(young.keptUnreadable, 1);

    // A dry run past the grace lists exactly the garbage and removes nothing.
    const before = [...(await names(CHECKPOINTS_BUCKET)), ...(await names(MODELS_BUCKET))];
    const dry = await sweepCli(['gc', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const listed = JSON.parse(dry.stdout) as { garbage: { name: string; reason: string }[]; removed: number; malformedRecords: number };
    assert.deepEqual(listed.garbage.map((g) => g.name).sort(), expected, dry.stdout);
    assert.equal(listed.removed, 0);
    assert.equal(listed.malformedRecords, 1);
    assert.deepEqual([...(await names(CHECKPOINTS_BUCKET)), ...(await names(MODELS_BUCKET))], before, 'a dry run removes nothing');

    const real = await sweepCli(['gc']);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /gc: removed 6 object\(s\)/);
    const left = await names(CHECKPOINTS_BUCKET);
    for (const gone of expected) assert.ok(!left.includes(gone) && !left.includes(`tombstone:${gone}`), `${gone} removed: ${left.join(', ')}`);
    assert.ok(left.includes(owners.keep[0]!.name), "the running owner's in-flight checkpoint is kept");
    assert.ok(left.includes(resumedFrom[0]!.name), 'the checkpoint a record names is kept');
    assert.ok((await checkpoints.loadNewestValid(resumedFrom, () => undefined)) !== null, 'and still verifies');
    assert.ok(left.includes(unreadable.keep[0]!.name), "an unreadable record's checkpoint is kept");
    const chunkSubjects = (await jsm.streams.info(objectStream(CHECKPOINTS_BUCKET), { subjects_filter: `$O.${CHECKPOINTS_BUCKET}.C.>` })).state.subjects ?? {};
    assert.ok(!('$O.sweep-checkpoints.C.cutshortnuid' in chunkSubjects), 'the chunks no metadata named are purged');
    assert.ok(!(`$O.${CHECKPOINTS_BUCKET}.C.${corruptInfo.nuid}` in chunkSubjects));

    // A second pass finds nothing more.
    const again = await collectGarbage(suite.nc, { sweepId: null, dryRun: true, graceMs: 0 });
    assert.deepEqual(again.garbage, []);
  });

  test('sweep delete: an unknown sweep is exit 2; without a terminal it needs --yes; running trials need --force, which cancels them first', async () => {
    const unknown = await sweepCli(['delete', 'no-such-sweep', '--yes']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.deepEqual(unknown.stderr.trim().split('\n'), ['no sweep "no-such-sweep" on this broker; see `sweep list`']);

    const keep = await launch(sleepSpec('gc-keep', { sleepMs: 100, epochs: 2, maxDeliver: 2, ackWaitS: ACK_WAIT_S }));
    const w = suite.worker();
    await completed(keep);
    const doomed = await launch(sleepSpec('gc-doomed', { sleepMs: 700, epochs: 30, maxDeliver: 2, ackWaitS: ACK_WAIT_S, repeats: 2 }));
    await waitFor('a doomed trial running with a checkpoint', async () => {
      for (const t of doomed.trials) if (((await suite.record(doomed.id, t.id))?.checkpoints.length ?? 0) > 0) return true;
      return false;
    }, 60_000, () => w.output());
    const others = async () => (await names(CHECKPOINTS_BUCKET)).concat(await names(MODELS_BUCKET)).filter((n) => !n.includes(`${doomed.id}/`));
    const othersBefore = await others();
    assert.ok(othersBefore.length > 0, 'other sweeps have objects (the first test left some)');

    const noTty = await sweepCli(['delete', doomed.id]);
    assert.equal(noTty.code, 2, noTty.stderr);
    assert.match(noTty.stderr, /stdin is not a terminal: add --yes/);
    const running = await sweepCli(['delete', doomed.id, '--yes']);
    assert.equal(running.code, 1, running.stderr);
    assert.match(running.stderr.trim(), /^sweep: sweep gc-doomed has 1 running trial\(s\): cancel it first .* or add --force/);
    assert.ok((await suite.record(doomed.id, doomed.trials[0]!.id)) !== null, 'a refusal changes nothing');

    const forced = await sweepCli(['delete', doomed.id, '--yes', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const out = JSON.parse(forced.stdout) as { cancelled: boolean; stillRunning: number; trials: number; objects: number; events: number };
    assert.equal(out.cancelled, true);
    assert.equal(out.stillRunning, 0, 'the running trial stopped at its next epoch boundary');
    assert.equal(out.trials, 2);
    assert.ok(out.objects >= 1 && out.events >= 1, forced.stdout);
    // Nothing of the deleted sweep is left; the other sweep is untouched.
    const jsm = await suite.nc.jetstreamManager();
    for (const t of doomed.trials) assert.equal(await suite.record(doomed.id, t.id), null);
    assert.deepEqual((await names(CHECKPOINTS_BUCKET)).concat(await names(MODELS_BUCKET)).filter((n) => n.includes(`${doomed.id}/`)), []);
    assert.equal(Object.keys((await jsm.streams.info(EVENTS_STREAM, { subjects_filter: `sweep.events.${doomed.id}.>` })).state.subjects ?? {}).length, 0);
    const list = await sweepCli(['list', '--json']);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id);
    assert.ok(ids.includes(keep.id) && !ids.includes(doomed.id), ids.join(', '));
    assert.deepEqual(await others(), othersBefore, "other sweeps' objects are untouched");
    // The worker holds nothing of it and leaves nothing behind: a pass past the grace finds no garbage of it.
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await collectGarbage(suite.nc, { sweepId: doomed.id, dryRun: true, graceMs: 0 });
    assert.deepEqual(after.garbage, []);
    await stopGently(w);
  });
});
