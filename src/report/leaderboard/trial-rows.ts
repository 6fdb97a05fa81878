import type { Objective } from '../../domain/trial-config.js';
import type { TrialView } from '../types.js';
import { compareByGoal, judgedEpochOf, rungOf } from './objective.js';
import type { TrialRow } from './types.js';

const RANKABLE = new Set(['COMPLETED', 'STOPPED']);

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

function toRow(trial: TrialView, objective: Objective): TrialRow {
  // A PRUNED trial is read at its rung (its last epoch), never at a best epoch: see judgedEpochOf.
  const judged = trial.status === 'FAILED' ? null : judgedEpochOf(trial, objective);
  return {
    rank: null,
    id: trial.id,
    shortId: trial.id.slice(0, 8),
    status: trial.status,
    params: trial.params,
    seed: trial.seed,
    bestEpoch: judged?.epoch ?? null,
    objective: finiteOrNull(judged?.[objective.metric]),
    valAccuracy: finiteOrNull(judged?.val_accuracy),
    valLoss: finiteOrNull(judged?.val_loss),
    valAuc: finiteOrNull(judged?.val_auc),
    epochsRun: trial.epochs.length,
    durationMs: trial.durationMs,
    error: trial.error ?? null,
    onnx: trial.onnx ?? null,
    prunedAt: trial.status === 'PRUNED' ? rungOf(trial) : null,
  };
}

/** Pruned trials: deepest rung first (they survived longer), then by their value there (null last), then id. */
function comparePruned(a: TrialRow, b: TrialRow, objective: Objective): number {
  if (a.prunedAt !== b.prunedAt) return (b.prunedAt ?? 0) - (a.prunedAt ?? 0);
  if (a.objective !== null && b.objective !== null) return compareByGoal(a.objective, b.objective, objective.goal) || a.id.localeCompare(b.id);
  if (a.objective !== b.objective) return a.objective === null ? 1 : -1;
  return a.id.localeCompare(b.id);
}

/**
 * All trials as rows: ranked ones (COMPLETED or STOPPED with a finite objective) best first with ranks
 * 1..n; then PRUNED trials, unranked (their values are at the rung, not at the end of training), deepest rung
 * first; then the rest in input order; FAILED trials last.
 */
export function buildTrialRows(trials: readonly TrialView[], objective: Objective): TrialRow[] {
  const rows = trials.map((t) => toRow(t, objective));
  const ranked = rows
    .filter((r) => RANKABLE.has(r.status) && r.objective !== null)
    .sort((a, b) => compareByGoal(a.objective!, b.objective!, objective.goal) || a.id.localeCompare(b.id));
  ranked.forEach((r, i) => (r.rank = i + 1));
  const pruned = rows.filter((r) => r.status === 'PRUNED').sort((a, b) => comparePruned(a, b, objective));
  const unranked = rows.filter((r) => r.rank === null && r.status !== 'FAILED' && r.status !== 'PRUNED');
  const failed = rows.filter((r) => r.status === 'FAILED');
  return [...ranked, ...pruned, ...unranked, ...failed];
}
