/**
 * The leaderboard: what `renderJson` emits (schemaVersion 1). Stable schema; numbers are plain JSON numbers,
 * undefined statistics are `null` (never NaN or Infinity). Field meanings:
 *
 * - `objective`: the metric and goal trials are ranked by; a trial's objective value is that metric at its best
 *   epoch (the trial's `bestEpoch`, else the best epoch by the goal).
 * - `trials`: every trial. Ranked trials (COMPLETED or STOPPED with at least one epoch) first, best first, with
 *   `rank` 1..n; then unfinished trials (rank null); FAILED trials last with their `error`.
 * - `groups`: ranked trials that differ only by seed (or share the `groupBy` params), best mean first. Each has
 *   summaries (n, mean, sample std, 95 % CI with its `ci95Method`, min, max) of the objective, val_loss and
 *   val_auc, and a `comparison` with the best group (null for the best group itself). The CI of a metric bounded
 *   in [0, 1] (accuracy, AUC: see metricRange) is 'logit-t' and stays inside [0, 1]; other metrics get 't'.
 * - `marginals`: per swept param and level, a summary of the objective over every ranked trial at that level.
 * - `findings`: per swept factor, each level's effect on the objective against a reference level, from the
 *   finished trials of `groups` only (see Findings and docs/statistics.md).
 * - Early termination (a scheduler stopped a configuration group at a "rung" epoch; those trials are PRUNED):
 *   PRUNED trials are never ranked against trials that ran to the end (rank null, no test, no verdict). In
 *   `trials` they come right after the ranked ones, with `prunedAt` (their last epoch) and `objective` taken
 *   at that epoch. `pruned` lists the groups with no finished trial but at least one pruned one, after and
 *   apart from `groups`, each with its rung and its mean objective there. A group with finished and pruned
 *   trials is ranked in `groups` on its finished trials alone. `earlyTermination` sums the epochs trained
 *   against the epochs full runs would have needed (null unless a trial was pruned or a scheduler is set).
 */
import type { Objective, Scalar } from '../../domain/trial-config.js';
import type { TrialStatus } from '../types.js';
import type { SchedulerConfig } from '../../domain/scheduler.js';
import type { AnyOnnxCheck } from '../../domain/onnx.js';
import type { SampleSummary } from '../stats/descriptive.js';
import type { TTestResult } from '../stats/t-tests.js';
import type { Findings } from './finding-types.js';

export type { SampleSummary, TTestResult };
export type { CiMethod } from '../stats/descriptive.js';
export type * from './finding-types.js';

export type LeaderboardMode = 'groups' | 'trials';

export interface TrialRow {
  rank: number | null;
  id: string;
  shortId: string;          // first 8 characters of the id
  status: TrialStatus;
  params: Record<string, Scalar>;
  seed: number;
  bestEpoch: number | null; // 1-based epoch the metrics below come from (a pruned trial's: its rung)
  objective: number | null;
  valAccuracy: number | null;
  valLoss: number | null;
  valAuc: number | null;
  epochsRun: number;
  durationMs: number | null;
  error: string | null;
  /** The ONNX export check, when the trial was exported. */
  onnx: AnyOnnxCheck | null;
  /**
   * PRUNED trials: the rung, i.e. the last epoch it trained, at which its metrics above are taken (also its
   * `bestEpoch`); 0 when it was pruned before it trained an epoch. Null for every other trial.
   */
  prunedAt: number | null;
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

/**
 * A configuration group the scheduler stopped early: no finished trial, at least one PRUNED one. Listed after
 * the ranked groups and never compared with them: its value is at the rung, not at the end of training.
 */
export interface PrunedGroupRow {
  key: string;
  params: Record<string, Scalar>;
  /** Its pruned trials, in `trials` order; `seeds[i]` is the seed of `trialIds[i]`. */
  trialIds: string[];
  seeds: number[];
  n: number;
  /**
   * The rung the group reached: the last epoch its trials trained (the earliest of them when its seeds stopped
   * at different epoch boundaries, so every seed that trained has a value there; seeds pruned before their
   * first epoch are not counted). 0 when none of them trained.
   */
  rung: number;
  /** Mean over its seeds of the objective metric at the rung; null when no seed has a finite value there. */
  value: number | null;
  /** How many seeds `value` is the mean of (those with a finite value at the rung). */
  valueN: number;
  /** Plain words for the renderers, e.g. "pruned at epoch 3" ("pruned before training" when rung is 0). */
  label: string;
}

/**
 * Epochs trained against the epochs full runs would have needed. Counts only finished (terminal) trials whose
 * configured epoch count is known; the others are counted apart so nothing is silently dropped.
 */
export interface EarlyTerminationSummary {
  /** The sweep's scheduler type, or null when none is recorded (trials were pruned all the same). */
  scheduler: SchedulerConfig['type'] | null;
  /** Sum over the counted trials of the epochs each trained. */
  epochsTrained: number;
  /** Sum over the counted trials of each one's configured `training.epochs`. */
  epochsPlanned: number;
  /** epochsTrained / epochsPlanned; null when nothing was planned. */
  fraction: number | null;
  /** Trials in both sums: terminal (COMPLETED, PRUNED, STOPPED, FAILED) with a known configured epoch count. */
  trialsCounted: number;
  /** Trials left out because they have not finished yet. */
  trialsUnfinished: number;
  /** Finished trials left out because their configured epoch count is unknown. */
  trialsWithoutPlan: number;
  prunedTrials: number;
  /** Entries of `pruned`, and every configuration group seen (all trials, by `groupBy`). */
  prunedGroups: number;
  groups: number;
  /** The summary in one line, e.g. "early termination: 312 of 720 epochs trained (43 %), 18 of 24 groups pruned". */
  line: string;
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
  /** Groups stopped early by the scheduler, deepest rung first; never ranked (see PrunedGroupRow). */
  pruned: PrunedGroupRow[];
  marginals: MarginalEffect[];
  /** Effects of each swept factor's levels on the objective, from the finished trials (see Findings). */
  findings: Findings;
  /** Null unless some trial was pruned or the sweep has a scheduler. */
  earlyTermination: EarlyTerminationSummary | null;
}

export interface BuildLeaderboardOptions {
  groupBy?: string[];
  top?: number;
}
