import type { JsMsg } from 'nats';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { transition, type Owner, type TrialTransition } from '../domain/trial-state.js';
import { decodeJson, isTerminal, jobMessageSchema, type BlobRefRecord, type JobMessage, type TrialRecord } from '../transport/codecs.js';
import type { EventPublisher } from '../transport/events.js';
import type { TrialStore } from '../transport/trial-store.js';
import type { CheckpointRef, CheckpointStore } from '../transport/checkpoint-store.js';
import type { ModelStore } from '../transport/model-store.js';
import type { EpochMetrics } from '../training/types.js';
import { TrialRecordWriter } from './record-writer.js';
import { AckExtender } from './ack-extender.js';
import { isUnrecoverable, retryDelayMs } from './errors.js';
import type { SweepStatusCache } from './sweep-status-cache.js';
import { recordForJob } from './trial-records.js';
import type { TrainerPool } from './trainer/trainer-pool.js';
import { TrainingFailedError, type EpochReport, type RunHandle, type TrainerProcess } from './trainer/trainer-process.js';
import { runInline } from './trainer/inline-run.js';
import type { ActiveAttempts, LiveAttempt } from './active-attempts.js';
import type { TrainerOutcome } from './trainer/protocol.js';

export interface RunnerContext {
  /** Batches this worker's trial events (see EventPublisher). */
  events: EventPublisher;
  trials: TrialStore;
  workerId: string;
  log: Logger;
  ackWaitMs: number;
  /** True once the worker drains (SIGTERM): running trials stop at the next batch boundary and are requeued. */
  isDraining: () => boolean;
  /** Registry of running attempts: one heartbeat timer for all, and the drain's abort. */
  active: ActiveAttempts;
  trainers: TrainerPool;
  sweepStatus: SweepStatusCache;
  checkpoints: CheckpointStore;
  models: ModelStore;
  connected: () => boolean;
  onCheckpoint?: (bytes: number, seconds: number) => void;
  /** Called with each finished epoch (metrics endpoint, progress). */
  onEpoch?: (m: EpochMetrics) => void;
  onLeaseRenewalFailure?: () => void;
  onLeaseLost?: () => void;
}

export type JobOutcome = 'completed' | 'stopped' | 'failed' | 'requeued' | 'skipped' | 'malformed' | 'abandoned';

/** A fenced write was refused: another attempt owns the trial now. This attempt must stop and touch nothing. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

const iso = () => new Date().toISOString();
const RECORD_EVERY_MS = 1_000;
/** A fresh trial's RUNNING record is written this long after it starts (or with its first write). */
const CLAIM_DELAY_MS = 200;

/**
 * Runs one delivered job to an ack, nak or term, or, when its lease was lost to another attempt, to none of
 * them (the stale delivery is left alone: acking it would remove the job the live owner holds). Every outcome
 * is recorded; throws only when the broker fails under it (the job is then redelivered after ack_wait).
 */
export async function runJob(msg: JsMsg, ctx: RunnerContext): Promise<JobOutcome> {
  let job: JobMessage;
  try {
    job = decodeJson<JobMessage>(msg.data, jobMessageSchema, `job on ${msg.subject}`);
  } catch (e) {
    ctx.log.error({ err: coerceError(e).message, subject: msg.subject, seq: msg.seq }, 'malformed job terminated');
    msg.term();
    return 'malformed';
  }
  const log = ctx.log.child({ sweepId: job.sweepId, trialId: job.trialId });
  const delivery = msg.info.redeliveryCount;
  const { sweepId, trialId } = job;

  if (delivery > job.maxDeliver) {
    // The previous deliveries died without reporting (worker killed, out of memory): give up on this trial.
    const text = `gave up after ${job.maxDeliver} deliveries (execution.max_deliver) without a result`;
    await ctx.trials.mutate(sweepId, trialId, (cur) => (cur ? transition(cur, { type: 'give-up', at: iso(), error: text }) : null));
    msg.term();
    log.error({ delivery }, text);
    return 'failed';
  }
  const writer = await claimTrial(job, msg, ctx, log);
  if (!writer) {
    msg.ack();
    return 'skipped';
  }
  const owner: Owner = { worker: ctx.workerId, attempt: writer.current.attempt };
  const attempt = new Attempt(job, owner, writer, ctx, log);
  const extender = new AckExtender(msg, ctx.ackWaitMs, () => ctx.onLeaseRenewalFailure?.(), ctx.connected).start();
  ctx.active.add(attempt);
  try {
    return await attempt.run(msg, delivery);
  } finally {
    ctx.active.delete(attempt);
    extender.stop();
    writer.stop();
  }
}

