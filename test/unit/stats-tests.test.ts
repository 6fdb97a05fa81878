// Reference values: Welch example from Wikipedia ("Welch's t-test", samples A1/A2: t = −2.46, df ≈ 25.0,
// p = 0.021) refined with scipy.stats.ttest_ind(equal_var=False); paired values from scipy.stats.ttest_rel;
// Hedges' J from math.gamma in Python; CI from scipy.stats.t.ppf.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { effectSize, hedgesCorrection, pairedTTest, welchTTest } from '../../src/report/stats/t-tests.js';
import { summarize } from '../../src/report/stats/descriptive.js';

function close(actual: number | null, expected: number, relTol: number, what: string): void {
  assert.ok(actual !== null, `${what}: got null`);
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${what}: got ${actual}, expected ${expected} (relative error ${err})`);
}

const A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

describe("Welch's t-test", () => {
  test('textbook example', () => {
    const r = welchTTest(A1, A2);
    close(r.t, -2.455356398286006, 1e-10, 't');
    close(r.df, 24.988529290231416, 1e-10, 'df');
    close(r.p, 0.021378001462866992, 1e-9, 'p');
  });
  test('small unequal samples', () => {
    const r = welchTTest([0.81, 0.83, 0.8], [0.78, 0.79, 0.8, 0.77]);
    close(r.t, 2.5924756956542927, 1e-10, 't');
    close(r.df, 3.9593147751606113, 1e-10, 'df');
    close(r.p, 0.06114410196916199, 1e-9, 'p');
  });
  test('zero variance in both samples: no statistic, p decided by the means', () => {
    const differ = welchTTest([0.5, 0.5], [0.4, 0.4]);
    assert.equal(differ.t, null);
    assert.equal(differ.p, 0);
    assert.equal(welchTTest([0.5, 0.5], [0.5, 0.5]).p, 1);
  });
  test('n = 1 is refused with a clear message', () => {
    assert.throws(() => welchTTest([1], [1, 2]), /n ≥ 2 in both samples/);
  });
});

describe('paired t-test', () => {
  test('matches scipy.stats.ttest_rel', () => {
    const r = pairedTTest([0.812, 0.805, 0.821, 0.799], [0.79, 0.801, 0.806, 0.785]);
    close(r.t, 3.710911605911571, 1e-10, 't');
    assert.equal(r.df, 3);
    close(r.p, 0.03402006848068876, 1e-9, 'p');
  });
  test('constant differences', () => {
    const r = pairedTTest([2, 3, 4], [1, 2, 3]);
    assert.equal(r.t, null);
    assert.equal(r.p, 0);
  });
});

describe('effect size', () => {
  test("Cohen's d and Hedges' g", () => {
    const e = effectSize([0.81, 0.83, 0.8], [0.78, 0.79, 0.8, 0.77]);
    assert.ok(e);
    close(e.cohensD, 2.037719031312892, 1e-10, 'd');
    close(e.hedgesG, 1.7132095907993483, 1e-10, 'g');
    close(hedgesCorrection(5), 0.8407486824596894, 1e-12, 'J(5)');
  });
  test('undefined for n = 1 or zero pooled variance', () => {
    assert.equal(effectSize([1], [1, 2]), null);
    assert.equal(effectSize([1, 1], [2, 2]), null);
  });
});

describe('summarize', () => {
  test('mean, sample std and t interval', () => {
    const s = summarize([0.71, 0.74, 0.69, 0.75, 0.72]);
    close(s.mean, 0.722, 1e-12, 'mean');
    close(s.std, 0.023874672772626667, 1e-12, 'std');
    assert.ok(s.ci95);
    close(s.ci95[0], 0.6923556783493336, 1e-10, 'ci low');
    close(s.ci95[1], 0.7516443216506661, 1e-10, 'ci high');
    assert.equal(s.min, 0.69);
    assert.equal(s.max, 0.75);
  });
  test('n = 1 has no std and no interval', () => {
    const s = summarize([0.5]);
    assert.equal(s.std, null);
    assert.equal(s.ci95, null);
  });
  test('rejects empty and non-finite samples', () => {
    assert.throws(() => summarize([]), /empty/);
    assert.throws(() => summarize([1, NaN]), /NaN/);
  });
});
