import { studentTQuantile } from './student-t.js';

/** Summary of a sample; `std` and `ci95` are null when n < 2 (one value has no spread to estimate). */
export interface SampleSummary {
  n: number;
  mean: number;
  std: number | null;        // sample standard deviation (n − 1)
  ci95: [number, number] | null; // Student t interval for the mean
  min: number;
  max: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty sample');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance with Bessel's correction (n − 1). */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError(`sample variance needs n ≥ 2, got n=${values.length}`);
  const m = mean(values);
  let sumSquares = 0;
  for (const v of values) sumSquares += (v - m) ** 2;
  return sumSquares / (values.length - 1);
}

/** Half-width of the two-sided confidence interval of the mean. */
export function confidenceHalfWidth(std: number, n: number, level = 0.95): number {
  if (n < 2) throw new RangeError(`a confidence interval needs n ≥ 2, got n=${n}`);
  return studentTQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n));
}

export function summarize(values: readonly number[]): SampleSummary {
  if (values.length === 0) throw new RangeError('cannot summarize an empty sample');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`cannot summarize a sample containing ${v}`);
  }
  const m = mean(values);
  const n = values.length;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n < 2) return { n, mean: m, std: null, ci95: null, min, max };
  const std = Math.sqrt(sampleVariance(values));
  const half = confidenceHalfWidth(std, n);
  return { n, mean: m, std, ci95: [m - half, m + half], min, max };
}
