import type { JsMsg } from 'nats';
import { coerceError } from '../log.js';
import { decodeJson } from '../transport/codecs.js';
import { jobEnvelopeSchema, jobMessageSchema, type JobEnvelope, type JobMessage } from '../domain/job.js';
import { Attempt } from './attempt/attempt.js';
import { claimTrial } from './attempt/claim.js';
import type { JobOutcome, RunnerContext } from './attempt/context.js';
import { rejectMalformed } from './attempt/settle.js';

export type { JobOutcome, RunnerContext } from './attempt/context.js';
export { LeaseLostError } from './attempt/lease.js';

/**
 * Runs one delivered job to an ack, nak or term, or, when its lease was lost to another attempt, to none of
 * them (the stale delivery is left alone: acking it would remove the job the live owner holds). Every outcome
 * is recorded; throws only when the broker fails under it (the job is then redelivered after ack_wait).
 */
export async function runJob(msg: JsMsg, ctx: RunnerContext): Promise<JobOutcome> {
  let job: JobMessage;
  try {
    job = decodeJson(msg.data, jobMessageSchema, `job on ${msg.subject}`);
  } catch (e) {
    return rejectMalformed(msg, coerceError(e), readEnvelope(msg), ctx, ctx.log);
  }
  const log = ctx.log.child({ sweepId: job.sweepId, trialId: job.trialId });
  const delivery = msg.info.redeliveryCount;
  // Claim: the record says RUNNING on this worker with a new attempt number, the fencing token of every write; or
  // FAILED when the retry budget is spent; or nothing, for a delivery that is not the trial's current job.
  const claimed = await claimTrial(job, msg, ctx, log);
  if (claimed === 'skipped' || claimed === 'failed') return claimed;
  const writer = claimed;
  const attempt = new Attempt(job, writer, ctx, log);
  const release = ctx.leases.hold({ msg, heartbeat: () => attempt.heartbeat(), abort: () => attempt.abort() });
  try {
    // Restore, train (recording each epoch), settle: see ./attempt/.
    return await attempt.run(msg, delivery);
  } finally {
    release();
    writer.stop();
  }
}

function readEnvelope(msg: JsMsg): JobEnvelope | null {
  try {
    return decodeJson(msg.data, jobEnvelopeSchema, 'job envelope');
  } catch {
    return null;
  }
}
