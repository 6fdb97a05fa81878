import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { roleBrokerSuite } from '../helpers/role-broker.js';
import { waitFor } from '../helpers/chaos-processes.js';
import { aTrialRecord, anAttempt, anEpoch } from '../helpers/trial-record-builder.js';
import { EVENTS_STREAM } from '../../src/transport/names.js';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { EventPublisher } from '../../src/transport/events.js';
import { DecisionStore } from '../../src/transport/decision-store.js';
import { SweepStore } from '../../src/transport/sweep-store.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { groupsOfSweep, startScheduling } from '../../src/coordinator/scheduling.js';
import { parseSpec } from '../../src/spec/index.js';
import type { Trial } from '../../src/spec/types.js';

/** Three configurations, one seed each; median stopping judges a configuration as soon as one other reached its epoch. */
const SPEC = `name: forged-rung
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: { values: [1, 2, 3] }
training: { epochs: 3 }
objective: { metric: val_loss, goal: min }
scheduler: { type: median, grace_epochs: 1, min_groups: 1 }
execution: { max_deliver: 3, ack_wait_s: 1 }
`;

/** How long the scheduler gets to act on something it must ignore: its watch delivers a record in milliseconds. */
const SETTLE_MS = 1_500;

describe("a forged rung event never prunes (real nats-server, the k8s per-role users, published with the worker's credentials)", () => {
  const broker = roleBrokerSuite();

  test("a terrible result on sweep.events.<sweep>.batch: no PruneDecision is written; the same result in the owner's record prunes", async () => {
    const coordinator = await broker.connectAs('coordinator');
    const worker = await broker.connectAs('worker');
    await ensureResources(coordinator, { ...DEFAULT_QUEUE, pool: 'rung', ackWaitMs: 1_000 });
    const sweep = parseSpec(SPEC, 'forged-rung.yaml');
    await launchSweep(coordinator, sweep, { sweepId: sweep.id, specFile: 'forged-rung.yaml', pool: 'rung' });
    const groups = groupsOfSweep((await (await SweepStore.open(coordinator)).get(sweep.id))!.value.trials);
    assert.ok(groups && sweep.scheduler);
    const scheduling = await startScheduling(coordinator, { sweepId: sweep.id, config: sweep.scheduler, groups, log: pino({ level: 'silent' }) });
    try {
      const [a, b, c] = [sweep.trials[0]!, sweep.trials[1]!, sweep.trials[2]!];
      const at = new Date().toISOString();
      const trials = await TrialStore.open(worker);
      /** The record an honest owner writes after epoch 1. */
      const epochOne = (t: Trial, valLoss: number) =>
        trials.mutate(sweep.id, t.id, () =>
          aTrialRecord({
            sweepId: sweep.id, trialId: t.id, index: t.index, params: t.config.params, config: t.config, status: 'RUNNING', attempt: 1, worker: 'w-1',
            startedAt: at, heartbeatAt: at, history: [anAttempt(1, 'w-1', at)], epochs: [anEpoch(1, { val_loss: valLoss })],
          }),
        );
      // Two configurations level at epoch 1: neither is worse than the other.
      await epochOne(a, 0.1);
      await epochOne(b, 0.1);
      const decisions = await DecisionStore.open(coordinator);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      assert.deepEqual([...(await decisions.forSweep(sweep.id)).keys()], [], 'nothing to prune yet');

      // The forger claims terrible epoch-1 results for every trial, as their "owner".
      const jsm = await coordinator.jetstreamManager();
      const eventsBefore = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
      const events = new EventPublisher(worker);
      for (const t of [a, b, c]) {
        events.publish({ v: 1, type: 'epoch', sweepId: sweep.id, trialId: t.id, worker: 'w-1', at, attempt: 1, metrics: anEpoch(1, { val_loss: 1e6 }), totalEpochs: 3 });
      }
      events.flush();
      await worker.flush();
      await waitFor('the broker stored the forged events', async () => (await jsm.streams.info(EVENTS_STREAM)).state.messages > eventsBefore, 10_000);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      assert.deepEqual([...(await decisions.forSweep(sweep.id)).keys()], [], 'the forged events pruned nothing');
      assert.equal(scheduling.stopped, 0);
      assert.deepEqual(broker.violations(), [], "publishing events is within the worker's rights");

      // The check above could fail: the same result from c's own record prunes c's configuration.
      await epochOne(c, 1e6);
      const decided = await waitFor('a decision for c', async () => (await decisions.forSweep(sweep.id)).get(c.id), 10_000);
      assert.equal(decided.epoch, 1);
      assert.deepEqual([...(await decisions.forSweep(sweep.id)).keys()], [c.id], 'only c');
    } finally {
      await scheduling.stop();
    }
  });
});
