import type { Goal, Scalar } from '../../domain/trial-config.js';

/**
 * How an effect was estimated: 'paired' (differences within cells that share the seed and every other param's
 * value), 'welch' (no two such pairs, but ≥ 2 values on each side: the two levels' values as independent
 * samples), or 'too few values' (neither; no estimate).
 */
export type EffectMethod = 'paired' | 'welch' | 'too few values';

/** 'better' / 'worse': the level against its reference at 95 % (p < 0.05), under the objective's goal. */
export type EffectVerdict = 'better' | 'worse' | 'not distinguishable at 95 %' | 'too few values';

/** The effect of one level of a factor against the factor's reference level, on the objective metric. */
export interface LevelEffect {
  level: Scalar;
  reference: Scalar;
  method: EffectMethod;
  /** Pairs for 'paired'; 0 otherwise. */
  pairs: number;
  /** Finished trials at the level and at the reference (each pair's side may average several, see findings.ts). */
  nLevel: number;
  nReference: number;
  /** mean(level − reference) in the metric's units (raw sign; `verdict` says which is better); null: too few. */
  difference: number | null;
  ci95: [number, number] | null;
  t: number | null;
  df: number | null;
  /** Two-sided p of "no difference"; null: too few values. */
  p: number | null;
  verdict: EffectVerdict;
  /** The level judged better at 95 % (this level or the reference); null when not distinguishable or too few. */
  better: Scalar | null;
  /** One plain sentence, e.g. "dropout vs batchnorm: +0.0210 val_accuracy [0.0040, 0.0380], dropout better …". */
  sentence: string;
}

export interface FactorFindings {
  param: string;
  /** Levels among the finished trials, in the sweep's trial order; the first is the reference. */
  levels: Scalar[];
  reference: Scalar;
  /** One per level other than the reference, in `levels` order. */
  effects: LevelEffect[];
}

/**
 * Whether the effect of `level` vs `reference` of `param` depends on `otherParam`: the paired mean of
 * (level − reference at otherLevel) − (level − reference at otherReference), over cells that have all four
 * combinations with the same seed and the same values of every other param. Only paired, only with ≥ 2 such cells.
 */
export interface InteractionFinding {
  param: string;
  level: Scalar;
  reference: Scalar;
  otherParam: string;
  otherLevel: Scalar;
  otherReference: Scalar;
  pairs: number;
  difference: number;
  ci95: [number, number];
  t: number | null;
  df: number;
  p: number;
  /** p < 0.05: the effect differs between the two levels of `otherParam`. */
  depends: boolean;
  sentence: string;
}

/**
 * What the finished trials say about each swept factor: for every param with ≥ 2 levels among them (never the
 * seed), each level against the reference level on the objective. See docs/statistics.md.
 */
export interface Findings {
  /** How the trials differ from the spec as written (a profile's note); null: they do not. */
  profileNote: string | null;
  metric: string;
  goal: Goal;
  /** Finished trials that count: the members of the ranked groups (pruned, failed and unfinished ones never). */
  trials: number;
  factors: FactorFindings[];
  /** Params left out, with why (e.g. more levels than findings list). */
  skipped: Array<{ param: string; reason: string }>;
  interactions: InteractionFinding[];
}
