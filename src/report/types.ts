import type { EpochMetrics, SamplePrediction } from '../domain/metrics.js';
import type { Objective, Scalar } from '../domain/trial-config.js';
import type { AnyOnnxCheck } from '../domain/onnx.js';
import type { TrialResultRecord } from '../domain/trial-record.js';
import type { TrialStatus } from '../domain/trial-state.js';
import type { SchedulerConfig } from '../domain/scheduler.js';
export type { TrialStatus } from '../domain/trial-state.js';

/** What the leaderboard and the report need to know of one trial (the coordinator builds it from KV + events). */
export interface TrialView {
  id: string;
  status: TrialStatus;
  params: Record<string, Scalar>;   // swept params only
  seed: number;
  epochs: EpochMetrics[];
  bestEpoch: number | null;         // 1-based
  durationMs: number | null;
  /**
   * The epochs its config asked for (`training.epochs`): what a full run would have trained. Null or absent when
   * unknown (a record without its config). Only the early-termination summary reads it.
   */
  plannedEpochs?: number | null;
  error?: string;
  classNames?: string[];
  confusionMatrix?: number[][];
  samples?: SamplePrediction[];
  /** Pixels of the sample images (uint8 NHWC), for the report's prediction figures. */
  sampleImages?: TrialResultRecord['sampleImages'];
  onnx?: AnyOnnxCheck;
}

export interface SweepView {
  id: string;
  name: string;
  objective: Objective;
  /** The sweep's early-termination scheduler; null or absent: none (every trial runs to its end). */
  scheduler?: SchedulerConfig | null;
  /** How the trials differ from the spec as written (e.g. the quick profile's note); shown with the findings. */
  profileNote?: string | null;
  trials: TrialView[];
}
