import type { NatsConnection } from 'nats';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { buildJob, publishTrialJobs } from './jobs.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { transition, type TrialStatus } from '../domain/trial-state.js';
import { UnknownSweepError } from './sweep-view.js';
import { sweepIsScheduled } from './scheduled.js';

export interface RetryOutcome {
  requeued: string[];
  /** Trials that match but whose record holds no config (written before records carried one). */
  skipped: string[];
}

/**
 * Requeues FAILED trials (and STOPPED ones unless `onlyFailed`), one job each, attempts continue to count. PRUNED
 * trials stay as the scheduler left them.
 */
export async function retryTrials(
  nc: NatsConnection,
  sweepId: string,
  opts: { onlyFailed: boolean; pool: string; maxDeliver: number; checkpointEvery: number },
): Promise<RetryOutcome> {
  const sweeps = await SweepStore.open(nc);
  const sweep = await sweeps.get(sweepId);
  if (!sweep) throw new UnknownSweepError(`no sweep "${sweepId}" on this broker; see \`sweep list\``);
  const scheduled = sweepIsScheduled(sweep.value);
  const trials = await TrialStore.open(nc);
  const wanted: TrialStatus[] = opts.onlyFailed ? ['FAILED'] : ['FAILED', 'STOPPED'];
  const records = [...(await trials.snapshot(sweepId)).values()].filter((r) => wanted.includes(r.status));
  const requeue: TrialRecord[] = [];
  const skipped: string[] = [];
  for (const r of records) {
    if (!r.config) {
      skipped.push(r.trialId);
      continue;
    }
    const res = await trials.mutate(sweepId, r.trialId, (cur) => (cur ? transition(cur, { type: 'retry', statuses: wanted }) : null));
    if (res.changed && res.record) requeue.push(res.record);
  }
  if (requeue.length > 0) await sweeps.setStatus(sweepId, 'RUNNING');
  const settings = { maxDeliver: opts.maxDeliver, checkpointEvery: opts.checkpointEvery, scheduled };
  // A trial whose old job is still in the stream (a term that never reached the broker) keeps that one.
  await publishTrialJobs(nc, opts.pool, requeue.map((r) => buildJob(sweepId, { trialId: r.trialId, index: r.index, config: r.config! }, settings)));
  return { requeued: requeue.map((r) => r.trialId), skipped };
}
