import type { JsMsg } from 'nats';
import { coerceError } from '../log.js';
import { decodeJson } from '../transport/codecs.js';
import { jobEnvelopeSchema, jobMessageSchema, type JobEnvelope, type JobMessage } from '../domain/job.js';
import { AckExtender } from './ack-extender.js';
import { Attempt } from './attempt/attempt.js';
import { claimTrial } from './attempt/claim.js';
import type { JobOutcome, RunnerContext } from './attempt/context.js';
import { giveUp, rejectMalformed } from './attempt/settle.js';

export type { JobOutcome, RunnerContext } from './attempt/context.js';
export { LeaseLostError, heartbeatIntervalMs } from './attempt/lease.js';

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
  // The previous deliveries died without reporting (worker killed, out of memory): give up on this trial.
  if (delivery > job.maxDeliver) return giveUp(job, msg, ctx, log, delivery);
  // Claim: the record says RUNNING on this worker with a new attempt number, the fencing token of every write.
  const writer = await claimTrial(job, msg, ctx, log);
  if (!writer) {
    msg.ack();
    return 'skipped';
  }
  const attempt = new Attempt(job, writer, ctx, log);
  const extender = new AckExtender(msg, ctx.ackWaitMs, () => ctx.onLeaseRenewalFailure?.(), ctx.connected).start();
  ctx.active.add(attempt);
  try {
    // Restore, train (recording each epoch), settle: see ./attempt/.
    return await attempt.run(msg, delivery);
  } finally {
    ctx.active.delete(attempt);
    extender.stop();
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
