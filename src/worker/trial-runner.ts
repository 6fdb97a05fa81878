import type { JsMsg, NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { decodeJson, isTerminal, jobMessageSchema, type BlobRefRecord, type JobMessage, type TrialRecord } from '../transport/codecs.js';
import { publishEvent } from '../transport/events.js';
import type { TrialStore, Versioned } from '../transport/trial-store.js';
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
  nc: NatsConnection;
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
  // A first delivery usually finds no record: try a create straight away (a lost race falls back to a read).
  const claim = await ctx.trials.mutate(
    sweepId,
    trialId,
    (cur) => (cur && isTerminal(cur.status) ? null : claimedRecord(cur, job, ctx.workerId)),
    delivery === 1 ? null : undefined,
  );
  if (!claim.changed || !claim.record) {
    log.info({ status: claim.record?.status }, 'trial already finished: duplicate delivery acknowledged');
    msg.ack();
    return 'skipped';
  }
  let known: Versioned<TrialRecord> = { value: claim.record, revision: claim.revision };
  const attempt = claim.record.attempt;
  const extender = new AckExtender(msg, ctx.ackWaitMs).start();
  let dataset: Dataset = NO_DATA;
  let cancelled = false;
  let checkpoints: CheckpointRef[] = claim.record.checkpoints;
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
    const resumed = await ctx.trials.mutate(
      sweepId,
      trialId,
      (cur) => (cur && cur.status === 'RUNNING' && cur.worker === ctx.workerId ? { ...resumedRecord(cur, ctx.workerId, resumeEpoch), checkpoints } : null),
      known,
    );
    if (resumed.changed && resumed.record) known = { value: resumed.record, revision: resumed.revision };
    const epochsSeen: EpochMetrics[] = known.value.epochs.filter((e) => e.epoch <= resumeEpoch);
    log.info({ attempt, delivery, resumeEpoch }, resumeEpoch > 0 ? 'trial resumed from checkpoint' : 'trial started');
    publishEvent(ctx.nc, { v: 1, type: 'started', sweepId, trialId, worker: ctx.workerId, attempt, resumeEpoch, at: iso(),
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
          publishEvent(ctx.nc, {
            v: 1, type: 'epoch', sweepId, trialId, worker: ctx.workerId, metrics, totalEpochs: job.config.training.epochs, at: iso(),
          });
          // Progress in KV at most every RECORD_EVERY_MS per trial: epochs of real models take longer than that,
          // while 0 ms dispatch-benchmark epochs would otherwise spend most of their time on KV writes.
          if (!checkpointed && Date.now() - lastRecordAt < RECORD_EVERY_MS) return;
          lastRecordAt = Date.now();
          const res = await ctx.trials.mutate(
            sweepId,
            trialId,
            (cur) => (cur && cur.status === 'RUNNING' && cur.worker === ctx.workerId ? { ...cur, epochs: [...epochsSeen], checkpoints, heartbeatAt: iso() } : null),
            known,
          );
          if (res.changed && res.record) known = { value: res.record, revision: res.revision };
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
      await ctx.trials.mutate(sweepId, trialId, (cur) => (cur && !isTerminal(cur.status) ? requeuedRecord(cur, ctx.workerId, null) : null), known);
      msg.nak(0);
      log.info('worker draining: trial requeued');
      return 'requeued';
    }
    const status = result.stopReason === 'stopped' ? 'STOPPED' : 'COMPLETED';
    const done = await ctx.trials.mutate(
      sweepId,
      trialId,
      (cur) => (cur && !isTerminal(cur.status) ? finishedRecord(cur, ctx.workerId, status, result, dataset, modelRef) : null),
      known,
    );
    msg.ack();
    if (!done.changed) {
      log.warn({ status: done.record?.status }, 'another delivery finished this trial first: result discarded');
      return 'skipped';
    }
    await ctx.checkpoints.deleteAll(checkpoints);
    publishEvent(ctx.nc, { v: 1, type: 'finished', sweepId, trialId, worker: ctx.workerId, status, at: iso() });
    log.info({ status, epochs: result.epochs.length, bestEpoch: result.bestEpoch }, 'trial finished');
    return status === 'COMPLETED' ? 'completed' : 'stopped';
  } catch (e) {
    const err = coerceError(e);
    const final = isUnrecoverable(err) || delivery >= job.maxDeliver;
    const text = `${err.name}: ${err.message}`;
    if (final) {
      await ctx.trials.mutate(sweepId, trialId, (cur) => (cur && !isTerminal(cur.status) ? failedRecord(cur, ctx.workerId, text) : null));
      msg.term();
      publishEvent(ctx.nc, { v: 1, type: 'finished', sweepId, trialId, worker: ctx.workerId, status: 'FAILED', at: iso(), error: text });
      log.error({ err: text, delivery, maxDeliver: job.maxDeliver }, 'trial failed');
      return 'failed';
    }
    await ctx.trials.mutate(sweepId, trialId, (cur) => (cur && !isTerminal(cur.status) ? requeuedRecord(cur, ctx.workerId, text) : null));
    const delay = retryDelayMs(delivery);
    msg.nak(delay);
    log.warn({ err: text, delivery, retryInMs: delay }, 'trial error: requeued');
    return 'requeued';
  } finally {
    extender.stop();
  }
}

async function saveFinalWeights(ctx: RunnerContext, sweepId: string, trialId: string, model: unknown): Promise<BlobRefRecord> {
  const { bytes } = await serializeModelWeights(model as LayersModel);
  return ctx.models.putWeights(sweepId, trialId, bytes);
}

function disposeModel(model: unknown): void {
  const m = model as { dispose?: () => unknown } | undefined;
  m?.dispose?.();
}
