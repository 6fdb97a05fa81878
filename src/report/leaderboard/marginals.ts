import type { Scalar } from '../../domain/trial-config.js';
import { summarize } from '../stats/descriptive.js';
import { metricRange } from './metric-range.js';
import type { MarginalEffect, TrialRow } from './types.js';

function compareLevels(a: Scalar, b: Scalar): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/**
 * For each param, the objective over all ranked trials at each of its levels (pooled across other params); the
 * CI of a metric bounded in [0, 1] stays inside it (see metricRange).
 */
export function buildMarginals(rows: readonly TrialRow[], params: readonly string[], metric: string): MarginalEffect[] {
  const ranked = rows.filter((r) => r.rank !== null && r.objective !== null);
  return params.map((param) => {
    const byLevel = new Map<Scalar, number[]>();
    for (const row of ranked) {
      const level = row.params[param];
      if (level === undefined) continue;
      const values = byLevel.get(level) ?? [];
      values.push(row.objective!);
      byLevel.set(level, values);
    }
    const levels = [...byLevel.entries()]
      .sort(([a], [b]) => compareLevels(a, b))
      .map(([level, values]) => ({ level, summary: summarize(values, metricRange(metric)) }));
    return { param, levels };
  });
}
