import type { TrialRecord } from '../domain/trial-record.js';
import type { TrialStore, Versioned } from '../transport/trial-store.js';

export interface WriteResult {
  record: TrialRecord | null;
  changed: boolean;
}

/**
 * The single writer of a trial's record during one attempt. It serializes the attempt's writes (a claim timer
 * may fire while an epoch ends), remembers the revision it last wrote so each compare-and-set skips a read, and
 * can hold back the RUNNING claim of a fresh trial for `claimDelayMs`: a trial that finishes sooner (dispatch
 * benchmarks, 0 ms sleep trials) writes its record once, and a real trial is claimed a moment after it starts.
 */
export class TrialRecordWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly trials: TrialStore,
    private readonly sweepId: string,
    private readonly trialId: string,
    /** What this attempt last wrote or read; null while nothing is written (the record is expected absent). */
    private known: Versioned<TrialRecord> | null,
    /** The claim not yet written (deferred mode), applied as the stored value while the record is absent. */
    private unwritten: TrialRecord | null,
  ) {}

  /** The claim is already stored (written by the caller with compare-and-set). */
  static claimed(trials: TrialStore, sweepId: string, trialId: string, known: Versioned<TrialRecord>): TrialRecordWriter {
    return new TrialRecordWriter(trials, sweepId, trialId, known, null);
  }

  /** The claim is written after `claimDelayMs`, or with the attempt's first write, whichever comes first. */
  static deferred(
    trials: TrialStore,
    sweepId: string,
    trialId: string,
    claim: TrialRecord,
    claimDelayMs: number,
    onClaimError: (err: Error) => void,
  ): TrialRecordWriter {
    const writer = new TrialRecordWriter(trials, sweepId, trialId, null, claim);
    writer.timer = setTimeout(() => {
      writer.timer = null;
      // Only into an empty slot: if another delivery wrote meanwhile, the attempt's own writes sort it out.
      writer.write((cur) => (cur === writer.unwritten ? cur : null)).catch(onClaimError);
    }, claimDelayMs);
    return writer;
  }

  /** The record as this attempt knows it (the unwritten claim before the first write). */
  get current(): TrialRecord {
    const value = this.known?.value ?? this.unwritten;
    if (!value) throw new Error(`trial ${this.trialId}: record writer has no record`);
    return value;
  }

  /**
   * Compare-and-set of `change` applied to the stored record (or to the unwritten claim while none is stored).
   * `change` returns null to leave the record as it is. `fresh` reads the record first instead of trusting the
   * last revision (error paths, where another writer may have moved on).
   */
  write(change: (cur: TrialRecord) => TrialRecord | null, opts: { fresh?: boolean } = {}): Promise<WriteResult> {
    // This write carries the claim (it applies to the unwritten claim while none is stored): a timer firing while it
    // is in flight would only queue a claim that changes nothing and costs a read.
    this.stop();
    const run = async (): Promise<WriteResult> => {
      const res = await this.trials.mutate(
        this.sweepId,
        this.trialId,
        (stored) => {
          const base = stored ?? this.unwritten;
          return base ? change(base) : null;
        },
        opts.fresh ? undefined : this.known,
      );
      if (res.changed && res.record) {
        this.known = { value: res.record, revision: res.revision };
        this.unwritten = null;
        this.stop();
      }
      return { record: res.record, changed: res.changed };
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Cancels a pending delayed claim (the attempt ended). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
