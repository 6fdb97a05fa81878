import type { Logger } from '../../log.js';
import { SweepError } from '../../domain/errors.js';
import { transition, type Owner, type TrialTransition } from '../../domain/trial-state.js';
import type { TrialRecord } from '../../domain/trial-record.js';
import type { TrialRecordWriter } from '../record-writer.js';

/** A fenced write was refused: another attempt owns the trial now. This attempt must stop and touch nothing. */
export class LeaseLostError extends SweepError {
  override readonly retryable = true;
}

/**
 * One attempt's hold on its trial (see docs/architecture.md, "Ownership and fencing"): every write is a
 * compare-and-set that holds only while the attempt still owns the trial, and the first refusal loses the lease
 * for good; from then on every write throws LeaseLostError without touching the record.
 */
export class AttemptLease {
  private lost_ = false;
  private lastWriteAt_ = Date.now();

  constructor(
    readonly owner: Owner,
    private readonly writer: TrialRecordWriter,
    private readonly log: Logger,
    private readonly hooks: {
      /** Counts the loss (sweep_worker_leases_lost_total); called before it is logged. */
      onLeaseLost?: (() => void) | undefined;
      /** Stops the attempt's training run; called after the loss is logged. */
      abortRun: () => void;
    },
  ) {}

  get lost(): boolean {
    return this.lost_;
  }

  /** When the last fenced write came back (every write is a heartbeat's worth of news). */
  get lastWriteAt(): number {
    return this.lastWriteAt_;
  }

  /** The record as this attempt knows it. */
  get current(): TrialRecord {
    return this.writer.current;
  }

  /** Throws LeaseLostError once the lease is lost. */
  assertOwned(): void {
    if (this.lost_) throw new LeaseLostError(`attempt ${this.owner.attempt} no longer owns the trial`);
  }

  /** A compare-and-set that holds only while this attempt owns the trial; a refusal loses the lease. */
  async write(event: TrialTransition<TrialRecord>, opts: { fresh?: boolean } = {}): Promise<void> {
    this.assertOwned();
    const res = await this.writer.write((cur) => transition(cur, event), opts);
    this.lastWriteAt_ = Date.now();
    if (!res.changed) {
      this.lose(res.record);
      throw new LeaseLostError(`attempt ${this.owner.attempt} no longer owns the trial`);
    }
  }

  /** Another attempt owns the trial (`now` is its record, when known): count, log and stop the run, once. */
  lose(now: TrialRecord | null): void {
    if (this.lost_) return;
    this.lost_ = true;
    this.hooks.onLeaseLost?.();
    this.log.warn(
      { attempt: this.owner.attempt, status: now?.status, owner: now?.worker, ownerAttempt: now?.attempt },
      `lease lost: attempt ${this.owner.attempt} abandoned`,
    );
    this.hooks.abortRun();
  }
}
