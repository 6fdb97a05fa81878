import type { JetStreamManager, NatsConnection } from 'nats';
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
  const info = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
  const subjects = Object.keys(info.state.subjects ?? {}).filter((s) => !keep.has(s.slice(s.lastIndexOf('.') + 1)));
  let removed = 0;
  // 64 subjects in flight: a sweep of 10,000 queued trials is not 10,000 round trips in a row.
  for (let i = 0; i < subjects.length; i += 64) {
    const counts = await Promise.all(subjects.slice(i, i + 64).map((subject) => deleteJobsOn(jsm, subject)));
    removed += counts.reduce((a, b) => a + b, 0);
  }
  return removed;
}

/** Removes one trial's job from a pool's queue (a trial the reaper stopped in a cancelled sweep). */
export async function purgeTrialJob(nc: NatsConnection, pool: string, sweepId: string, trialId: string): Promise<number> {
  return deleteJobsOn(await nc.jetstreamManager(), jobSubject(pool, sweepId, trialId));
}

/**
 * Deletes the messages of one job subject by sequence, never with a filtered purge: nats-server before 2.9.15
 * (Debian ships 2.9.10) moves every matching consumer past the stream's last sequence on a filtered purge that
 * empties its subject, and forgets its pending acks. The pool's consumer would then skip every job still queued
 * for the pool's other sweeps and trials, and never redeliver the running ones (found by the fault campaign: a
 * cancel of one sweep left another sweep's queued trial undelivered for good). Deleting by sequence moves no
 * consumer (server/stream.go `purge` in 2.9.10; fixed upstream in df2147bc7).
 */
async function deleteJobsOn(jsm: JetStreamManager, subject: string): Promise<number> {
  let removed = 0;
  // One job per subject as a rule; the loop also removes a stray second one.
  for (;;) {
    let seq: number;
    try {
      seq = (await jsm.streams.getMessage(JOBS_STREAM, { last_by_subj: subject })).seq;
    } catch (e) {
      if (isNoMessageFound(e)) return removed;
      throw e;
    }
    try {
      // false: no overwrite of the stored bytes; the job is gone from every reader either way.
      if (await jsm.streams.deleteMessage(JOBS_STREAM, seq, false)) removed++;
    } catch (e) {
      // Gone meanwhile (acked, or another cancel deleted it): the server refuses the delete; anything else is an error.
      if (await stillStored(jsm, seq)) throw e;
    }
  }
}

/**
 * Deletes the sweep's jobs on `pool` that were acked and came back: at or below the pool consumer's ack floor, and of
 * a trial whose record is terminal (`settled`). On a work-queue stream an acked job is removed, but a broker killed
 * (-9) right after an ack can come back with the job stored again and the ack kept in the consumer's state
 * (nats-server 2.9.10's file store; found by the fault campaign, seed 4). Such a job blocks its trial's subject (one
 * job per trial: a retry's or relaunch's publish is refused) and the sweep's end (it waits for an empty queue).
 * The floor alone is not proof of an ack: a filtered purge on nats-server 2.9.10 moves the floor past the stream's
 * end, over jobs never delivered; those trials are not terminal, so their jobs stay. Cheap when there is none: two
 * info calls.
 */
export async function deleteAckedJobs(nc: NatsConnection, pool: string, sweepId: string, settled: (trialId: string) => boolean): Promise<AckedJobsOutcome> {
  const jsm = await nc.jetstreamManager();
  const floor = (await jsm.consumers.info(JOBS_STREAM, consumerName(pool))).ack_floor.stream_seq;
  const outcome: AckedJobsOutcome = { removed: 0, unremovable: [] };
  const firstSeq = (await jsm.streams.info(JOBS_STREAM)).state.first_seq;
  if (firstSeq > floor) return outcome;
  const prefix = jobSubject(pool, sweepId, '');
  const info = await jsm.streams.info(JOBS_STREAM, { subjects_filter: sweepJobsFilter(sweepId) });
  for (const subject of Object.keys(info.state.subjects ?? {}).filter((s) => s.startsWith(prefix))) {
    if (!settled(subject.slice(prefix.length))) continue;
    const seq = await storedSeqOn(jsm, subject, firstSeq);
    if (seq === null) {
      outcome.unremovable.push({ subject, seq, reason: 'the stream counts a message on the subject but returns none' });
      continue;
    }
    if (seq > floor) continue;
    try {
      if (await jsm.streams.deleteMessage(JOBS_STREAM, seq, false)) outcome.removed++;
    } catch (e) {
      if (await stillStored(jsm, seq)) outcome.unremovable.push({ subject, seq, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return outcome;
}

export interface AckedJobsOutcome {
  removed: number;
  /** Acked jobs of settled trials that could not be deleted (the sweep's end waits on them): for the operator. */
  unremovable: { subject: string; seq: number | null; reason: string }[];
}

/**
 * The sequence of the job stored on `subject`, or null. By the subject's last message first; a store whose
 * per-subject index lost track after a crash may still find it scanning forward from the stream's first sequence.
 */
async function storedSeqOn(jsm: JetStreamManager, subject: string, firstSeq: number): Promise<number | null> {
  for (const query of [{ last_by_subj: subject }, { seq: firstSeq, next_by_subj: subject }]) {
    try {
      return (await jsm.streams.getMessage(JOBS_STREAM, query)).seq;
    } catch (e) {
      if (!isNoMessageFound(e)) throw e;
    }
  }
  return null;
}

async function stillStored(jsm: JetStreamManager, seq: number): Promise<boolean> {
  try {
    await jsm.streams.getMessage(JOBS_STREAM, { seq });
    return true;
  } catch (e) {
    if (isNoMessageFound(e)) return false;
    throw e;
  }
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
