import type { JsMsg } from 'nats';
import type { Logger } from '../../log.js';
import { isTerminal, transition } from '../../domain/trial-state.js';
import type { JobMessage } from '../../domain/job.js';
import type { TrialRecord } from '../../domain/trial-record.js';
import { TrialRecordWriter } from '../record-writer.js';
import { recordForJob } from '../trial-records.js';
import { iso, type RunnerContext } from './context.js';
import { liveOwnerWindowMs } from '../lease-keeper.js';

/** A fresh trial's RUNNING record is written this long after it starts (or with its first write). */
export const CLAIM_DELAY_MS = 200;

/**
 * Claims the trial for this attempt and returns the writer of its record. Or, having settled the delivery itself:
 * 'skipped' (acked) when the trial has finished or a live owner holds it with another job, 'failed' (terminated)
 * when the attempts that failed have spent the retry budget (the record says FAILED, with its history).
 */
export async function claimTrial(
  job: JobMessage,
  msg: JsMsg,
  ctx: Pick<RunnerContext, 'trials' | 'workerId' | 'leases' | 'events'>,
  log: Logger,
): Promise<TrialRecordWriter | 'skipped' | 'failed'> {
  const { sweepId, trialId } = job;
  const delivery = msg.info.redeliveryCount;
  const liveSince = new Date(Date.now() - liveOwnerWindowMs(ctx.leases.ackWaitMs)).toISOString();
  const claim = (cur: TrialRecord | null) =>
    transition(recordForJob(cur, job), {
      type: 'claim', worker: ctx.workerId, delivery, at: iso(), jobSeq: msg.seq, liveSince, maxFailures: job.maxDeliver,
      ...(job.publishedAt !== undefined ? { queueLatencyMs: Math.max(0, Date.now() - job.publishedAt) } : {}),
    });
  if (delivery === 1 && job.fresh === true) {
    // No record existed when this was published, and nobody ran it before: claim it a moment after it starts.
    const record = claim(null)!;
    return TrialRecordWriter.deferred(ctx.trials, sweepId, trialId, record, CLAIM_DELAY_MS, (err) =>
      log.warn({ err }, 'claim not written: the next record write retries it'),
    );
  }
  // A first delivery usually finds no record: try a create straight away (a lost race falls back to a read).
  const res = await ctx.trials.mutate(sweepId, trialId, (cur) => (cur && isTerminal(cur.status) ? null : claim(cur)), delivery === 1 ? null : undefined);
  if (!res.changed || !res.record) {
    const held = res.record?.status === 'RUNNING';
    log.info(
      { status: res.record?.status, owner: res.record?.worker, ownerJobSeq: res.record?.jobSeq, seq: msg.seq },
      held ? 'trial held by a live attempt with another job: delivery dropped' : 'trial already finished: duplicate delivery acknowledged',
    );
    msg.ack();
    return 'skipped';
  }
  if (res.record.status === 'FAILED') {
    msg.term();
    const error = res.record.error ?? 'retry budget spent';
    ctx.events.publish({ v: 1, type: 'finished', sweepId, trialId, worker: ctx.workerId, status: 'FAILED', at: iso(), error });
    log.error({ delivery, history: res.record.history.map((h) => `${h.attempt}:${h.outcome}`).join(' ') }, error);
    return 'failed';
  }
  return TrialRecordWriter.claimed(ctx.trials, sweepId, trialId, { value: res.record, revision: res.revision });
}
