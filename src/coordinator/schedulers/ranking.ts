import type { Goal } from '../../domain/trial-config.js';

/**
 * Values in "score" space, where higher is better whatever the goal: the value for goal max, its negation for
 * goal min (Ray Tune's metric_op), and NaN as -Infinity (worst). The quantile and median below follow numpy's
 * defaults (linear interpolation) on scores, so a cutoff is exactly what Ray Tune computes.
 */

export function toScore(value: number, goal: Goal): number {
  if (Number.isNaN(value)) return -Infinity;
  return goal === 'max' ? value : -value;
}

export function fromScore(score: number, goal: Goal): number {
  return goal === 'max' ? score : -score;
}

/**
 * numpy's linear interpolation (`_lerp`), made total over infinities: interpolating away from -Infinity stays
 * -Infinity and towards +Infinity is +Infinity (never NaN).
 */
export function lerp(a: number, b: number, t: number): number {
  if (t === 0 || a === b) return a;
  if (a === -Infinity) return -Infinity;
  if (b === Infinity) return Infinity;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** np.percentile(values, q) with the default 'linear' method; q in [0, 100]. Values must be non-empty, no NaN. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort(ascending);
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of no values');
  const virtual = (n - 1) * (q / 100);
  const below = Math.min(Math.floor(virtual), n - 1);
  const above = Math.min(below + 1, n - 1);
  return lerp(sorted[below]!, sorted[above]!, virtual - below);
}

/** np.median: the middle value, or the mean of the two middle values (total over infinities). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort(ascending);
  const n = sorted.length;
  if (n === 0) throw new RangeError('median of no values');
  const a = sorted[Math.floor((n - 1) / 2)]!;
  const b = sorted[Math.floor(n / 2)]!;
  if (a === b || a === -Infinity) return a;
  if (b === Infinity) return b;
  return (a + b) / 2;
}

/** Ascending order that is total over ±Infinity (x - y would be NaN for two equal infinities). */
function ascending(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
