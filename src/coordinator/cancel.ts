import type { NatsConnection } from 'nats';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { purgeSweepJobs } from '../transport/job-queue.js';
import { unstartedTrialRecord } from '../domain/trial-record.js';
import { transition } from '../domain/trial-state.js';
import { UnknownSweepError } from './sweep-view.js';

export interface CancelOutcome {
  purgedJobs: number;
  stoppedTrials: number;
}

/**
 * Marks the sweep CANCELLED (running trials see it at their next epoch boundary and stop), removes its queued
 * jobs, and records every trial that never started as STOPPED.
 */
export async function cancelSweep(nc: NatsConnection, id: string): Promise<CancelOutcome> {
  const rec = await (await SweepStore.open(nc)).setStatus(id, 'CANCELLED');
  if (!rec) throw new UnknownSweepError(`no sweep "${id}" on this broker; see \`sweep list\``);
  const purgedJobs = await purgeSweepJobs(nc, id);
  const trials = await TrialStore.open(nc);
  let stoppedTrials = 0;
  const at = new Date().toISOString();
  for (const t of rec.trials ?? []) {
    const res = await trials.mutate(id, t.id, (cur) => transition(cur ?? unstartedTrialRecord({ sweepId: id, trialId: t.id, index: t.index }), { type: 'cancel', at, error: 'cancelled before it ran' }));
    if (res.changed) stoppedTrials++;
  }
  return { purgedJobs, stoppedTrials };
}
