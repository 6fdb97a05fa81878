import { lnGamma } from './special-functions.js';
import { mean, sampleVariance } from './moments.js';
import { studentTTwoSidedP } from './student-t.js';

/**
 * Result of a two-sided t-test of mean(a) − mean(b). When both samples have zero variance the statistic is
 * undefined: `t` is null and p is 0 if the means differ (a deterministic difference), 1 if they are equal.
 */
export interface TTestResult {
  t: number | null;
  df: number;
  p: number;
  meanDifference: number;
}

function degenerate(meanDifference: number, df: number): TTestResult {
  return { t: null, df, p: meanDifference === 0 ? 1 : 0, meanDifference };
}

/** Welch's unequal-variance t-test with Welch–Satterthwaite degrees of freedom. Needs n ≥ 2 in both samples. */
export function welchTTest(a: readonly number[], b: readonly number[]): TTestResult {
  if (a.length < 2 || b.length < 2) {
    throw new RangeError(`Welch's t-test needs n ≥ 2 in both samples, got n=${a.length} and n=${b.length}`);
  }
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const meanDifference = mean(a) - mean(b);
  const se2 = va + vb;
  if (se2 === 0) return degenerate(meanDifference, a.length + b.length - 2);
  const df = (se2 * se2) / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const t = meanDifference / Math.sqrt(se2);
  return { t, df, p: studentTTwoSidedP(t, df), meanDifference };
}

/** Paired t-test on a[i] − b[i]. Needs two equally long samples with n ≥ 2. */
export function pairedTTest(a: readonly number[], b: readonly number[]): TTestResult {
  if (a.length !== b.length) throw new RangeError(`paired t-test needs equal lengths, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new RangeError(`paired t-test needs n ≥ 2 pairs, got ${a.length}`);
  const differences = a.map((v, i) => v - b[i]!);
  const meanDifference = mean(differences);
  const df = differences.length - 1;
  const variance = sampleVariance(differences);
  if (variance === 0) return degenerate(meanDifference, df);
  const t = meanDifference / Math.sqrt(variance / differences.length);
  return { t, df, p: studentTTwoSidedP(t, df), meanDifference };
}

/** Effect sizes of mean(a) − mean(b) in units of the pooled standard deviation. */
export interface EffectSize {
  cohensD: number;
  hedgesG: number;
}

/** Cohen's d (pooled SD) and Hedges' g (d times the exact small-sample correction J). Null when undefined. */
export function effectSize(a: readonly number[], b: readonly number[]): EffectSize | null {
  if (a.length < 2 || b.length < 2) return null;
  const df = a.length + b.length - 2;
  const pooledVariance = ((a.length - 1) * sampleVariance(a) + (b.length - 1) * sampleVariance(b)) / df;
  if (pooledVariance === 0) return null;
  const cohensD = (mean(a) - mean(b)) / Math.sqrt(pooledVariance);
  return { cohensD, hedgesG: cohensD * hedgesCorrection(df) };
}

/** J(df) = Γ(df/2) / (√(df/2) · Γ((df−1)/2)). */
export function hedgesCorrection(df: number): number {
  if (df < 2) throw new RangeError(`Hedges' correction needs df ≥ 2, got ${df}`);
  return Math.exp(lnGamma(df / 2) - lnGamma((df - 1) / 2)) / Math.sqrt(df / 2);
}