/** Heartbeats every max(1 s, ack_wait): the reaper calls a trial stale after 3 of them. */
export const heartbeatIntervalMs = (ackWaitMs: number) => Math.max(1_000, ackWaitMs);

/** One attempt at a trial: every write it makes holds only while it still owns the trial (see domain/trial-state). */
class Attempt implements LiveAttempt {
  private lost = false;
  private cancelled = false;
  private run_: RunHandle | null = null;
  private checkpoints: CheckpointRef[];
  private epochsSeen: EpochMetrics[] = [];
  private lastRecordAt = Date.now();
  private lastWriteAt = Date.now();
  private aborted = false;

  constructor(
    private readonly job: JobMessage,
    private readonly owner: Owner,
    private readonly writer: TrialRecordWriter,
    private readonly ctx: RunnerContext,
    private readonly log: Logger,
  ) {
    this.checkpoints = writer.current.checkpoints;
  }

  /** A compare-and-set that holds only while this attempt owns the trial; a refusal loses the lease. */
  private async fenced(event: TrialTransition<TrialRecord>, opts: { fresh?: boolean } = {}): Promise<void> {
    if (this.lost) throw new LeaseLostError(`attempt ${this.owner.attempt} no longer owns the trial`);
    const res = await this.writer.write((cur) => transition(cur, event), opts);
    this.lastWriteAt = Date.now();
    if (!res.changed) {
      this.loseLease(res.record);
      throw new LeaseLostError(`attempt ${this.owner.attempt} no longer owns the trial`);
    }
  }

  private loseLease(now: TrialRecord | null): void {
    if (this.lost) return;
    this.lost = true;
    this.ctx.onLeaseLost?.();
    this.log.warn({ attempt: this.owner.attempt, status: now?.status, owner: now?.worker, ownerAttempt: now?.attempt }, `lease lost: attempt ${this.owner.attempt} abandoned`);
    this.run_?.abort();
  }

  /** Drain: stop at the next batch boundary; the run then requeues the trial. */
  abort(): void {
    this.aborted = true;
    this.run_?.abort();
  }

  /** Periodic, so an epoch of any length never looks stale to the reaper; a refusal stops a zombie at once. */
  heartbeat(): void {
    // A write since the last tick was a heartbeat already (every fenced write carries one's worth of news).
    if (this.lost || Date.now() - this.lastWriteAt < heartbeatIntervalMs(this.ctx.ackWaitMs) / 2) return;
    this.fenced({ type: 'progress', owner: this.owner, at: iso() }).catch((e: unknown) => {
      if (!(e instanceof LeaseLostError)) this.log.warn({ err: coerceError(e).message }, 'heartbeat not written');
    });
  }

