import type { Goal, Objective } from '../../domain/trial-config.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { TrialView } from '../types.js';

/** True when `a` is strictly better than `b` under the goal. */
export function isBetter(a: number, b: number, goal: Goal): boolean {
  return goal === 'max' ? a > b : a < b;
}

/** Sort comparator: better values first. */
export function compareByGoal(a: number, b: number, goal: Goal): number {
  return goal === 'max' ? b - a : a - b;
}

/**
 * The epoch a trial is judged by: its recorded `bestEpoch`, else the epoch with the best finite objective
 * metric. Null when the trial has no epoch with a finite objective value.
 */
export function bestEpochOf(trial: TrialView, objective: Objective): EpochMetrics | null {
  if (trial.bestEpoch !== null) {
    const recorded = trial.epochs.find((e) => e.epoch === trial.bestEpoch);
    if (recorded === undefined) {
      const seen = trial.epochs.map((e) => e.epoch).join(', ') || 'none';
      throw new Error(
        `trial ${trial.id}: bestEpoch ${trial.bestEpoch} is not among its recorded epochs (${seen}); ` +
          'the trial record and its epoch events disagree — rebuild the view from the SWEEP_EVENTS stream',
      );
    }
    if (Number.isFinite(recorded[objective.metric])) return recorded;
  }
  let best: EpochMetrics | null = null;
  for (const e of trial.epochs) {
    const v = e[objective.metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === null || isBetter(v, best[objective.metric] ?? NaN, objective.goal)) best = e;
  }
  return best;
}

/** A pruned trial's rung: the last epoch it trained; 0 when it was pruned before its first epoch. */
export function rungOf(trial: TrialView): number {
  return trial.epochs.reduce((last, e) => Math.max(last, e.epoch), 0);
}

/**
 * The epoch a trial's objective value is read at. A PRUNED trial is read at its last epoch (the rung where the
 * scheduler stopped it), not at its best one: that is the value the scheduler judged it by, and it says how far
 * the trial got rather than picking its luckiest epoch of a run cut short. Its value is therefore not
 * comparable with a full run's and is never ranked against one. Every other trial: `bestEpochOf`.
 */
export function judgedEpochOf(trial: TrialView, objective: Objective): EpochMetrics | null {
  if (trial.status !== 'PRUNED') return bestEpochOf(trial, objective);
  const rung = rungOf(trial);
  return trial.epochs.find((e) => e.epoch === rung) ?? null;
}
