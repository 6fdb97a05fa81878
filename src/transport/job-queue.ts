import type { NatsConnection } from 'nats';
import { AsyncPublisher } from './async-publisher.js';
import { JOBS_STREAM, consumerName, jobSubject, sweepJobsFilter } from './names.js';
import { encodeJson } from './codecs.js';
import type { JobMessage } from '../domain/job.js';

export interface PublishOutcome {
  published: number;
  /** Jobs the broker recognised as already queued (same Msg-Id within the duplicate window). */
  duplicates: number;
}

/**
 * Publishes jobs with Msg-Id = `<sweepId>.<msgId(job)>` (msgId defaults to the trial ID), keeping up to
 * `inFlight` publishes outstanding:
 * one by one would cap us at the round-trip rate.
 */
export async function publishJobs(
  nc: NatsConnection,
  pool: string,
  jobs: Iterable<JobMessage>,
  opts: { inFlight?: number; msgId?: (job: JobMessage) => string; onProgress?: (done: number) => void } = {},
): Promise<PublishOutcome> {
  const inFlight = opts.inFlight ?? 256;
  const msgId = opts.msgId ?? ((j: JobMessage) => j.trialId);
  // Trial IDs hash the config only, so two sweeps can share one: scoping the Msg-Id by sweep keeps the
  // broker's duplicate window from dropping the second sweep's jobs as copies of the first's.
  const scopedMsgId = (j: JobMessage) => `${j.sweepId}.${msgId(j)}`;
  const publisher = new AsyncPublisher(nc);
  const outcome: PublishOutcome = { published: 0, duplicates: 0 };
  let done = 0;
  let failure = null as Error | null; // set in publish callbacks: keep TS from narrowing it to null
  const settled = () => {
    done++;
    if (done % 1000 === 0) opts.onProgress?.(done);
  };
  let wake: (() => void) | null = null;
  try {
    for (const job of jobs) {
      while (publisher.inFlight >= inFlight && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) break;
      publisher.publish(jobSubject(pool, job.sweepId), encodeJson(job), scopedMsgId(job)).then(
        (ack) => {
          if (ack.duplicate) outcome.duplicates++;
          else outcome.published++;
          settled();
          wake?.();
        },
        (e: Error) => {
          failure ??= e;
          wake?.();
        },
      );
    }
    while (publisher.inFlight > 0 && !failure) await new Promise<void>((r) => (wake = r));
  } finally {
    publisher.close();
  }
  if (failure) throw failure;
  opts.onProgress?.(done);
  return outcome;
}

/** Removes every queued job of a sweep (cancel). */
export async function purgeSweepJobs(nc: NatsConnection, sweepId: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const res = await jsm.streams.purge(JOBS_STREAM, { filter: sweepJobsFilter(sweepId) });
  return res.purged;
}

/** Jobs of a sweep still in the queue, in any pool: waiting, or delivered and not yet acked or terminated. */
export async function queuedJobsOfSweep(nc: NatsConnection, sweepId: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

/** Jobs waiting (not yet delivered) for a pool's consumer. */
export async function pendingJobs(nc: NatsConnection, pool: string): Promise<{ pending: number; inProgress: number }> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.info(JOBS_STREAM, consumerName(pool));
  return { pending: info.num_pending, inProgress: info.num_ack_pending };
}
