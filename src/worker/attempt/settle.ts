/**
 * How an attempt ends: each function makes the fenced record write first, then acks, naks or terms the delivery,
 * then publishes and logs. A refused write (LeaseLostError) ends in abandon(): the stale delivery is left alone.
 */
import type { JsMsg } from 'nats';
import type { Logger } from '../../log.js';
import { isRetryable } from '../../domain/errors.js';
import { budgetedHistory, transition } from '../../domain/trial-state.js';
import { failedAttempts } from '../../domain/attempt-history.js';
import type { BlobRef } from '../../domain/blobs.js';
import type { CheckpointRef } from '../../domain/blobs.js';
import type { JobEnvelope, JobMessage } from '../../domain/job.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { PruneDecision } from '../../domain/scheduler.js';
import { unstartedTrialRecord } from '../../domain/trial-record.js';
import { retryDelayMs } from '../errors.js';
import type { SettledRun } from './run-types.js';
import { TrainingFailedError } from '../trainer/trainer-process.js';
import { iso, type JobOutcome, type RunnerContext } from './context.js';
import { LeaseLostError, type AttemptLease } from './lease.js';

/** What settling an attempt's delivery needs. */
export interface Settling {
  job: JobMessage;
  msg: JsMsg;
  lease: AttemptLease;
  ctx: Pick<RunnerContext, 'events' | 'workerId' | 'models' | 'checkpoints' | 'sweepStatus' | 'trials'>;
  log: Logger;
}

/**
 * A job this worker cannot read (a config of another version, a family it does not know): terminated. When the
 * job still names its trial, the trial is FAILED with the reason, so the sweep does not wait for it forever.
 */
export async function rejectMalformed(msg: JsMsg, err: Error, envelope: JobEnvelope | null, ctx: Pick<RunnerContext, 'trials'>, log: Logger): Promise<JobOutcome> {
  if (envelope) {
    const text = `${err.name}: ${err.message}`;
    await ctx.trials.mutate(envelope.sweepId, envelope.trialId, (cur) => transition(cur ?? unstartedTrialRecord(envelope), { type: 'give-up', at: iso(), error: text }));
  }
  msg.term();
  log.error({ err, subject: msg.subject, seq: msg.seq, trialId: envelope?.trialId }, 'malformed job terminated');
  return 'malformed';
}

/**
 * Drained, not decided: give the job back for another worker, which resumes from the last checkpoint. A cancel
 * beats a drain: in a cancelled sweep (read fresh, its queue is purged) the trial is STOPPED instead.
 */
export async function requeueDrained(settling: Settling): Promise<JobOutcome> {
  const { job, msg, lease, ctx, log } = settling;
  if ((await ctx.sweepStatus.getFresh(job.sweepId)) === 'CANCELLED') {
    const before = lease.current.checkpoints;
    await lease.write({ type: 'stop', owner: lease.owner, at: iso() });
    await ctx.checkpoints.deleteAll(notKept(before, lease.current.checkpoints));
    if (await resumedAfterStop(settling)) return 'requeued';
    msg.ack();
    ctx.events.publish({ v: 1, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status: 'STOPPED', at: iso() });
    log.info({ attempt: lease.owner.attempt }, 'sweep cancelled: drained trial stopped, not requeued');
    return 'stopped';
  }
  await lease.write({ type: 'requeue', owner: lease.owner, at: iso(), error: null });
  msg.nak(0);
  log.info({ attempt: lease.owner.attempt }, 'worker draining: trial requeued');
  return 'requeued';
}

/** COMPLETED or STOPPED (cancelled, early stopping): weights stored, record written, job acked, checkpoints deleted. */
export async function finish(settling: Settling, outcome: SettledRun, checkpoints: CheckpointRef[]): Promise<JobOutcome> {
  const { job, msg, lease, ctx, log } = settling;
  const { owner } = lease;
  const status = outcome.stopReason === 'stopped' ? 'STOPPED' : 'COMPLETED';
  const model: BlobRef | null = outcome.weights
    ? await ctx.models.putWeights(job.sweepId, job.trialId, owner.attempt, outcome.weights)
    : outcome.programModel && status === 'COMPLETED'
      ? await ctx.models.putProgramModel(job.sweepId, job.trialId, owner.attempt, outcome.programModel)
      : null;
  await lease.write({ type: 'finish', owner, at: iso(), status, epochs: outcome.epochs, result: outcome.result, model }).catch(async (e: unknown) => {
    // Refused: the weights just stored (named by this attempt) are in no record; the owner's attempt stores its own.
    if (e instanceof LeaseLostError && model) await ctx.models.delete(model).catch(() => undefined);
    throw e;
  });
  if (status === 'STOPPED') {
    await ctx.checkpoints.deleteAll(notKept(checkpoints, lease.current.checkpoints));
    if (await resumedAfterStop(settling)) return 'requeued';
    msg.ack();
  } else {
    msg.ack();
    await ctx.checkpoints.deleteAll(notKept(checkpoints, lease.current.checkpoints));
  }
  ctx.events.publish({ v: 1, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status, at: iso() });
  log.info({ attempt: owner.attempt, status, epochs: outcome.epochs.length, bestEpoch: outcome.result.bestEpoch }, 'trial finished');
  return status === 'COMPLETED' ? 'completed' : 'stopped';
}

