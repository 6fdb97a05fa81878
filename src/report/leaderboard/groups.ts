import type { Objective, Scalar } from '../../domain/trial-config.js';
import { summarize, type SampleSummary } from '../stats/descriptive.js';
import { compareWithBest, verdictOf, type GroupSample } from './group-comparison.js';
import { groupKey } from './group-key.js';
import { compareByGoal } from './objective.js';
import type { GroupRow, TrialRow } from './types.js';

function summarizeFinite(values: Array<number | null>): SampleSummary | null {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return finite.length > 0 ? summarize(finite) : null;
}

/** Groups of ranked trials sharing the `groupBy` params, best mean first, each compared with the best. */
export function buildGroups(rows: readonly TrialRow[], groupBy: readonly string[], objective: Objective): GroupRow[] {
  const members = new Map<string, TrialRow[]>();
  for (const row of rows) {
    if (row.rank === null) continue;
    const key = groupKey(row.params, groupBy);
    const list = members.get(key) ?? [];
    list.push(row);
    members.set(key, list);
  }
  const groups = [...members.entries()].map(([key, trials]) => {
    const params: Record<string, Scalar> = {};
    for (const name of groupBy) {
      const v = trials[0]!.params[name];
      if (v !== undefined) params[name] = v;
    }
    const values = trials.map((t) => t.objective!);
    const row: GroupRow = {
      rank: 0,
      key,
      params,
      trialIds: trials.map((t) => t.id),
      seeds: trials.map((t) => t.seed),
      n: trials.length,
      objective: summarize(values),
      valLoss: summarizeFinite(trials.map((t) => t.valLoss)),
      valAuc: summarizeFinite(trials.map((t) => t.valAuc)),
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
