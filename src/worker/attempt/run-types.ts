import type { EpochMetrics } from '../../domain/metrics.js';
import type { TrialResultRecord } from '../../domain/trial-record.js';

/** One finished epoch as a run reports it: its metrics, and the packed training state on checkpoint epochs. */
export interface RecordedEpoch {
  metrics: EpochMetrics;
  state: { epoch: number; bytes: Uint8Array; sha256: string } | null;
}

/** How a run ended, whatever ran it (a trainer process, the inline sleep trainer, a command). */
export interface SettledRun {
  /** 'stopped': asked to stop at an epoch boundary (drain, cancel, a scheduler's decision). */
  stopReason: string;
  /** The trial's epochs, restored ones included. */
  epochs: EpochMetrics[];
  result: TrialResultRecord;
  /** Final weights to store in sweep-models; null when there are none (stopped runs, command trainers). */
  weights: Uint8Array | null;
  /** The model.onnx a command trial's program wrote ($SWEEP_OUTPUT_DIR), stored as the trial's model. */
  programModel?: Uint8Array;
}

/** A run in progress: the contract TrainerProcess.run, runInline and startCommandTrial share. */
export interface AttemptRun {
  /** The settled run, or 'aborted' after abort(). */
  finished: Promise<SettledRun | 'aborted'>;
  /** Stop without a result (drain, lost lease). Idempotent. */
  abort(): void;
}
