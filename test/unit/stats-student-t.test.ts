// Reference values come from published t tables and from scipy 1.17 (stats.t, special.betainc, special.gammaln),
// computed independently of this code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lnGamma, regularizedIncompleteBeta } from '../../src/report/stats/special-functions.js';
import { studentTCdf, studentTQuantile, studentTTwoSidedP } from '../../src/report/stats/student-t.js';

function close(actual: number, expected: number, relTol: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${what}: got ${actual}, expected ${expected} (relative error ${err})`);
}

describe('lnGamma', () => {
  test('matches known values', () => {
    close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13, 'lnΓ(0.5)');
    assert.ok(Math.abs(lnGamma(1)) < 1e-14);
    close(lnGamma(3.7), 1.428072326665388, 1e-13, 'lnΓ(3.7)');
    close(lnGamma(10), Math.log(362880), 1e-13, 'lnΓ(10) = ln 9!');
    close(lnGamma(100.5), 361.43554046777757, 1e-13, 'lnΓ(100.5)');
  });
  test('rejects non-positive input', () => {
    assert.throws(() => lnGamma(0), /x > 0/);
  });
});

describe('regularized incomplete beta', () => {
  test('matches scipy.special.betainc', () => {
    close(regularizedIncompleteBeta(0.3, 0.5, 0.5), 0.36901011956554536, 1e-12, 'I_0.3(0.5,0.5)');
    close(regularizedIncompleteBeta(0.4, 2, 3), 0.5248, 1e-12, 'I_0.4(2,3)');
    close(regularizedIncompleteBeta(0.9, 10, 0.5), 0.15164090963470994, 1e-12, 'I_0.9(10,0.5)');
    close(regularizedIncompleteBeta(0.99, 5.5, 0.5), 0.7451499079905479, 1e-12, 'I_0.99(5.5,0.5)');
    close(regularizedIncompleteBeta(0.77, 1, 1), 0.77, 1e-13, 'I_x(1,1) = x');
  });
  test('bounds and bad input', () => {
    assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
    assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
    assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), /0 ≤ x ≤ 1/);
    assert.throws(() => regularizedIncompleteBeta(0.5, -1, 3), /a, b > 0/);
  });
});

describe('Student t quantile', () => {
  test('matches published two-sided 95 % table values', () => {
    // Table values to 6 decimals (e.g. NIST/SEMATECH e-Handbook, Table of upper critical values).
    const table: Array<[number, number]> = [[1, 12.706205], [2, 4.302653], [3, 3.182446], [5, 2.570582], [10, 2.228139], [30, 2.042272]];
    for (const [df, expected] of table) {
      assert.ok(Math.abs(studentTQuantile(0.975, df) - expected) < 5e-7, `t(0.975, df=${df}) = ${studentTQuantile(0.975, df)}`);
    }
  });
  test('matches scipy for other levels and fractional df', () => {
    close(studentTQuantile(0.975, 7.3), 2.345066736547703, 1e-9, 't(0.975, 7.3)');
    close(studentTQuantile(0.995, 4), 4.604094871349992, 1e-9, 't(0.995, 4)');
    close(studentTQuantile(0.05, 12), -1.7822875556493194, 1e-9, 't(0.05, 12)');
    assert.equal(studentTQuantile(0.5, 3), 0);
  });
  test('rejects p outside (0, 1) and bad df', () => {
    assert.throws(() => studentTQuantile(1, 3), /0 < p < 1/);
    assert.throws(() => studentTQuantile(0.9, 0), /degrees of freedom/);
  });
});

describe('Student t CDF and p-values', () => {
  test('matches scipy.stats.t.cdf', () => {
    close(studentTCdf(1.5, 3), 0.8847080673775886, 1e-12, 'cdf(1.5; 3)');
    close(studentTCdf(-2.0, 8.5), 0.03920855419777438, 1e-12, 'cdf(-2; 8.5)');
    close(studentTCdf(0.3, 1), 0.5927735790777423, 1e-12, 'cdf(0.3; 1)');
    close(studentTCdf(4.0, 20), 0.9996482383534359, 1e-12, 'cdf(4; 20)');
  });
  test('two-sided p keeps precision in the far tail', () => {
    close(studentTTwoSidedP(12, 10), 2.921408824769984e-7, 1e-9, 'p(|T| ≥ 12; 10)');
    close(studentTTwoSidedP(-12, 10), 2.921408824769984e-7, 1e-9, 'symmetric');
    assert.equal(studentTTwoSidedP(0, 5), 1);
  });
});
