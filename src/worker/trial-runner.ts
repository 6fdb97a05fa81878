import type { JsMsg } from 'nats';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { decodeJson, isTerminal, jobMessageSchema, type BlobRefRecord, type JobMessage, type TrialRecord } from '../transport/codecs.js';
import type { EventPublisher } from '../transport/events.js';
import type { TrialStore } from '../transport/trial-store.js';
import { TrialRecordWriter } from './record-writer.js';
import { trainTrial } from '../training/engine.js';
import type { Dataset } from '../training/datasets/types.js';
import type { EpochMetrics } from '../training/types.js';
import { AckExtender } from './ack-extender.js';
import { NO_DATA, type DatasetCache } from './dataset-cache.js';
import { isUnrecoverable, retryDelayMs } from './errors.js';
import type { SweepStatusCache } from './sweep-status-cache.js';
import { claimedRecord, failedRecord, finishedRecord, requeuedRecord, resumedRecord } from './trial-records.js';
import type { CheckpointRef, CheckpointStore } from '../transport/checkpoint-store.js';
import type { ModelStore } from '../transport/model-store.js';
import { serializeModelWeights } from '../training/model-weights.js';
import type { LayersModel } from '@tensorflow/tfjs';

export interface RunnerContext {
  /** Batches this worker's trial events (see EventPublisher). */
  events: EventPublisher;
  trials: TrialStore;
  workerId: string;
  log: Logger;
  datasets: DatasetCache;
  ackWaitMs: number;
  /** True once the worker drains (SIGTERM): running trials stop at the next epoch boundary and are requeued. */
  isDraining: () => boolean;
  /** Initializes the tfjs backend on first use (not needed by the sleep trainer). */
  ensureBackend: () => Promise<string>;
  sweepStatus: SweepStatusCache;
  checkpoints: CheckpointStore;
  models: ModelStore;
  onCheckpoint?: (bytes: number, seconds: number) => void;
  /** Called with each finished epoch (metrics endpoint, progress). */
  onEpoch?: (m: EpochMetrics) => void;
}

export type JobOutcome = 'completed' | 'stopped' | 'failed' | 'requeued' | 'skipped' | 'malformed';

const iso = () => new Date().toISOString();
const RECORD_EVERY_MS = 1_000;
/** A fresh trial's RUNNING record is written this long after it starts (or with its first write). */
const CLAIM_DELAY_MS = 200;

