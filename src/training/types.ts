import type { EngineEpochMetrics, SamplePrediction } from '../domain/metrics.js';
import type { TrialConfig } from '../domain/trial-config.js';
import type { Dataset } from './datasets/types.js';

/** Serialized resumable training state (weights, optimizer slots, callback state, RNG position, epoch). */
export interface TrainingState {
  epoch: number;              // epochs completed
  bytes: Uint8Array;
  sha256: string;             // hex of bytes
}

export interface TrainHooks {
  /** After each epoch; `saveState` serializes the state as of the end of this epoch. */
  onEpochEnd?: (metrics: EngineEpochMetrics, saveState: () => Promise<TrainingState>) => Promise<void> | void;
  /** Checked at each epoch boundary; true stops the trial (scheduler decision, drain). */
  shouldStop?: () => boolean | Promise<boolean>;
  /**
   * Awaited between training batches: lets a trainer's event loop run (stop requests, a vanished parent) and
   * aborts the epoch by throwing. Results do not depend on it.
   */
  betweenBatches?: () => Promise<void>;
  log?: (msg: string) => void;
}

export interface TrainRequest {
  config: TrialConfig;
  dataset: Dataset;
  hooks?: TrainHooks;
  /** State from saveState(); training continues with the next epoch. */
  resumeFrom?: Uint8Array;
}

export type StopReason = 'completed' | 'early_stopping' | 'stopped';

export interface TrainResult {
  stopReason: StopReason;
  epochs: EngineEpochMetrics[];     // every epoch, including those before a resume
  bestEpoch: number;          // 1-based, by the early-stopping monitor if set, else val_loss
  confusionMatrix: number[][]; // [true][predicted] on the validation split, final weights
  perClassAccuracy: number[];
  samples: SamplePrediction[];
  weightsSha256: string;      // of the final weights, for reproducibility checks
  backend: string;
  /** The trained model, for export; the caller disposes it. */
  model?: unknown;
}
