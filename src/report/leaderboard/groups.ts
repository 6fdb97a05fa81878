import type { Objective, Scalar } from '../../domain/trial-config.js';
import type { TrialView } from '../types.js';
import { summarize, type SampleSummary } from '../stats/descriptive.js';
import { compareWithBest, verdictOf, type GroupSample } from './group-comparison.js';
import { groupKey } from './group-key.js';
import { metricRange } from './metric-range.js';
import { compareByGoal } from './objective.js';
import type { GroupRow, PrunedGroupRow, TrialRow } from './types.js';

function summarizeFinite(values: Array<number | null>, metric: string): SampleSummary | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return finite.length > 0 ? summarize(finite, metricRange(metric)) : null;
}

function paramsOf(first: TrialRow, groupBy: readonly string[]): Record<string, Scalar> {
  const params: Record<string, Scalar> = {};
  for (const name of groupBy) {
    const v = first.params[name];
    if (v !== undefined) params[name] = v;
  }
  return params;
}

/** The keys of the groups the scheduler stopped: those with a PRUNED trial. */
function prunedKeys(rows: readonly TrialRow[], groupBy: readonly string[]): Set<string> {
  return new Set(rows.filter((r) => r.status === 'PRUNED').map((r) => groupKey(r.params, groupBy)));
}

/**
 * Groups of ranked trials sharing the `groupBy` params, best mean first, each compared with the best. A group the
 * scheduler stopped is not one of them even when a seed finished before the stop (a first seed that ran on alone):
 * ranking it on that seed would set one lucky run against groups of all their seeds.
 */
export function buildGroups(rows: readonly TrialRow[], groupBy: readonly string[], objective: Objective): GroupRow[] {
  const members = new Map<string, TrialRow[]>();
  const stopped = prunedKeys(rows, groupBy);
  for (const row of rows) {
    if (row.rank === null) continue;
    const key = groupKey(row.params, groupBy);
    if (stopped.has(key)) continue;
    const list = members.get(key) ?? [];
    list.push(row);
    members.set(key, list);
  }
  const groups = [...members.entries()].map(([key, trials]) => {
    const params = paramsOf(trials[0]!, groupBy);
    const values = trials.map((t) => t.objective!);
    const row: GroupRow = {
      rank: 0,
      key,
      params,
      trialIds: trials.map((t) => t.id),
      seeds: trials.map((t) => t.seed),
      n: trials.length,
      objective: summarize(values, metricRange(objective.metric)),
      valLoss: summarizeFinite(trials.map((t) => t.valLoss), 'val_loss'),
      valAuc: summarizeFinite(trials.map((t) => t.valAuc), 'val_auc'),
      bestEpochMean: trials.reduce((s, t) => s + (t.bestEpoch ?? 0), 0) / trials.length,
      comparison: null,
      verdict: 'best',
    };
    return { sample: { key, values, seeds: trials.map((t) => t.seed) } satisfies GroupSample, row };
  });
  groups.sort(
    (a, b) =>
      compareByGoal(a.row.objective.mean, b.row.objective.mean, objective.goal) ||
      b.row.n - a.row.n ||
      a.row.key.localeCompare(b.row.key),
  );
  const best = groups[0];
  groups.forEach((g, i) => {
    g.row.rank = i + 1;
    if (i === 0 || best === undefined) return;
    g.row.comparison = compareWithBest(g.sample, best.sample);
    g.row.verdict = verdictOf(g.row.comparison, g.row.objective.mean, best.row.objective.mean, objective.goal);
  });
  return groups.map((g) => g.row);
}

export function prunedLabel(rung: number): string {
  return rung > 0 ? `pruned at epoch ${rung}` : 'pruned before training';
}

/**
 * Groups the scheduler stopped early: those with a PRUNED trial (with any of their seeds that finished before the
 * stop). Never ranked or tested against the ranked groups: each gets its rung (the earliest epoch a pruned seed
 * stopped at) and the mean over its seeds of the objective at that epoch. Deepest rung first, then by that mean
 * (groups without one last), then by key.
 */
export function buildPrunedGroups(
  views: readonly TrialView[],
  rows: readonly TrialRow[],
  groupBy: readonly string[],
  objective: Objective,
): PrunedGroupRow[] {
  const stopped = prunedKeys(rows, groupBy);
  const members = new Map<string, TrialRow[]>();
  for (const row of rows) {
    if (row.status !== 'PRUNED' && row.rank === null) continue;
    const key = groupKey(row.params, groupBy);
    if (!stopped.has(key)) continue;
    const list = members.get(key) ?? [];
    list.push(row);
    members.set(key, list);
  }
  const epochsById = new Map(views.map((v) => [v.id, v.epochs]));
  const groups = [...members.entries()].map(([key, trials]): PrunedGroupRow => {
    // Seeds may stop at different epoch boundaries after one decision: the earliest last epoch is one every
    // seed that trained has reached, so the mean is over the same epoch for all of them.
    const trained = trials.filter((t) => t.status === 'PRUNED').map((t) => t.prunedAt ?? 0).filter((e) => e > 0);
    const rung = trained.length > 0 ? Math.min(...trained) : 0;
    const values = trials
      .map((t) => epochsById.get(t.id)?.find((e) => e.epoch === rung)?.[objective.metric])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    return {
      key,
      params: paramsOf(trials[0]!, groupBy),
      trialIds: trials.map((t) => t.id),
      seeds: trials.map((t) => t.seed),
      n: trials.length,
      rung,
      value: values.length > 0 ? values.reduce((sum, v) => sum + v, 0) / values.length : null,
      valueN: values.length,
      label: prunedLabel(rung),
    };
  });
  return groups.sort((a, b) => {
    if (a.rung !== b.rung) return b.rung - a.rung;
    if (a.value !== null && b.value !== null && a.value !== b.value) return compareByGoal(a.value, b.value, objective.goal);
    if ((a.value === null) !== (b.value === null)) return a.value === null ? 1 : -1;
    return a.key.localeCompare(b.key);
  });
}
