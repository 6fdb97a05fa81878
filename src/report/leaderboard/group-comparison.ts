import type { Goal } from '../../domain/trial-config.js';
import { effectSize, pairedTTest, welchTTest } from '../stats/t-tests.js';
import { isBetter } from './objective.js';
import type { GroupComparison, Verdict } from './types.js';

/** One group's objective values with the seed each came from. */
export interface GroupSample {
  key: string;
  values: number[];
  seeds: number[];
}

export const SIGNIFICANCE_LEVEL = 0.05;

function sameDistinctSeeds(a: GroupSample, b: GroupSample): boolean {
  const setA = new Set(a.seeds);
  const setB = new Set(b.seeds);
  if (setA.size !== a.seeds.length || setB.size !== b.seeds.length || setA.size !== setB.size) return false;
  return [...setA].every((s) => setB.has(s));
}

function valuesBySeed(sample: GroupSample): number[] {
  return sample.seeds
    .map((seed, i) => ({ seed, value: sample.values[i]! }))
    .sort((x, y) => x.seed - y.seed)
    .map((x) => x.value);
}

export function compareWithBest(group: GroupSample, best: GroupSample): GroupComparison {
  const meanOf = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const bothReplicated = group.values.length >= 2 && best.values.length >= 2;
  const paired =
    bothReplicated && sameDistinctSeeds(group, best)
      ? { ...pairedTTest(valuesBySeed(group), valuesBySeed(best)), pairs: group.values.length }
      : null;
  const effect = bothReplicated ? effectSize(group.values, best.values) : null;
  return {
    against: best.key,
    meanDifference: meanOf(group.values) - meanOf(best.values),
    welch: bothReplicated ? welchTTest(group.values, best.values) : null,
    paired,
    cohensD: effect?.cohensD ?? null,
    hedgesG: effect?.hedgesG ?? null,
  };
}

/** Plain-words verdict; Welch's test decides (it does not assume equal variances or correlated seeds). */
export function verdictOf(comparison: GroupComparison | null, groupMean: number, bestMean: number, goal: Goal): Verdict {
  if (comparison === null) return 'best';
  if (comparison.welch === null) return 'n=1, no test';
  if (comparison.welch.p < SIGNIFICANCE_LEVEL && isBetter(bestMean, groupMean, goal)) return 'worse';
  return 'not distinguishable from best at 95 %';
}
