import { mean, sampleVariance } from './moments.js';
import { studentTQuantile } from './student-t.js';

/**
 * Values of exactly 0 or 1 have no logit: before the transform every value is clamped to [ε, 1 − ε] with this ε.
 * It is below the resolution of a validation set of up to 10,000 examples, so only exact 0s and 1s move.
 */
export const LOGIT_EPSILON = 1e-4;

export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** The inverse of `logit`: 1 / (1 + e^−z), written so that neither tail overflows. */
export function expit(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * A two-sided confidence interval for values bounded in [0, 1] (accuracy, AUC…) that stays inside [0, 1]: the
 * Student t interval of the mean of logit(clamp(x, ε, 1 − ε)), back-transformed with `expit`. It is an interval
 * for the centre on the logit scale, so it is not symmetric about the arithmetic mean. When the clamped values
 * have no spread on the logit scale (all equal after clamping) the interval is [min, max] of the raw values.
 * Needs n ≥ 2 values, each in [0, 1].
 */
export function logitTInterval(values: readonly number[], level = 0.95, epsilon = LOGIT_EPSILON): [number, number] {
  if (values.length < 2) throw new RangeError(`a confidence interval needs n ≥ 2, got n=${values.length}`);
  for (const v of values) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`a logit interval needs values in [0, 1], got ${v}`);
  }
  const z = values.map((v) => logit(Math.min(Math.max(v, epsilon), 1 - epsilon)));
  const variance = sampleVariance(z);
  if (variance === 0) return [Math.min(...values), Math.max(...values)];
  const centre = mean(z);
  const half = studentTQuantile(1 - (1 - level) / 2, values.length - 1) * Math.sqrt(variance / values.length);
  return [expit(centre - half), expit(centre + half)];
}