/** Runs one delivered job to an ack, nak or term. Never throws: every outcome is recorded. */
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
    await ctx.trials.mutate(sweepId, trialId, (cur) => (cur && !isTerminal(cur.status) ? failedRecord(cur, null, text) : null));
    msg.term();
    log.error({ delivery }, text);
    return 'failed';
  }
  const writer = await claimTrial(job, delivery, ctx, log);
  if (!writer) {
    msg.ack();
    return 'skipped';
  }
  const claimed = writer.current;
  const attempt = claimed.attempt;
  const mine = (cur: TrialRecord) => cur.status === 'RUNNING' && cur.worker === ctx.workerId;
  const extender = new AckExtender(msg, ctx.ackWaitMs).start();
  let dataset: Dataset = NO_DATA;
  let cancelled = false;
  let checkpoints: CheckpointRef[] = claimed.checkpoints;
  const checkpointEvery = job.checkpointEvery ?? 1;
  let lastRecordAt = Date.now();
  try {
    let resumeFrom: Uint8Array | undefined;
    let resumeEpoch = 0;
    if (checkpoints.length > 0) {
      const restored = await ctx.checkpoints.loadNewestValid(checkpoints, (ref, reason) =>
        log.warn({ checkpoint: ref.name, reason }, 'checkpoint unusable: trying the one before it'),
      );
      if (restored) {
        resumeFrom = restored.bytes;
        resumeEpoch = restored.ref.epoch;
        checkpoints = checkpoints.filter((c) => c.epoch <= resumeEpoch);
      } else {
        log.warn('no usable checkpoint: training from scratch');
        checkpoints = [];
      }
    }
    // A fresh trial's claim already says all this: only a resumed attempt has epochs and checkpoints to trim.
    if (resumeEpoch > 0 || claimed.epochs.length > 0 || checkpoints !== claimed.checkpoints) {
      await writer.write((cur) => (mine(cur) ? { ...resumedRecord(cur, ctx.workerId, resumeEpoch), checkpoints } : null));
    }
    const epochsSeen: EpochMetrics[] = writer.current.epochs.filter((e) => e.epoch <= resumeEpoch);
    log.info({ attempt, delivery, resumeEpoch }, resumeEpoch > 0 ? 'trial resumed from checkpoint' : 'trial started');
    ctx.events.publish({ v: 1, type: 'started', sweepId, trialId, worker: ctx.workerId, attempt, resumeEpoch, at: iso(),
      ...(job.publishedAt !== undefined ? { queueLatencyMs: Date.now() - job.publishedAt } : {}) });

    if (job.config.model.family !== 'sleep') {
      await ctx.ensureBackend();
      dataset = await ctx.datasets.get(job.config.dataset);
    }
    const result = await trainTrial({
      config: job.config,
      dataset,
      ...(resumeFrom ? { resumeFrom } : {}),
      hooks: {
        log: (m) => log.debug(m),
        onEpochEnd: async (metrics, saveState) => {
          ctx.onEpoch?.(metrics);
          epochsSeen.push(metrics);
          let checkpointed = false;
          let dropped: CheckpointRef[] = [];
          if (checkpointEvery > 0 && metrics.epoch % checkpointEvery === 0) {
            const started = performance.now();
            const state = await saveState();
            const saved = await ctx.checkpoints.save(sweepId, trialId, metrics.epoch, state.bytes, checkpoints);
            checkpoints = saved.keep;
            dropped = saved.drop;
            ctx.onCheckpoint?.(state.bytes.byteLength, (performance.now() - started) / 1000);
            checkpointed = true;
          }
          ctx.events.publish({
            v: 1, type: 'epoch', sweepId, trialId, worker: ctx.workerId, metrics, totalEpochs: job.config.training.epochs, at: iso(),
          });
          // Progress in KV at most every RECORD_EVERY_MS per trial: epochs of real models take longer than that,
          // while 0 ms dispatch-benchmark epochs would otherwise spend most of their time on KV writes.
          if (!checkpointed && Date.now() - lastRecordAt < RECORD_EVERY_MS) return;
          lastRecordAt = Date.now();
          await writer.write((cur) => (mine(cur) ? { ...cur, epochs: [...epochsSeen], checkpoints, heartbeatAt: iso() } : null));
          await ctx.checkpoints.deleteAll(dropped);
          log.debug({ epoch: metrics.epoch, val_accuracy: metrics.val_accuracy }, 'epoch finished');
        },
        shouldStop: async () => {
          if (ctx.isDraining()) return true;
          cancelled = (await ctx.sweepStatus.get(sweepId)) === 'CANCELLED';
          return cancelled;
        },
      },
    });
    const modelRef = result.model && result.stopReason !== 'stopped' ? await saveFinalWeights(ctx, sweepId, trialId, result.model) : null;
    disposeModel(result.model);

    if (result.stopReason === 'stopped' && !cancelled) {
      // Drained, not decided: give the job back for another worker.
      await writer.write((cur) => (!isTerminal(cur.status) ? requeuedRecord(cur, ctx.workerId, null) : null));
      msg.nak(0);
      log.info('worker draining: trial requeued');
      return 'requeued';
    }
    const status = result.stopReason === 'stopped' ? 'STOPPED' : 'COMPLETED';
    const done = await writer.write((cur) => (!isTerminal(cur.status) ? finishedRecord(cur, ctx.workerId, status, result, dataset, modelRef) : null));
    msg.ack();
    if (!done.changed) {
      log.warn({ status: done.record?.status }, 'another delivery finished this trial first: result discarded');
      return 'skipped';
    }
    await ctx.checkpoints.deleteAll(checkpoints);
    ctx.events.publish({ v: 1, type: 'finished', sweepId, trialId, worker: ctx.workerId, status, at: iso() });
    log.info({ status, epochs: result.epochs.length, bestEpoch: result.bestEpoch }, 'trial finished');
    return status === 'COMPLETED' ? 'completed' : 'stopped';
  } catch (e) {
    const err = coerceError(e);
    const final = isUnrecoverable(err) || delivery >= job.maxDeliver;
    const text = `${err.name}: ${err.message}`;
    if (final) {
      await writer.write((cur) => (!isTerminal(cur.status) ? failedRecord(cur, ctx.workerId, text) : null), { fresh: true });
      msg.term();
      ctx.events.publish({ v: 1, type: 'finished', sweepId, trialId, worker: ctx.workerId, status: 'FAILED', at: iso(), error: text });
      log.error({ err: text, delivery, maxDeliver: job.maxDeliver }, 'trial failed');
      return 'failed';
    }
    await writer.write((cur) => (!isTerminal(cur.status) ? requeuedRecord(cur, ctx.workerId, text) : null), { fresh: true });
    const delay = retryDelayMs(delivery);
    msg.nak(delay);
    log.warn({ err: text, delivery, retryInMs: delay }, 'trial error: requeued');
    return 'requeued';
  } finally {
    extender.stop();
    writer.stop();
  }
}

/**
 * Claims the trial for this attempt and returns the writer of its record, or null when the trial has already
 * finished (a duplicate delivery, to be acknowledged).
 */
async function claimTrial(job: JobMessage, delivery: number, ctx: RunnerContext, log: Logger): Promise<TrialRecordWriter | null> {
  const { sweepId, trialId } = job;
  if (delivery === 1 && job.fresh === true) {
    // No record existed when this was published, and nobody ran it before: claim it a moment after it starts.
    return TrialRecordWriter.deferred(ctx.trials, sweepId, trialId, claimedRecord(null, job, ctx.workerId, delivery), CLAIM_DELAY_MS, (err) =>
      log.warn({ err: err.message }, 'claim not written: the next record write retries it'),
    );
  }
  // A first delivery usually finds no record: try a create straight away (a lost race falls back to a read).
  const claim = await ctx.trials.mutate(
    sweepId,
    trialId,
    (cur) => (cur && isTerminal(cur.status) ? null : claimedRecord(cur, job, ctx.workerId, delivery)),
    delivery === 1 ? null : undefined,
  );
  if (!claim.changed || !claim.record) {
    log.info({ status: claim.record?.status }, 'trial already finished: duplicate delivery acknowledged');
    return null;
  }
  return TrialRecordWriter.claimed(ctx.trials, sweepId, trialId, { value: claim.record, revision: claim.revision });
}

async function saveFinalWeights(ctx: RunnerContext, sweepId: string, trialId: string, model: unknown): Promise<BlobRefRecord> {
  const { bytes } = await serializeModelWeights(model as LayersModel);
  return ctx.models.putWeights(sweepId, trialId, bytes);
}

function disposeModel(model: unknown): void {
  const m = model as { dispose?: () => unknown } | undefined;
  m?.dispose?.();
}