/**
 * The attempt has just written STOPPED because it read the sweep CANCELLED. A `sweep retry` may have set the sweep
 * RUNNING after that read and snapshotted the trials before the write: it saw this trial RUNNING, so it did not
 * requeue it, and nobody else would. Reading the status again after the write closes the gap: when the sweep runs
 * again, the trial goes back to QUEUED (unless the retry got there first) and the delivery is given back, still in the
 * stream because a cancel keeps the jobs of running trials (transport/job-queue.ts purgeSweepJobs). True when it did.
 */
async function resumedAfterStop({ job, msg, ctx, log }: Settling): Promise<boolean> {
  if ((await ctx.sweepStatus.getFresh(job.sweepId)) === 'CANCELLED') return false;
  const res = await ctx.trials.mutate(job.sweepId, job.trialId, (cur) => (cur ? transition(cur, { type: 'retry', statuses: ['STOPPED'] }) : null));
  // Claimed by another worker already (the retry requeued it and this delivery went past ack_wait): leave it to them.
  if (res.record?.status === 'QUEUED') msg.nak(0);
  log.info({ trialId: job.trialId, status: res.record?.status }, 'sweep retried while this trial stopped for its cancel: trial requeued');
  return true;
}

/**
 * The scheduler stopped the trial (its PruneDecision applied at an epoch boundary): PRUNED, job acked (never
 * requeued). The record keeps the epochs trained and its checkpoints (a later resume of pruned trials starts from
 * them; they go when the sweep ends), and the trainer's partial result, an evaluation of the weights at the stop,
 * marked `stopReason: 'pruned'` (null when the attempt pruned before training: `trained.result` null). No final
 * weights are stored. The `finished` event is v2: v1 decoders do not know PRUNED.
 */
export async function prune(
  { job, msg, lease, ctx, log }: Settling,
  trained: { epochs: EpochMetrics[]; result: SettledRun['result'] | null },
  decision: PruneDecision,
): Promise<JobOutcome> {
  const { owner } = lease;
  const result = trained.result ? { ...trained.result, stopReason: 'pruned' } : null;
  await lease.write({ type: 'prune', owner, at: iso(), epochs: trained.epochs, result });
  msg.ack();
  ctx.events.publish({ v: 2, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status: 'PRUNED', at: iso() });
  log.info(
    { attempt: owner.attempt, epochs: trained.epochs.length, scheduler: decision.scheduler, group: decision.group, decisionEpoch: decision.epoch, value: decision.value, cutoff: decision.cutoff },
    'trial pruned',
  );
  return 'pruned';
}

/**
 * Training failed: FAILED (job terminated) when retrying cannot help or this failure spends the retry budget (the
 * attempts that failed, from the record's history: domain/attempt-history.ts), else requeued with a backoff (nak). The error is logged as an Error (its stack survives); the record keeps its one-line text.
 */
export async function fail(s: Settling, delivery: number, err: Error): Promise<JobOutcome> {
  const { job, msg, lease, ctx, log } = s;
  const { owner } = lease;
  const unrecoverable = !isRetryable(err);
  const text = err instanceof TrainingFailedError ? err.message : `${err.name}: ${err.message}`;
  // This failure counts too.
  const failures = failedAttempts(budgetedHistory(lease.current)) + 1;
  try {
    if (unrecoverable || failures >= job.maxDeliver) {
      const before = lease.current.checkpoints;
      await lease.write({ type: 'fail', owner, at: iso(), error: text }, { fresh: true });
      msg.term();
      await ctx.checkpoints.deleteAll(notKept(before, lease.current.checkpoints)).catch(() => undefined);
      ctx.events.publish({ v: 1, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status: 'FAILED', at: iso(), error: text });
      log.error({ attempt: owner.attempt, err, delivery, failures, maxDeliver: job.maxDeliver }, 'trial failed');
      return 'failed';
    }
    await lease.write({ type: 'requeue', owner, at: iso(), error: text }, { fresh: true });
  } catch (e) {
    if (e instanceof LeaseLostError) return abandon(lease);
    throw e;
  }
  const delay = retryDelayMs(failures);
  msg.nak(delay);
  log.warn({ attempt: owner.attempt, err, delivery, failures, retryInMs: delay }, 'trial error: requeued');
  return 'requeued';
}

/** No ack, nak or term: the delivery is stale, and the job belongs to the attempt that owns the trial. */
export function abandon(lease: AttemptLease): JobOutcome {
  lease.lose(null);
  return 'abandoned';
}

/** The checkpoints of `before` that the record no longer names (after its fenced write): theirs to delete. */
function notKept(before: readonly CheckpointRef[], kept: readonly CheckpointRef[]): CheckpointRef[] {
  const names = new Set(kept.map((c) => c.name));
  return before.filter((c) => !names.has(c.name));
}
