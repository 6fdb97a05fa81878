import { mean, sampleVariance } from './moments.js';
import { studentTQuantile, studentTTwoSidedP } from './student-t.js';

/**
 * An estimated mean difference with its two-sided 95 % Student t interval and test of "difference = 0".
 * The interval and the test agree: p < 0.05 exactly when the interval leaves out 0. With no spread at all
 * (standard error 0) `t` is null, the interval is [estimate, estimate] and p is 0 for a non-zero estimate,
 * 1 for zero (as in t-tests.ts).
 */
export interface DifferenceEstimate {
  estimate: number;
  ci95: [number, number];
  t: number | null;
  df: number;
  p: number;
}

function estimateOf(estimate: number, standardError: number, df: number): DifferenceEstimate {
  if (standardError === 0) return { estimate, ci95: [estimate, estimate], t: null, df, p: estimate === 0 ? 1 : 0 };
  const half = studentTQuantile(0.975, df) * standardError;
  const t = estimate / standardError;
  return { estimate, ci95: [estimate - half, estimate + half], t, df, p: studentTTwoSidedP(t, df) };
}

/**
 * Paired differences (one per pair): their mean, the t interval with n − 1 degrees of freedom and the paired
 * t-test's p (scipy.stats.ttest_rel on the two sides gives the same t and p). Needs n ≥ 2.
 */
export function pairedDifference(differences: readonly number[]): DifferenceEstimate {
  if (differences.length < 2) throw new RangeError(`a paired difference needs n ≥ 2 pairs, got ${differences.length}`);
  const n = differences.length;
  return estimateOf(mean(differences), Math.sqrt(sampleVariance(differences) / n), n - 1);
}

/**
 * mean(a) − mean(b) of two independent samples: Welch's unequal-variance interval and test (Welch–Satterthwaite
 * degrees of freedom; scipy.stats.ttest_ind(a, b, equal_var=False)). Needs n ≥ 2 on each side.
 */
export function welchDifference(a: readonly number[], b: readonly number[]): DifferenceEstimate {
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(`Welch's interval needs n ≥ 2 on each side, got n=${a.length} and n=${b.length}`);
  }
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se2 = va + vb;
  const estimate = mean(a) - mean(b);
  const df = se2 === 0 ? a.length + b.length - 2 : (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  return estimateOf(estimate, Math.sqrt(se2), df);
}
