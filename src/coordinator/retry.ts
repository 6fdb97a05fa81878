import type { NatsConnection } from 'nats';
import { createLogger, type Logger } from '../log.js';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { buildJob, publishTrialJobs, type JobTrial } from './jobs.js';
import { transition, type TrialStatus } from '../domain/trial-state.js';
import { UnknownSweepError } from './sweep-view.js';
import { sweepIsScheduled } from './scheduled.js';
import { TrustedTrials, distrustMessage } from './trusted-trials.js';

export interface RetryOutcome {
  requeued: string[];
  /** Trials that match but whose record holds no config (written before records carried one). */
  skipped: string[];
  /** Trials whose record contradicts the sweep record (./trusted-trials.ts): left as they are, a warning each. */
  tampered: string[];
  /** Trials whose config the sweep record cannot vouch for (over 10,000 trials, spec not re-expandable): left as they are. */
  unverified: string[];
}

/**
 * Requeues FAILED trials (and STOPPED ones unless `onlyFailed`), one job each, attempts continue to count; a
 * cancelled sweep runs again, its running trials included. PRUNED
 * trials stay as the scheduler left them. A trial is requeued only when its record's config is the trial's own
 * (TrustedTrials): workers write records, and a job runs code on every worker of the pool.
 */
export async function retryTrials(
  nc: NatsConnection,
  sweepId: string,
  opts: { onlyFailed: boolean; pool: string; maxDeliver: number; checkpointEvery: number; log?: Logger },
): Promise<RetryOutcome> {
  const log = opts.log ?? createLogger('retry');
  const sweeps = await SweepStore.open(nc);
  const sweep = await sweeps.get(sweepId);
  if (!sweep) throw new UnknownSweepError(`no sweep "${sweepId}" on this broker; see \`sweep list\``);
  const scheduled = sweepIsScheduled(sweep.value);
  const trust = TrustedTrials.of(sweepId, sweep.value);
  const trials = await TrialStore.open(nc);
  // Before the snapshot: an owner that reads the sweep's status after this keeps running, and one that read
  // CANCELLED before it and writes STOPPED after the snapshot reads it again and requeues its trial (worker settle.ts).
  const resumed = sweep.value.status === 'CANCELLED';
  if (resumed) await sweeps.setStatus(sweepId, 'RUNNING');
  const wanted: TrialStatus[] = opts.onlyFailed ? ['FAILED'] : ['FAILED', 'STOPPED'];
  const records = [...(await trials.snapshot(sweepId)).values()].filter((r) => wanted.includes(r.status));
  const requeue: JobTrial[] = [];
  const out: RetryOutcome = { requeued: [], skipped: [], tampered: [], unverified: [] };
  for (const r of records) {
    if (!r.config) {
      out.skipped.push(r.trialId);
      continue;
    }
    const t = trust.check(r);
    if (!t.trusted) {
      (t.kind === 'tampered' ? out.tampered : out.unverified).push(r.trialId);
      log.warn({ sweepId, trialId: r.trialId, refused: t.kind }, distrustMessage(r.trialId, sweepId, t));
      continue;
    }
    const res = await trials.mutate(sweepId, r.trialId, (cur) => (cur ? transition(cur, { type: 'retry', statuses: wanted }) : null));
    if (res.changed && res.record) requeue.push(t.trial);
  }
  if (requeue.length > 0 && !resumed) await sweeps.setStatus(sweepId, 'RUNNING');
  const settings = { maxDeliver: opts.maxDeliver, checkpointEvery: opts.checkpointEvery, scheduled };
  // A trial whose old job is still in the stream (a term that never reached the broker) keeps that one.
  await publishTrialJobs(nc, opts.pool, requeue.map((trial) => buildJob(sweepId, trial, settings)));
  out.requeued = requeue.map((trial) => trial.trialId);
  return out;
}