  async run(msg: JsMsg, delivery: number): Promise<JobOutcome> {
    const { job, ctx, log } = this;
    const { sweepId, trialId } = job;
    let trainer: TrainerProcess | null = null;
    try {
      const { resumeFrom, resumeEpoch } = await this.restore();
      const claimed = this.writer.current;
      this.epochsSeen = claimed.epochs.filter((e) => e.epoch <= resumeEpoch);
      // A fresh trial's claim already says all this: only a resumed attempt has epochs and checkpoints to trim.
      if (resumeEpoch > 0 || claimed.epochs.length > 0 || this.checkpoints !== claimed.checkpoints) {
        await this.fenced({ type: 'resume', owner: this.owner, resumeEpoch, epochs: [...this.epochsSeen], checkpoints: this.checkpoints });
      }
      // Sleep trials only await timers: they run inline, everything else in a trainer process of this slot.
      if (job.config.model.family !== 'sleep') trainer = await ctx.trainers.acquire();
      log.info({ attempt: this.owner.attempt, delivery, resumeEpoch, ...(trainer ? { trainerPid: trainer.pid } : {}) }, resumeEpoch > 0 ? 'trial resumed from checkpoint' : 'trial started');
      ctx.events.publish({
        v: 1, type: 'started', sweepId, trialId, worker: ctx.workerId, attempt: this.owner.attempt, resumeEpoch, at: iso(),
        ...(job.publishedAt !== undefined ? { queueLatencyMs: Date.now() - job.publishedAt } : {}),
      });
      const checkpointEvery = job.checkpointEvery ?? 1;
      const onEpoch = (r: EpochReport) => this.onEpoch(r);
      this.run_ = trainer ? trainer.run(job.config, resumeFrom, checkpointEvery, onEpoch) : runInline(job.config, resumeFrom, checkpointEvery, onEpoch);
      if (this.lost || this.aborted || ctx.isDraining()) this.run_.abort();
      const outcome = await this.run_.finished;
      if (this.lost) return this.abandon();
      if (outcome === 'aborted' || (outcome.stopReason === 'stopped' && !this.cancelled)) {
        // Drained, not decided: give the job back for another worker, which resumes from the last checkpoint.
        await this.fenced({ type: 'requeue', owner: this.owner, at: iso(), error: null });
        msg.nak(0);
        log.info({ attempt: this.owner.attempt }, 'worker draining: trial requeued');
        return 'requeued';
      }
      return await this.finish(msg, outcome);
    } catch (e) {
      if (this.lost || e instanceof LeaseLostError) return this.abandon();
      return await this.fail(msg, delivery, coerceError(e));
    } finally {
      if (this.run_) await this.run_.finished.catch(() => undefined);
      if (trainer) ctx.trainers.release(trainer);
    }
  }

  /** The newest checkpoint that verifies, or a start from scratch. */
  private async restore(): Promise<{ resumeFrom: Uint8Array | null; resumeEpoch: number }> {
    if (this.checkpoints.length === 0) return { resumeFrom: null, resumeEpoch: 0 };
    const restored = await this.ctx.checkpoints.loadNewestValid(this.checkpoints, (ref, reason) =>
      this.log.warn({ checkpoint: ref.name, reason }, 'checkpoint unusable: trying the one before it'),
    );
    if (!restored) {
      this.log.warn('no usable checkpoint: training from scratch');
      this.checkpoints = [];
      return { resumeFrom: null, resumeEpoch: 0 };
    }
    this.checkpoints = this.checkpoints.filter((c) => c.epoch <= restored.ref.epoch);
    return { resumeFrom: restored.bytes, resumeEpoch: restored.ref.epoch };
  }

