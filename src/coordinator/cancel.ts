import type { NatsConnection } from 'nats';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { purgeSweepJobs } from '../transport/job-queue.js';
import type { TrialRecord } from '../transport/codecs.js';
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
    const res = await trials.mutate(id, t.id, (cur) => transition(cur ?? unstartedRecord(id, t), { type: 'cancel', at, error: 'cancelled before it ran' }));
    if (res.changed) stoppedTrials++;
  }
  return { purgedJobs, stoppedTrials };
}

/** A trial that has no record yet: it never ran. */
function unstartedRecord(sweepId: string, t: { id: string; index: number }): TrialRecord {
  return {
    v: 1, sweepId, trialId: t.id, index: t.index, status: 'QUEUED', params: {}, seed: 0, attempt: 0, worker: null, epochs: [],
    startedAt: null, finishedAt: null, heartbeatAt: null, durationMs: null, error: null, history: [], checkpoints: [], result: null,
    config: null, model: null, onnx: null,
  };
}
