import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { parseSpec } from '../../src/spec/index.js';
import { TrainerProcess, type EpochReport } from '../../src/worker/trainer/trainer-process.js';

/**
 * Fault campaign seed 10: a drain reached a trainer process while the worker was saving its last epoch's
 * checkpoint. The abort answered the trainer's wait for that epoch at once, the run ended, and the attempt wrote
 * COMPLETED naming no epoch-6 checkpoint, which the save then stored: an object nobody would delete.
 */
test('an abort during onEpoch: the run settles only after onEpoch has (its checkpoint is in the record first)', async (t) => {
  const trainer = new TrainerProcess({ backend: 'cpu', log: () => undefined });
  t.after(() => trainer.kill());
  await trainer.backend();
  const { config } = parseSpec(sleepSpec('abort-in-epoch', { model: 'spin', sleepMs: 50, epochs: 2, maxDeliver: 1, ackWaitS: 30 }), 'a.yaml').trials[0]!;
  const seen: number[] = [];
  let lastRecorded = false;
  let handle: ReturnType<TrainerProcess['run']> | null = null;
  const onEpoch = async ({ metrics, state }: EpochReport): Promise<boolean> => {
    seen.push(metrics.epoch);
    if (metrics.epoch === 2) {
      assert.ok(state, 'every epoch carries its state (checkpoint_every 1)');
      handle!.abort(); // the drain arrives while the checkpoint is being stored
      await sleep(800);
      lastRecorded = true;
    }
    return false;
  };
  handle = trainer.run(config, null, 1, onEpoch);
  const outcome = await handle.finished;
  assert.deepEqual(seen, [1, 2]);
  assert.equal(lastRecorded, true, `the run settled (${typeof outcome === 'string' ? outcome : outcome.stopReason}) while its last epoch was still being recorded`);
  assert.equal(trainer.busy, false);
});
