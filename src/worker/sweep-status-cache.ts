import type { SweepRecord } from '../domain/sweep-record.js';
import type { SweepStore } from '../transport/sweep-store.js';

/**
 * Sweep status as seen by a worker, re-read at most once per `ttlMs` per sweep: every running trial asks at each
 * epoch boundary whether its sweep was cancelled, and a KV read per epoch would dominate short trials.
 */
export class SweepStatusCache {
  private readonly cache = new Map<string, { at: number; status: Promise<SweepRecord['status'] | null> }>();

  constructor(
    private readonly sweeps: SweepStore,
    private readonly ttlMs = 1_000,
  ) {}

  get(sweepId: string): Promise<SweepRecord['status'] | null> {
    const hit = this.cache.get(sweepId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.status;
    return this.getFresh(sweepId);
  }

  /** Reads the status now (a decision that must not act on a second-old value: a drain racing a cancel). */
  getFresh(sweepId: string): Promise<SweepRecord['status'] | null> {
    const status = this.sweeps.get(sweepId).then(
      (r) => r?.value.status ?? null,
      () => null,
    );
    this.cache.set(sweepId, { at: Date.now(), status });
    return status;
  }
}