  /** Store the checkpoint, publish the epoch, write the record (fenced); true stops the trial at this boundary. */
  private async onEpoch({ metrics, state }: EpochReport): Promise<boolean> {
    const { ctx, job, owner } = this;
    if (this.lost) throw new LeaseLostError(`attempt ${owner.attempt} no longer owns the trial`);
    ctx.onEpoch?.(metrics);
    this.epochsSeen.push(metrics);
    let dropped: CheckpointRef[] = [];
    if (state) {
      const started = performance.now();
      const saved = await ctx.checkpoints.save(job.sweepId, job.trialId, owner.attempt, metrics.epoch, state.bytes, this.checkpoints);
      this.checkpoints = saved.keep;
      dropped = saved.drop;
      ctx.onCheckpoint?.(state.bytes.byteLength, (performance.now() - started) / 1000);
    }
    // Progress in KV at most every RECORD_EVERY_MS per trial: epochs of real models take longer than that,
    // while 0 ms dispatch-benchmark epochs would otherwise spend most of their time on KV writes.
    if (state || Date.now() - this.lastRecordAt >= RECORD_EVERY_MS) {
      this.lastRecordAt = Date.now();
      await this.fenced({ type: 'progress', owner, at: iso(), epochs: [...this.epochsSeen], checkpoints: this.checkpoints });
      // Only now does the record no longer point at them.
      await ctx.checkpoints.deleteAll(dropped);
    }
    // After the fenced write, so an attempt that lost its lease reports no epoch.
    ctx.events.publish({
      v: 1, type: 'epoch', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, attempt: owner.attempt, metrics,
      totalEpochs: job.config.training.epochs, at: iso(),
    });
    if (ctx.isDraining()) return true;
    this.cancelled = (await ctx.sweepStatus.get(job.sweepId)) === 'CANCELLED';
    return this.cancelled;
  }

  private async finish(msg: JsMsg, outcome: TrainerOutcome): Promise<JobOutcome> {
    const { ctx, job, owner, log } = this;
    const status = outcome.stopReason === 'stopped' ? 'STOPPED' : 'COMPLETED';
    const model: BlobRefRecord | null = outcome.weights ? await ctx.models.putWeights(job.sweepId, job.trialId, owner.attempt, outcome.weights) : null;
    await this.fenced({ type: 'finish', owner, at: iso(), status, epochs: outcome.epochs, result: outcome.result, model });
    msg.ack();
    await ctx.checkpoints.deleteAll(this.checkpoints);
    ctx.events.publish({ v: 1, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status, at: iso() });
    log.info({ attempt: owner.attempt, status, epochs: outcome.epochs.length, bestEpoch: outcome.result.bestEpoch }, 'trial finished');
    return status === 'COMPLETED' ? 'completed' : 'stopped';
  }

  private async fail(msg: JsMsg, delivery: number, err: Error): Promise<JobOutcome> {
    const { ctx, job, owner, log } = this;
    const unrecoverable = err instanceof TrainingFailedError ? err.unrecoverable : isUnrecoverable(err);
    const text = err instanceof TrainingFailedError ? err.message : `${err.name}: ${err.message}`;
    try {
      if (unrecoverable || delivery >= job.maxDeliver) {
        await this.fenced({ type: 'fail', owner, at: iso(), error: text }, { fresh: true });
        msg.term();
        ctx.events.publish({ v: 1, type: 'finished', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, status: 'FAILED', at: iso(), error: text });
        log.error({ attempt: owner.attempt, err: text, delivery, maxDeliver: job.maxDeliver }, 'trial failed');
        return 'failed';
      }
      await this.fenced({ type: 'requeue', owner, at: iso(), error: text }, { fresh: true });
    } catch (e) {
      if (e instanceof LeaseLostError) return this.abandon();
      throw e;
    }
    const delay = retryDelayMs(delivery);
    msg.nak(delay);
    log.warn({ attempt: owner.attempt, err: text, delivery, retryInMs: delay }, 'trial error: requeued');
    return 'requeued';
  }

  /** No ack, nak or term: the delivery is stale, and the job belongs to the attempt that owns the trial. */
  private abandon(): JobOutcome {
    this.loseLease(null);
    return 'abandoned';
  }
}

/**
 * Claims the trial for this attempt and returns the writer of its record, or null when the trial has already
 * finished (a duplicate delivery, to be acknowledged).
 */
async function claimTrial(job: JobMessage, msg: JsMsg, ctx: RunnerContext, log: Logger): Promise<TrialRecordWriter | null> {
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
      log.warn({ err: err.message }, 'claim not written: the next record write retries it'),
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
