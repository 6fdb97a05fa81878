/** A deterministic sample of ranked rows and the rule that drew it. */
export interface RankSample<T> {
  rows: T[];
  /** k: every k-th row was taken (1: all of them). */
  step: number;
}

/**
 * At most `max` of `rows` (in rank order, best first): rows 1, 1 + k, 1 + 2k, … with k = ⌈n / max⌉, so the best
 * row is always in and the sample spreads evenly over the ranking. Same input, same sample: no randomness.
 */
export function everyKthByRank<T>(rows: readonly T[], max: number): RankSample<T> {
  if (!(Number.isInteger(max) && max > 0)) throw new Error(`a sample size must be a positive integer, got ${max}`);
  const step = Math.max(1, Math.ceil(rows.length / max));
  if (step === 1) return { rows: [...rows], step };
  const picked: T[] = [];
  for (let i = 0; i < rows.length; i += step) picked.push(rows[i]!);
  return { rows: picked, step };
}
