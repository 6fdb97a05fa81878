import type { Objective } from '../../domain/trial-config.js';
import type { TrialView } from '../types.js';
import { bestEpochOf, compareByGoal } from './objective.js';
import type { TrialRow } from './types.js';

const RANKABLE = new Set(['COMPLETED', 'STOPPED']);

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

function toRow(trial: TrialView, objective: Objective): TrialRow {
  const best = trial.status === 'FAILED' ? null : bestEpochOf(trial, objective);
  return {
    rank: null,
    id: trial.id,
    shortId: trial.id.slice(0, 8),
    status: trial.status,
    params: trial.params,
    seed: trial.seed,
    bestEpoch: best?.epoch ?? null,
    objective: finiteOrNull(best?.[objective.metric]),
    valAccuracy: finiteOrNull(best?.val_accuracy),
    valLoss: finiteOrNull(best?.val_loss),
    valAuc: finiteOrNull(best?.val_auc),
    epochsRun: trial.epochs.length,
    durationMs: trial.durationMs,
    error: trial.error ?? null,
    onnx: trial.onnx ?? null,
  };
}

/**
 * All trials as rows: ranked ones (COMPLETED or STOPPED with a finite objective) best first with ranks
 * 1..n, then the rest in input order, FAILED trials last.
 */
export function buildTrialRows(trials: readonly TrialView[], objective: Objective): TrialRow[] {
  const rows = trials.map((t) => toRow(t, objective));
  const ranked = rows
    .filter((r) => RANKABLE.has(r.status) && r.objective !== null)
    .sort((a, b) => compareByGoal(a.objective!, b.objective!, objective.goal) || a.id.localeCompare(b.id));
  ranked.forEach((r, i) => (r.rank = i + 1));
  const unranked = rows.filter((r) => r.rank === null && r.status !== 'FAILED');
  const failed = rows.filter((r) => r.status === 'FAILED');
  return [...ranked, ...unranked, ...failed];
}
