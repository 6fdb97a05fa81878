import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { transition } from '../domain/trial-state.js';
import { CheckpointStore } from '../transport/checkpoint-store.js';
import { TrialStore } from '../transport/trial-store.js';

/**
 * Once a sweep has ended, the checkpoints its PRUNED trials kept are let go: the record drops them first (through
 * the state machine, so a record that changed meanwhile is left alone), then the objects are deleted. A crash in
 * between leaves unreferenced objects, never a reference to a deleted one. Returns how many trials were released.
 */
export async function releasePrunedCheckpoints(nc: NatsConnection, sweepId: string, log: Logger): Promise<number> {
  const trials = await TrialStore.open(nc);
  const checkpoints = await CheckpointStore.open(nc);
  let released = 0;
  for (const record of (await trials.snapshot(sweepId)).values()) {
    if (record.status !== 'PRUNED' || record.checkpoints.length === 0) continue;
    const refs = record.checkpoints;
    const res = await trials.mutate(sweepId, record.trialId, (cur) => (cur ? transition(cur, { type: 'release-checkpoints' }) : null));
    if (!res.changed) continue;
    await checkpoints.deleteAll(refs);
    released++;
  }
  if (released > 0) log.info({ sweepId, released }, 'sweep ended: checkpoints of pruned trials deleted');
  return released;
}
