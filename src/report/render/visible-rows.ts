import type { GroupRow, Leaderboard, LeaderboardMode, PrunedGroupRow, TrialRow } from '../leaderboard/types.js';

/**
 * Trials a renderer shows: with `top`, the first N ranked trials, then every failed one (failures stay
 * visible); pruned trials are never among the best N, so `top` leaves them out (the summary line counts them).
 */
export function visibleTrials(lb: Leaderboard): TrialRow[] {
  if (lb.top === null) return lb.trials;
  const ranked = lb.trials.filter((t) => t.rank !== null && t.rank <= lb.top!);
  return [...ranked, ...lb.trials.filter((t) => t.status === 'FAILED')];
}

export function visibleGroups(lb: Leaderboard): GroupRow[] {
  return lb.top === null ? lb.groups : lb.groups.slice(0, lb.top);
}

/** Pruned groups a renderer shows: all of them, none with `top` (they are never among the best N). */
export function visiblePruned(lb: Leaderboard): PrunedGroupRow[] {
  return lb.top === null ? lb.pruned : [];
}

/** A trial's status as shown: PRUNED says where, e.g. "PRUNED at epoch 3". */
export function statusText(row: Pick<TrialRow, 'status' | 'prunedAt'>): string {
  if (row.prunedAt === null) return row.status;
  return row.prunedAt > 0 ? `PRUNED at epoch ${row.prunedAt}` : 'PRUNED before training';
}

export function resolveMode(lb: Leaderboard, mode: LeaderboardMode | undefined): LeaderboardMode {
  if (mode !== undefined && mode !== 'groups' && mode !== 'trials') {
    throw new Error(`unknown leaderboard mode '${String(mode)}'; use 'groups' or 'trials'`);
  }
  return mode ?? lb.defaultMode;
}

/** Columns for metrics: the objective first when it is not one of the three always shown. */
export const SHOWN_METRICS = ['val_accuracy', 'val_loss', 'val_auc'] as const;
