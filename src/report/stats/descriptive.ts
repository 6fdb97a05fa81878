import { logitTInterval } from './logit-interval.js';
import { mean, sampleVariance } from './moments.js';
import { studentTQuantile } from './student-t.js';

export { mean, sampleVariance } from './moments.js';

/**
 * How `ci95` was computed: 't' is the Student t interval of the mean; 'logit-t' is the Student t interval on the
 * logit scale, back-transformed, for values bounded in [0, 1] (see logitTInterval).
 */
export type CiMethod = 't' | 'logit-t';

/**
 * The range a metric's values live in: 'unit-interval' for metrics bounded in [0, 1] (accuracy, AUC…), whose
 * intervals must stay inside it; 'unbounded' for everything else (losses).
 */
export type ValueRange = 'unbounded' | 'unit-interval';

/** Summary of a sample; `std` and `ci95` are null when n < 2 (one value has no spread to estimate). */
export interface SampleSummary {
  n: number;
  mean: number;
  std: number | null;        // sample standard deviation (n − 1)
  ci95: [number, number] | null; // 95 % interval for the mean, by `ci95Method`
  /** Null exactly when `ci95` is null. */
  ci95Method: CiMethod | null;
  min: number;
  max: number;
}

/** Half-width of the two-sided confidence interval of the mean. */
export function confidenceHalfWidth(std: number, n: number, level = 0.95): number {
  if (n < 2) throw new RangeError(`a confidence interval needs n ≥ 2, got n=${n}`);
  return studentTQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n));
}

/**
 * n, mean, sample std, 95 % CI, min and max. The CI is the Student t interval of the mean ('t'), except for a
 * 'unit-interval' range whose values all lie in [0, 1]: then the logit-scale t interval ('logit-t'), which never
 * leaves [0, 1]. A value outside [0, 1] falls back to 't' (the metric is then not what its name suggested).
 */
export function summarize(values: readonly number[], range: ValueRange = 'unbounded'): SampleSummary {
  if (values.length === 0) throw new RangeError('cannot summarize an empty sample');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`cannot summarize a sample containing ${v}`);
  }
  const m = mean(values);
  const n = values.length;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n < 2) return { n, mean: m, std: null, ci95: null, ci95Method: null, min, max };
  const std = Math.sqrt(sampleVariance(values));
  if (range === 'unit-interval' && min >= 0 && max <= 1) {
    return { n, mean: m, std, ci95: logitTInterval(values), ci95Method: 'logit-t', min, max };
  }
  const half = confidenceHalfWidth(std, n);
  return { n, mean: m, std, ci95: [m - half, m + half], ci95Method: 't', min, max };
}
