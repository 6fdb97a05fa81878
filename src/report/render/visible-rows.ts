import type { GroupRow, Leaderboard, LeaderboardMode, TrialRow } from '../leaderboard/types.js';

/** Trials a renderer shows: with `top`, the first N ranked trials, then every failed one (failures stay visible). */
export function visibleTrials(lb: Leaderboard): TrialRow[] {
  if (lb.top === null) return lb.trials;
  const ranked = lb.trials.filter((t) => t.rank !== null && t.rank <= lb.top!);
  return [...ranked, ...lb.trials.filter((t) => t.status === 'FAILED')];
}

export function visibleGroups(lb: Leaderboard): GroupRow[] {
  return lb.top === null ? lb.groups : lb.groups.slice(0, lb.top);
}

export function resolveMode(lb: Leaderboard, mode: LeaderboardMode | undefined): LeaderboardMode {
  if (mode !== undefined && mode !== 'groups' && mode !== 'trials') {
    throw new Error(`unknown leaderboard mode '${String(mode)}'; use 'groups' or 'trials'`);
  }
  return mode ?? lb.defaultMode;
}

/** Columns for metrics: the objective first when it is not one of the three always shown. */
export const SHOWN_METRICS = ['val_accuracy', 'val_loss', 'val_auc'] as const;
