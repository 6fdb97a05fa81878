import type { JsMsg } from 'nats';
import type { Logger } from '../../log.js';
import { isTerminal, transition } from '../../domain/trial-state.js';
import type { JobMessage } from '../../domain/job.js';
import type { TrialRecord } from '../../domain/trial-record.js';
import { TrialRecordWriter } from '../record-writer.js';
import { recordForJob } from '../trial-records.js';
import { iso, type RunnerContext } from './context.js';

/** A fresh trial's RUNNING record is written this long after it starts (or with its first write). */
export const CLAIM_DELAY_MS = 200;

/**
 * Claims the trial for this attempt and returns the writer of its record, or null when the trial has already
 * finished (a duplicate delivery, to be acknowledged).
 */
export async function claimTrial(job: JobMessage, msg: JsMsg, ctx: Pick<RunnerContext, 'trials' | 'workerId'>, log: Logger): Promise<TrialRecordWriter | null> {
  const { sweepId, trialId } = job;
  const delivery = msg.info.redeliveryCount;
  const claim = (cur: TrialRecord | null) =>
    transition(recordForJob(cur, job), {
      type: 'claim', worker: ctx.workerId, delivery, at: iso(), jobSeq: msg.seq,
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
    log.info({ status: res.record?.status }, 'trial already finished: duplicate delivery acknowledged');
    return null;
  }
  return TrialRecordWriter.claimed(ctx.trials, sweepId, trialId, { value: res.record, revision: res.revision });
}
