import type { NatsConnection } from 'nats';
import { AsyncPublisher, JetStreamPublishError } from './async-publisher.js';
import { JsApiError, isNoMessageFound } from './jetstream-errors.js';
import { JOBS_STREAM, consumerName, jobSubject, sweepJobsFilter } from './names.js';
import { decodeJson, encodeJson } from './codecs.js';
import { jobMessageSchema, type JobMessage } from '../domain/job.js';

export interface PublishOutcome {
  published: number;
  /** Jobs not published because their trial already has a job in the stream (queued or delivered, not yet acked). */
  alreadyQueued: number;
  /** The stream sequence of each job published, by trial ID. */
  seqs: Map<string, number>;
}

/**
 * Publishes jobs, each on its trial's own subject and only while the stream holds no job on it (the broker checks,
 * atomically: Nats-Expected-Last-Subject-Sequence 0), keeping up to `inFlight` publishes outstanding: one by one
 * would cap us at the round-trip rate. So a trial never has two jobs at once, however often or late a launch,
 * retry or reaper publishes it, and nothing depends on the stream's duplicate window.
 */
export async function publishJobs(
  nc: NatsConnection,
  pool: string,
  jobs: Iterable<JobMessage>,
  opts: { inFlight?: number; onProgress?: (done: number) => void } = {},
): Promise<PublishOutcome> {
  const inFlight = opts.inFlight ?? 256;
  const publisher = new AsyncPublisher(nc);
  const outcome: PublishOutcome = { published: 0, alreadyQueued: 0, seqs: new Map() };
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
      publisher.publish(jobSubject(pool, job.sweepId, job.trialId), encodeJson(job), { noMessageOnSubject: true }).then(
        (ack) => {
          outcome.published++;
          outcome.seqs.set(job.trialId, ack.seq);
          settled();
          wake?.();
        },
        (e: Error) => {
          if (e instanceof JetStreamPublishError && e.errCode === JsApiError.WrongLastSequence) {
            outcome.alreadyQueued++;
            settled();
          } else failure ??= e;
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

/**
 * The job a trial has in a pool's queue now, or null when it has none (the stream keeps one job per trial, on its
 * own subject). A message on that subject that is not a job is null too.
 */
export async function queuedJobOfTrial(nc: NatsConnection, pool: string, sweepId: string, trialId: string): Promise<JobMessage | null> {
  const jsm = await nc.jetstreamManager();
  let data: Uint8Array;
  try {
    data = (await jsm.streams.getMessage(JOBS_STREAM, { last_by_subj: jobSubject(pool, sweepId, trialId) })).data;
  } catch (e) {
    if (isNoMessageFound(e)) return null;
    throw e;
  }
  try {
    return decodeJson(data, jobMessageSchema, `job of trial ${trialId}`);
  } catch {
    return null;
  }
}

/**
 * Removes every job of a sweep (cancel), except those of the trials in `keep`: a running trial keeps its job until
 * its owner settles it, so a retry that comes before the owner stops can give the delivery back (worker settle.ts).
 */
export async function purgeSweepJobs(nc: NatsConnection, sweepId: string, keep: ReadonlySet<string> = new Set()): Promise<number> {
  const jsm = await nc.jetstreamManager();
  if (keep.size === 0) return (await jsm.streams.purge(JOBS_STREAM, { filter: sweepJobsFilter(sweepId) })).purged;
  const info = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
  const subjects = Object.keys(info.state.subjects ?? {}).filter((s) => !keep.has(s.slice(s.lastIndexOf('.') + 1)));
  let purged = 0;
  // 64 purges in flight: a sweep of 10,000 queued trials is not 10,000 round trips in a row.
  for (let i = 0; i < subjects.length; i += 64) {
    const batch = subjects.slice(i, i + 64);
    const counts = await Promise.all(batch.map((filter) => jsm.streams.purge(JOBS_STREAM, { filter }).then((r) => r.purged)));
    purged += counts.reduce((a, b) => a + b, 0);
  }
  return purged;
}

/** Removes one trial's job from a pool's queue (a trial the reaper stopped in a cancelled sweep). */
export async function purgeTrialJob(nc: NatsConnection, pool: string, sweepId: string, trialId: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  return (await jsm.streams.purge(JOBS_STREAM, { filter: jobSubject(pool, sweepId, trialId) })).purged;
}

/** Jobs of a sweep still in the queue, in any pool: waiting, or delivered and not yet acked or terminated. */
export async function queuedJobsOfSweep(nc: NatsConnection, sweepId: string): Promise<number> {
  return (await trialsWithJobs(nc, sweepId)).size;
}

/** The trials of a sweep that have a job in the queue (in any pool), from one stream info call. */
export async function trialsWithJobs(nc: NatsConnection, sweepId: string): Promise<Set<string>> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
  const out = new Set<string>();
  for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
    const trialId = subject.slice(subject.lastIndexOf('.') + 1);
    if (count > 0) out.add(trialId);
  }
  return out;
}

/** Jobs waiting (not yet delivered) for a pool's consumer. */
export async function pendingJobs(nc: NatsConnection, pool: string): Promise<{ pending: number; inProgress: number }> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.info(JOBS_STREAM, consumerName(pool));
  return { pending: info.num_pending, inProgress: info.num_ack_pending };
}
