import type { NatsConnection } from 'nats';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { purgeSweepJobs, queuedJobOfTrial } from '../transport/job-queue.js';
import { unstartedTrialRecord, type TrialRecord } from '../domain/trial-record.js';
import { transition } from '../domain/trial-state.js';
import type { JobMessage } from '../domain/job.js';
import { UnknownSweepError } from './sweep-view.js';
import { reaperSettingsFromSpec } from './reaper.js';

export interface CancelOutcome {
  purgedJobs: number;
  stoppedTrials: number;
}

/**
 * Marks the sweep CANCELLED (running trials see it at their next epoch boundary and stop), removes its queued
 * jobs, and records every trial that never started as STOPPED, with the config of its job (read before the purge),
 * so that `sweep retry` can requeue it.
 */
export async function cancelSweep(nc: NatsConnection, id: string): Promise<CancelOutcome> {
  const rec = await (await SweepStore.open(nc)).setStatus(id, 'CANCELLED');
  if (!rec) throw new UnknownSweepError(`no sweep "${id}" on this broker; see \`sweep list\``);
  const trials = await TrialStore.open(nc);
  const existing = await trials.snapshot(id);
  const { pool } = reaperSettingsFromSpec(rec.spec);
  // The configs of trials whose record lacks one, from their jobs, before the purge removes them.
  const fromJobs = new Map<string, JobMessage>();
  const lacking = (rec.trials ?? []).filter((t) => !existing.get(t.id)?.config);
  // 64 reads in flight: a sweep of 10,000 unstarted trials is not 10,000 round trips in a row.
  for (let i = 0; i < lacking.length; i += 64) {
    const batch = lacking.slice(i, i + 64);
    const jobs = await Promise.all(batch.map((t) => queuedJobOfTrial(nc, pool, id, t.id)));
    jobs.forEach((job, k) => job && fromJobs.set(batch[k]!.id, job));
  }
  // A running trial's owner settles its job: STOPPED at its next epoch, or back in the queue if a retry came first.
  const running = new Set([...existing.values()].filter((r) => r.status === 'RUNNING').map((r) => r.trialId));
  const purgedJobs = await purgeSweepJobs(nc, id, running);
  let stoppedTrials = 0;
  const at = new Date().toISOString();
  for (const t of rec.trials ?? []) {
    const job = fromJobs.get(t.id);
    const res = await trials.mutate(id, t.id, (cur) => {
      const base = cur ?? unstartedTrialRecord({ sweepId: id, trialId: t.id, index: t.index });
      const known: TrialRecord = job && !base.config ? { ...base, params: job.config.params, seed: job.config.seed, config: job.config } : base;
      return transition(known, { type: 'cancel', at, error: 'cancelled before it ran' });
    });
    if (res.changed) stoppedTrials++;
  }
  return { purgedJobs, stoppedTrials };
}
