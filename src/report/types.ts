import type { Objective, Scalar } from '../spec/types.js';
import type { EpochMetrics, SamplePrediction } from '../training/types.js';

import type { TrialStatus } from '../domain/trial-state.js';
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
  error?: string;
  classNames?: string[];
  confusionMatrix?: number[][];
  samples?: SamplePrediction[];
  /** Pixels of the sample images (uint8 NHWC), for the report's prediction figures. */
  sampleImages?: { shape: [number, number, number]; pixels: number[][] };
  onnx?: OnnxCheck;
}

export interface OnnxCheck {
  ok: boolean;
  maxAbsDiff: number;
  top1Agreement: number;
  ortP50Ms: number;
  ortP99Ms: number;
  tfjsP50Ms: number;
  speedup: number;          // tfjs latency / ORT latency at batch 1
  file?: string;
}

export interface SweepView {
  id: string;
  name: string;
  objective: Objective;
  trials: TrialView[];
}
