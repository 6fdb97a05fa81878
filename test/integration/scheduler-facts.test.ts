import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { brokerSuite } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/chaos-processes.js';
import { aTrialRecord, anEpoch } from '../helpers/trial-record-builder.js';
import { startScheduling } from '../../src/coordinator/scheduling.js';
import { DecisionStore } from '../../src/transport/decision-store.js';
import { readSweepEvents } from '../../src/transport/events.js';
import { transition } from '../../src/domain/trial-state.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

const SWEEP = 'facts';
const groups = new Map([['t1', 'g1'], ['t2', 'g2'], ['t3', 'g3']]);
const owner = (trialId: string) => ({ worker: `w-${trialId}`, attempt: 1 });

describe('the scheduler decides on the trial records, not on epoch events that may be lost', () => {
  const broker = brokerSuite({ resources: true });

  test('a rung judged from records alone: no epoch event published at all, and the STOP still comes at once', async () => {
    const scheduling = await startScheduling(broker.nc, {
      sweepId: SWEEP, groups, log: pino({ level: 'silent' }),
      config: { type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 3, max_epochs: 9 },
    });
    try {
      // Three trials claimed and through epoch 1 as their workers write them (fenced), with every event lost.
      const values: Record<string, number> = { t1: 0.9, t2: 0.5, t3: 0.1 };
      for (const trialId of groups.keys()) {
        await broker.store.mutate(SWEEP, trialId, (cur) => {
          const claimed = transition(cur ?? aTrialRecord({ sweepId: SWEEP, trialId, status: 'QUEUED' }), { type: 'claim', worker: owner(trialId).worker, delivery: 1, at: new Date().toISOString() })!;
          return transition<TrialRecord>(claimed, { type: 'progress', owner: owner(trialId), at: new Date().toISOString(), epochs: [anEpoch(1, { val_accuracy: values[trialId]! })] });
        });
      }
      const written = Date.now();
      const decisions = await DecisionStore.open(broker.nc);
      const stop = await waitFor('the worst group is pruned at rung 1', () => decisions.get(SWEEP, 't3'), 10_000);
      assert.equal(stop.epoch, 1);
      assert.equal(stop.group, 'g3');
      assert.equal(stop.value, 0.1);
      assert.ok(Date.now() - written < 10_000);
      assert.equal(await decisions.get(SWEEP, 't1'), null, 'the best group goes on');
      assert.equal((await readSweepEvents(broker.nc, SWEEP)).length, 0, 'no event was ever published');
      assert.ok(scheduling.stopped >= 1);
    } finally {
      await scheduling.stop();
    }
  });
});
