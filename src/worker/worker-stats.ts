import type { JobOutcome } from './trial-runner.js';

/** What a worker process reports about itself (health endpoint, Prometheus metrics). */
export interface WorkerStats {
  running: number;
  outcomes: Record<JobOutcome, number>;
  epochs: number;
  imagesPerSec: number;
  backend: string | null;
  connected: boolean;
  checkpointBytes: number;
  checkpointSeconds: number;
  /** msg.working() calls that failed or were made while disconnected. */
  leaseRenewalFailures: number;
  /** Attempts abandoned because a fenced write was refused (another attempt owns the trial). */
  leasesLost: number;
}

export function emptyWorkerStats(): WorkerStats {
  return {
    running: 0,
    outcomes: { completed: 0, pruned: 0, stopped: 0, failed: 0, requeued: 0, skipped: 0, malformed: 0, abandoned: 0 },
    epochs: 0,
    imagesPerSec: 0,
    backend: null,
    connected: true,
    checkpointBytes: 0,
    checkpointSeconds: 0,
    leaseRenewalFailures: 0,
    leasesLost: 0,
  };
}
