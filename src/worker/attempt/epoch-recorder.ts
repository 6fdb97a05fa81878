import type { CheckpointRef } from '../../domain/blobs.js';
import type { JobMessage } from '../../domain/job.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { PruneDecision } from '../../domain/scheduler.js';
import type { RecordedEpoch } from './run-types.js';
import { iso, type RunnerContext } from './context.js';
import { LeaseLostError, type AttemptLease } from './lease.js';
import { pruneDecisionAt } from './prune-decision.js';

/** Progress goes to KV at most this often per trial (a checkpoint is always recorded at once). */
export const RECORD_EVERY_MS = 1_000;

type RecorderContext = Pick<RunnerContext, 'events' | 'workerId' | 'checkpoints' | 'sweepStatus' | 'decisions' | 'log' | 'isDraining' | 'onEpoch' | 'onCheckpoint'>;

/**
 * What an attempt does with each finished epoch, in this order: store its checkpoint, write the record (fenced),
 * delete the checkpoints the record no longer points at, publish the epoch event, and decide whether to stop:
 * a PruneDecision that applies (scheduled sweeps only), a drain, a cancelled sweep.
 */
export class EpochRecorder {
  private cancelled_ = false;
  private pruned_: PruneDecision | null = null;

  constructor(
    private readonly job: JobMessage,
    private readonly lease: AttemptLease,
    private readonly ctx: RecorderContext,
    /** The checkpoints the record keeps (restored ones, then each new one). */
    private checkpoints_: CheckpointRef[],
    /** The epochs so far (restored ones, then each new one). */
    private readonly epochs: EpochMetrics[],
    /** When the record was last written (the attempt's start, to begin with). */
    private lastRecordAt: number,
  ) {}

  get checkpoints(): CheckpointRef[] {
    return this.checkpoints_;
  }

  /** The trial's epochs so far: restored ones, then each recorded one. */
  get trialEpochs(): EpochMetrics[] {
    return [...this.epochs];
  }

  /** The sweep was cancelled: a stopped run is then final (STOPPED), not a drain to requeue. */
  get cancelled(): boolean {
    return this.cancelled_;
  }

  /** The scheduler's decision that stopped the run at an epoch boundary: the run is then final (PRUNED). */
  get pruned(): PruneDecision | null {
    return this.pruned_;
  }

  /** Store the checkpoint, publish the epoch, write the record (fenced); true stops the trial at this boundary. */
  async record({ metrics, state }: RecordedEpoch): Promise<boolean> {
    const { ctx, job, lease } = this;
    const { owner } = lease;
    lease.assertOwned();
    // When the epoch ended: the event says so, not when it was sent (after the checkpoint and the record write, which
    // the scheduler may already have acted on).
    const endedAt = iso();
    ctx.onEpoch?.(metrics);
    this.epochs.push(metrics);
    let dropped: CheckpointRef[] = [];
    let saved: CheckpointRef | null = null;
    if (state) {
      const started = performance.now();
      const result = await ctx.checkpoints.save(job.sweepId, job.trialId, owner.attempt, metrics.epoch, state.bytes, this.checkpoints_);
      this.checkpoints_ = result.keep;
      dropped = result.drop;
      saved = result.keep.find((r) => r.epoch === metrics.epoch) ?? null;
      ctx.onCheckpoint?.(state.bytes.byteLength, (performance.now() - started) / 1000);
    }
    // Progress in KV at most every RECORD_EVERY_MS per trial: epochs of real models take longer than that,
    // while 0 ms dispatch-benchmark epochs would otherwise spend most of their time on KV writes.
    if (state || Date.now() - this.lastRecordAt >= RECORD_EVERY_MS) {
      this.lastRecordAt = Date.now();
      await lease.write({ type: 'progress', owner, at: iso(), epochs: [...this.epochs], checkpoints: this.checkpoints_ }).catch(async (e: unknown) => {
        // Refused: no record ever named the checkpoint just saved (its name carries this attempt), so nobody else
        // would delete it.
        if (e instanceof LeaseLostError && saved) await ctx.checkpoints.deleteAll([saved]).catch(() => undefined);
        throw e;
      });
      // Only now does the record no longer point at them.
      await ctx.checkpoints.deleteAll(dropped);
    }
    // After the fenced write, so an attempt that lost its lease reports no epoch.
    ctx.events.publish({
      v: 1, type: 'epoch', sweepId: job.sweepId, trialId: job.trialId, worker: ctx.workerId, attempt: owner.attempt, metrics,
      totalEpochs: job.config.training.epochs, at: endedAt,
    });
    // A decision is final, so it wins over a drain: a requeued trial would only train further elsewhere.
    this.pruned_ = await pruneDecisionAt(job, metrics.epoch, ctx);
    if (this.pruned_) return true;
    // A cancel beats a drain: a drained trial of a cancelled sweep would be requeued onto a purged queue.
    // A cached CANCELLED is confirmed by a fresh read: a retry right after the cancel has set the sweep RUNNING again.
    this.cancelled_ = (await ctx.sweepStatus.get(job.sweepId)) === 'CANCELLED' && (await ctx.sweepStatus.getFresh(job.sweepId)) === 'CANCELLED';
    return this.cancelled_ || ctx.isDraining();
  }
}
