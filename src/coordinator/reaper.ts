import { nanos, type JetStreamManager, type NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { isTerminal, transition } from '../domain/trial-state.js';
import { DEFAULTS } from '../spec/defaults.js';
import { JOBS_STREAM, consumerName } from '../transport/names.js';
import { TrialStore } from '../transport/trial-store.js';
import { SweepStore } from '../transport/sweep-store.js';
import { deleteAckedJobs, purgeTrialJob, trialsWithJobs } from '../transport/job-queue.js';
import { buildJob, publishTrialJobs } from './jobs.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { sweepIsScheduled } from './scheduled.js';
import { startPeriodicPass } from './periodic-pass.js';
import { TrustedTrials, distrustMessage } from './trusted-trials.js';

/**
 * The reaper: requeues a RUNNING trial whose heartbeat is stale and whose job message is gone from the JOBS
 * stream, gives a QUEUED trial with no job one, and stops the trials of a cancelled sweep that a drain requeued or
 * whose owner died. That state needs a stale ack (a zombie, or a bug, acking delivery 1 after delivery 2 went out removes
 * the message on a work-queue stream) followed by the death of the live holder: nothing would ever redeliver the
 * job, and the trial would stay RUNNING forever. A trial whose job is still in the stream is never reaped: the
 * broker redelivers it after ack_wait by itself. Every job it publishes is checked first (./trusted-trials.ts): a record
 * is written by workers, so its config becomes a job only when it is the config of one of the sweep's trials.
 */

export interface ReaperSettings {
  /** The sweep's ack_wait (spec execution.ack_wait_ms): workers heartbeat every max(1 s, ack_wait). */
  ackWaitMs: number;
  pool: string;
  /** Written into republished jobs (spec execution.max_deliver / checkpoint_every). */
  maxDeliver: number;
  checkpointEvery: number;
  /** Time between passes; default max(1 s, ack_wait). */
  intervalMs?: number;
}

export interface ReaperOptions extends ReaperSettings {
  sweepId: string;
  log: Logger;
}

export interface Reaper {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
  /** One pass now (not overlapping a timer pass); resolves with the number of trials reaped. `now` is for tests. */
  sweepOnce(now?: number): Promise<number>;
}

/** The fields of a trial record the candidate test reads. */
export type ReapableRecord = Pick<TrialRecord, 'trialId' | 'index' | 'status' | 'attempt' | 'heartbeatAt' | 'jobSeq' | 'config'>;

export interface ReapCandidate {
  trialId: string;
  attempt: number;
  jobSeq: number;
  heartbeatAt: string | null;
}

/**
 * How old a heartbeat must be before its trial is suspect: three heartbeat periods (a worker writes one every
 * max(1 s, ack_wait)), so a write or two lost to a slow broker does not make a live trial look dead.
 */
export function staleAfterMs(ackWaitMs: number): number {
  return 3 * Math.max(1_000, ackWaitMs);
}

/**
 * The records the reaper must check against the stream (pure): RUNNING, with a job sequence, a config to rebuild
 * the job from, and a heartbeat older than `staleBefore` (epoch ms; a missing heartbeat counts as stale, as in the
 * state machine's `reap`). A record without `jobSeq` is never a candidate: it was claimed by a worker that
 * predates the field, and so (a) there is no way to tell which message its attempt holds, hence whether the job
 * is gone, and (b) such workers did not write periodic heartbeats, so a stale heartbeat says nothing about
 * whether it is alive. A record without a config cannot be republished. An unparseable heartbeat is not stale.
 */
export function reapCandidates(records: Iterable<ReapableRecord>, staleBefore: number): ReapCandidate[] {
  const out: ReapCandidate[] = [];
  for (const r of records) {
    if (r.status !== 'RUNNING' || typeof r.jobSeq !== 'number' || !r.config) continue;
    if (r.heartbeatAt !== null && !(Date.parse(r.heartbeatAt) < staleBefore)) continue;
    out.push({ trialId: r.trialId, attempt: r.attempt, jobSeq: r.jobSeq, heartbeatAt: r.heartbeatAt });
  }
  return out;
}

/** The settings of a sweep from its stored (validated) spec, for a coordinator that has no spec file (attach). */
export function reaperSettingsFromSpec(spec: unknown): ReaperSettings {
  const e = (typeof spec === 'object' && spec !== null ? (spec as { execution?: unknown }).execution : undefined) ?? {};
  const field = <T>(name: string, ok: (v: unknown) => v is T): T | undefined => {
    const v = (e as Record<string, unknown>)[name];
    return ok(v) ? v : undefined;
  };
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const isPositiveCount = (v: unknown): v is number => isCount(v) && v > 0;
  const d = DEFAULTS.execution;
  return {
    ackWaitMs: Math.round((field('ack_wait_s', isNumber) ?? d.ack_wait_s) * 1000),
    pool: field('pool', isString) ?? d.pool,
    maxDeliver: field('max_deliver', isPositiveCount) ?? d.max_deliver,
    checkpointEvery: field('checkpoint_every', isCount) ?? d.checkpoint_every,
  };
}

/** Starts a reaper for one sweep: a pass every `intervalMs` until stop(). */
export function startReaper(nc: NatsConnection, opts: ReaperOptions): Reaper {
  const intervalMs = opts.intervalMs ?? Math.max(1_000, opts.ackWaitMs);
  const log = opts.log.child({ component: 'reaper', sweepId: opts.sweepId });
  let handles: Handles | null = null;
  const open = async (): Promise<Handles> =>
    (handles ??= { trials: await TrialStore.open(nc), sweeps: await SweepStore.open(nc), jsm: await nc.jetstreamManager(), trust: null, refusals: new Set() });
  const passes = startPeriodicPass<number, number>(
    intervalMs,
    async (now) => reapPass(nc, await open(), opts, log, now ?? Date.now()),
    (e) => log.warn({ err: coerceError(e).message }, 'reaper pass failed: trying again at the next one'),
  );
  return { stop: () => passes.stop(), sweepOnce: (now?: number) => passes.runNow(now) };
}

interface Handles {
  trials: TrialStore;
  sweeps: SweepStore;
  jsm: JetStreamManager;
  /** Kept while the sweep record is the same, so a re-expanded spec (over 10,000 trials) is expanded once. */
  trust: TrustedTrials | null;
  /** Warnings given so far (a refused record, an acked job that cannot be deleted): each once, not at every pass. */
  refusals: Set<string>;
}

async function reapPass(nc: NatsConnection, handles: Handles, opts: ReaperOptions, log: Logger, now: number): Promise<number> {
  const { trials, sweeps, jsm } = handles;
  const { sweepId } = opts;
  const sweep = await sweeps.get(sweepId);
  const cancelled = sweep?.value.status === 'CANCELLED';
  const records = await trials.snapshot(sweepId);
  const ghosts = await deleteAckedJobs(nc, opts.pool, sweepId, (trialId) => {
    const r = records.get(trialId);
    return r !== undefined && isTerminal(r.status);
  });
  if (ghosts.removed > 0) log.warn({ sweepId, jobs: ghosts.removed }, `removed ${ghosts.removed} job(s) of finished trials that the pool's consumer had acked but the broker still stored (a broker crash right after the ack)`);
  for (const u of ghosts.unremovable) {
    const key = `acked job\n${u.subject}\n${u.seq}`;
    if (handles.refusals.has(key)) continue;
    handles.refusals.add(key);
    log.warn({ subject: u.subject, seq: u.seq, reason: u.reason }, `a finished trial's acked job (${u.subject}) is still stored and could not be deleted: the sweep waits for it; \`nats stream rmm ${JOBS_STREAM} <seq>\` removes it`);
  }
  if (!needsAPass(records.values(), cancelled, now - staleAfterMs(opts.ackWaitMs))) return 0;
  // Workers heartbeat from the pool consumer's ack_wait, which may be longer than this spec's (another sweep's
  // launch raised it): judge staleness by the longer of the two.
  const consumerAckWait = await jsm.consumers
    .info(JOBS_STREAM, consumerName(opts.pool))
    .then((i) => (i.config.ack_wait ?? 0) / nanos(1))
    .catch(() => 0);
  const staleAfter = staleAfterMs(Math.max(opts.ackWaitMs, consumerAckWait));
  const staleBefore = now - staleAfter;
  const staleBeforeIso = new Date(staleBefore).toISOString();
  // A cancelled sweep's jobs were purged on purpose: its trials are stopped, never put back in the queue.
  if (cancelled) return stopCancelled(nc, opts.pool, trials, sweepId, records.values(), staleBeforeIso, log);
  const settings = { maxDeliver: opts.maxDeliver, checkpointEvery: opts.checkpointEvery, scheduled: sweep ? sweepIsScheduled(sweep.value) : false };
  const queued = await trialsWithJobs(nc, sweepId);
  const sweepRecord = sweep?.value ?? null;
  const trust = handles.trust?.sameAs(sweepRecord) ? handles.trust : (handles.trust = TrustedTrials.of(sweepId, sweepRecord));
  /** The job's trial when the record's config is the trial's own; else null, with one warning per record. */
  const trusted = (r: TrialRecord) => {
    const t = trust.check(r);
    if (t.trusted) return t.trial;
    const key = `${r.trialId}\n${t.reason}`;
    if (!handles.refusals.has(key)) {
      handles.refusals.add(key);
      log.warn({ trialId: r.trialId, status: r.status, refused: t.kind }, distrustMessage(r.trialId, sweepId, t));
    }
    return null;
  };
  let reaped = 0;
  for (const r of queuedWithoutProof(records.values(), staleBefore)) {
    if (queued.has(r.trialId)) continue;
    const trial = trusted(records.get(r.trialId)!);
    if (!trial) continue;
    // QUEUED with no job (a requeue onto a purged queue, a coordinator that died between a retry's write and its
    // publish): give it one. The broker refuses it if a job appeared meanwhile.
    const res = await publishTrialJobs(nc, opts.pool, [buildJob(sweepId, trial, settings)]);
    if (res.published === 0) continue;
    reaped++;
    log.warn({ trialId: r.trialId, attempt: r.attempt }, `trial ${r.trialId} was QUEUED with no job in the queue: published one`);
  }
  for (const c of reapCandidates(records.values(), staleBefore)) {
    if (queued.has(c.trialId)) continue;
    const trial = trusted(records.get(c.trialId)!);
    if (!trial) continue;
    const newAttempt = c.attempt + 1;
    // Published before the record changes: a coordinator that dies between the two leaves a stale RUNNING record
    // and a queued job (the next claim fixes the record), never a QUEUED trial without a job. The broker stores it
    // only while the trial has no job in the stream, so two reapers of the same trial publish one job.
    const published = await publishTrialJobs(nc, opts.pool, [buildJob(sweepId, trial, settings)]);
    if (published.published === 0) continue; // its job is still queued after all: the broker redelivers it
    const at = new Date().toISOString();
    const res = await trials.mutate(sweepId, c.trialId, (cur) =>
      cur ? transition(cur, { type: 'reap', at, staleBefore: staleBeforeIso, jobSeq: c.jobSeq }) : null,
    );
    if (!res.changed) {
      // Moved on meanwhile (finished, claimed, heartbeat came back): a claim of the job just published either
      // continues it or finds it finished and acknowledges the duplicate.
      log.info({ trialId: c.trialId, status: res.record?.status, attempt: res.record?.attempt }, 'reaper: trial moved on before it was requeued');
      continue;
    }
    reaped++;
    log.warn(
      { trialId: c.trialId, attempt: newAttempt, jobSeq: c.jobSeq, heartbeatAt: c.heartbeatAt, staleAfterMs: staleAfter },
      `trial ${c.trialId} reaped: RUNNING with a heartbeat older than ${Math.round(staleAfter / 1000)} s and its job (seq ${c.jobSeq}) gone; requeued as attempt ${newAttempt}`,
    );
  }
  return reaped;
}

/** Whether any record may need the reaper (cheap, before it reads the consumer and the stream). */
function needsAPass(records: Iterable<TrialRecord>, cancelled: boolean, staleBefore: number): boolean {
  const all = [...records];
  if (cancelled) return all.some((r) => r.status === 'QUEUED' || (r.status === 'RUNNING' && (r.heartbeatAt === null || Date.parse(r.heartbeatAt) < staleBefore)));
  return reapCandidates(all, staleBefore).length > 0 || queuedWithoutProof(all, staleBefore).length > 0;
}

/**
 * QUEUED records that have been so for a while (heartbeat, set by the requeue, older than `staleBefore`, or none)
 * and carry a config to rebuild their job from: the reaper checks that each has a job in the stream.
 */
export function queuedWithoutProof(records: Iterable<ReapableRecord>, staleBefore: number): ReapableRecord[] {
  const out: ReapableRecord[] = [];
  for (const r of records) {
    if (r.status !== 'QUEUED' || !r.config) continue;
    if (r.heartbeatAt !== null && !(Date.parse(r.heartbeatAt) < staleBefore)) continue;
    out.push(r);
  }
  return out;
}

/** The sweep was cancelled: QUEUED trials (a drain requeued them after the cancel) and RUNNING ones whose owner is gone become STOPPED, their jobs removed. */
async function stopCancelled(nc: NatsConnection, pool: string, trials: TrialStore, sweepId: string, records: Iterable<TrialRecord>, staleBefore: string, log: Logger): Promise<number> {
  let stopped = 0;
  const at = new Date().toISOString();
  for (const r of records) {
    if (r.status !== 'QUEUED' && r.status !== 'RUNNING') continue;
    const res = await trials.mutate(sweepId, r.trialId, (cur) => (cur ? transition(cur, { type: 'cancel', at, error: 'cancelled', staleBefore }) : null));
    if (!res.changed) continue;
    stopped++;
    // Its job, if any, was kept by the cancel for the owner that is gone (or redelivered by a drain's nak).
    await purgeTrialJob(nc, pool, sweepId, r.trialId);
    log.info({ trialId: r.trialId, was: r.status }, `trial ${r.trialId} of the cancelled sweep stopped`);
  }
  return stopped;
}
