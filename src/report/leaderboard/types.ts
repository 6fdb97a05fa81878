/**
 * The leaderboard: what `renderJson` emits (schemaVersion 1). Stable schema; numbers are plain JSON numbers,
 * undefined statistics are `null` (never NaN or Infinity). Field meanings:
 *
 * - `objective`: the metric and goal trials are ranked by; a trial's objective value is that metric at its best
 *   epoch (the trial's `bestEpoch`, else the best epoch by the goal).
 * - `trials`: every trial. Ranked trials (COMPLETED or STOPPED with at least one epoch) first, best first, with
 *   `rank` 1..n; then unfinished trials (rank null); FAILED trials last with their `error`.
 * - `groups`: ranked trials that differ only by seed (or share the `groupBy` params), best mean first. Each has
 *   summaries (n, mean, sample std, Student-t 95 % CI, min, max) of the objective, val_loss and val_auc, and a
 *   `comparison` with the best group (null for the best group itself).
 * - `marginals`: per swept param and level, a summary of the objective over every ranked trial at that level.
 */
import type { Objective, Scalar } from '../../domain/trial-config.js';
import type { TrialStatus } from '../types.js';
import type { OnnxCheck } from '../../domain/onnx.js';
import type { SampleSummary } from '../stats/descriptive.js';
import type { TTestResult } from '../stats/t-tests.js';

export type { SampleSummary, TTestResult };

export type LeaderboardMode = 'groups' | 'trials';

export interface TrialRow {
  rank: number | null;
  id: string;
  shortId: string;          // first 8 characters of the id
  status: TrialStatus;
  params: Record<string, Scalar>;
  seed: number;
  bestEpoch: number | null; // 1-based epoch the metrics below come from
  objective: number | null;
  valAccuracy: number | null;
  valLoss: number | null;
  valAuc: number | null;
  epochsRun: number;
  durationMs: number | null;
  error: string | null;
  /** The ONNX export check, when the trial was exported. */
  onnx: OnnxCheck | null;
}

export type Verdict = 'best' | 'not distinguishable from best at 95 %' | 'worse' | 'n=1, no test';

export interface GroupComparison {
  /** Key of the best group this group is compared with. */
  against: string;
  /** mean(this group) − mean(best group), in the objective's units. */
  meanDifference: number;
  /** Welch's two-sided test (null when either group has n = 1). Decides the verdict. */
  welch: TTestResult | null;
  /** Paired two-sided test by seed, when both groups ran exactly the same set of ≥ 2 distinct seeds. */
  paired: (TTestResult & { pairs: number }) | null;
  /** (this − best) / pooled SD; null when n = 1 or the pooled SD is 0. */
  cohensD: number | null;
  hedgesG: number | null;
}

export interface GroupRow {
  rank: number;
  /** Stable identity: the group's params as `name=value` joined by `, ` ("(all)" when groupBy is empty). */
  key: string;
  params: Record<string, Scalar>;
  /** Member trials in rank order; `seeds[i]` is the seed of `trialIds[i]`. */
  trialIds: string[];
  seeds: number[];
  n: number;
  objective: SampleSummary;
  /** Null when no trial of the group has a finite value. */
  valLoss: SampleSummary | null;
  valAuc: SampleSummary | null;
  bestEpochMean: number;
  comparison: GroupComparison | null;
  verdict: Verdict;
}

export interface MarginalLevel {
  level: Scalar;
  summary: SampleSummary;
}

export interface MarginalEffect {
  param: string;
  levels: MarginalLevel[];
}

export interface Leaderboard {
  schemaVersion: 1;
  sweepId: string;
  sweepName: string;
  objective: Objective;
  /** Params that define a group (the swept params except `seed`, unless overridden). */
  groupBy: string[];
  /** Every swept param seen on any trial, in first-seen order. */
  sweptParams: string[];
  /** 'groups' when any group has n > 1, else 'trials'. */
  defaultMode: LeaderboardMode;
  /** Show only the first N ranked rows (null: all). */
  top: number | null;
  trials: TrialRow[];
  groups: GroupRow[];
  marginals: MarginalEffect[];
}

export interface BuildLeaderboardOptions {
  groupBy?: string[];
  top?: number;
}
