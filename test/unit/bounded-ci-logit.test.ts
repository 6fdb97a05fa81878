// Confidence intervals of metrics bounded in [0, 1] stay inside it: a Student t interval on the logit scale,
// back-transformed. Expected values from scipy 1.17 (not from this code), with
//   z = scipy.special.logit(numpy.clip(x, 1e-4, 1 - 1e-4)); h = scipy.stats.t.ppf(0.975, n - 1) * z.std(ddof=1) / sqrt(n)
//   ci = scipy.special.expit(z.mean() - h), scipy.special.expit(z.mean() + h)
// and the plain t interval x.mean() ∓ scipy.stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / sqrt(n) for comparison.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expit, logit, logitTInterval, LOGIT_EPSILON } from '../../src/report/stats/logit-interval.js';
import { summarize } from '../../src/report/stats/descriptive.js';
import { metricRange } from '../../src/report/leaderboard/metric-range.js';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import { renderTable } from '../../src/report/render/render-table.js';
import type { SweepView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

function close(actual: number | undefined, expected: number, relTol: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: missing`);
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${what}: got ${actual}, expected ${expected}`);
}

describe('logit-t interval', () => {
  test('pinned against scipy, inside [0, 1] where the t interval went past 1', () => {
    const ci = logitTInterval([0.9, 0.95, 0.99]);
    close(ci[0], 0.5492375324361333, 1e-10, 'low');
    close(ci[1], 0.9981553114795665, 1e-10, 'high');
    const t = summarize([0.9, 0.95, 0.99]).ci95!; // unbounded: the plain t interval, [0.8346506930397847, 1.0586826402935487]
    close(t[1], 1.0586826402935487, 1e-10, 't high (past 1)');
    const two = logitTInterval([0.95, 0.99]); // t interval: [0.7158759052765059, 1.2241240947234941]
    close(two[0], 0.0012085011965896097, 1e-8, 'n=2 low');
    close(two[1], 0.9999993567449971, 1e-10, 'n=2 high');
  });

  test('exact 0s and 1s are clamped to [1e-4, 1 − 1e-4] before the logit', () => {
    assert.equal(LOGIT_EPSILON, 1e-4);
    const high = logitTInterval([0.98, 1.0, 0.99]); // t interval: [0.9651586228824965, 1.014841377117503]
    close(high[0], 0.2179367498302581, 1e-9, 'with a 1: low');
    close(high[1], 0.9999979047824684, 1e-10, 'with a 1: high');
    const low = logitTInterval([0.0, 0.02, 0.01]); // t interval: [-0.014841377117503303, 0.034841377117503305]
    close(low[0], 2.0952175316710577e-6, 1e-8, 'with a 0: low');
    close(low[1], 0.782063250169721, 1e-9, 'with a 0: high');
  });

  test('no spread on the logit scale: [min, max] of the raw values', () => {
    assert.deepEqual(logitTInterval([1, 1, 1]), [1, 1]);
    assert.deepEqual(logitTInterval([0.5, 0.5]), [0.5, 0.5]);
    assert.deepEqual(logitTInterval([0.99995, 1]), [0.99995, 1]);
  });

  test('refuses n < 2 and values outside [0, 1]', () => {
    assert.throws(() => logitTInterval([0.5]), /n ≥ 2/);
    assert.throws(() => logitTInterval([0.5, 1.2]), /values in \[0, 1\], got 1.2/);
  });

  test('expit inverts logit and never overflows', () => {
    close(expit(logit(0.83)), 0.83, 1e-15, 'round trip');
    assert.equal(expit(-1000), 0);
    assert.equal(expit(1000), 1);
  });
});

describe('summarize with a range', () => {
  test('unit-interval values get logit-t; a value outside [0, 1] falls back to t; one value has no CI', () => {
    const bounded = summarize([0.9, 0.95, 0.99], 'unit-interval');
    assert.equal(bounded.ci95Method, 'logit-t');
    close(bounded.ci95?.[1], 0.9981553114795665, 1e-10, 'logit high');
    close(bounded.mean, 0.9466666666666667, 1e-12, 'the mean stays the arithmetic mean');
    const outside = summarize([0.9, 1.2], 'unit-interval');
    assert.equal(outside.ci95Method, 't');
    assert.equal(summarize([0.9, 0.95], 'unbounded').ci95Method, 't');
    const single = summarize([0.9], 'unit-interval');
    assert.deepEqual([single.ci95, single.ci95Method], [null, null]);
  });
});

describe('which metrics are bounded', () => {
  test('accuracy, AUC, precision, recall and f1 names are; losses and others are not', () => {
    for (const name of ['val_accuracy', 'accuracy', 'val_auc', 'top5accuracy', 'val_acc', 'precision', 'val_recall', 'f1', 'AUROC']) {
      assert.equal(metricRange(name), 'unit-interval', name);
    }
    for (const name of ['loss', 'val_loss', 'accuracy_loss', 'lr', 'images_per_sec', 'seconds', 'val_mse']) {
      assert.equal(metricRange(name), 'unbounded', name);
    }
  });
});

describe('leaderboard groups and marginals', () => {
  function view(metric: 'val_accuracy' | 'val_loss'): SweepView {
    const acc = [0.9, 0.95, 0.99];
    return {
      id: 'b', name: 'bounded', objective: { metric, goal: metric === 'val_loss' ? 'min' : 'max' },
      trials: acc.map((a, i) => aTrialView({
        id: `t${i}`, params: { opt: 'adam' }, seed: i + 1, bestEpoch: 1,
        epochs: [anEpoch(1, { val_accuracy: a, val_loss: 2 * (1 - a), val_auc: a })],
      })),
    };
  }

  test('an accuracy objective gets a logit-t CI inside [0, 1] in groups, marginals, JSON and the table', () => {
    const lb = buildLeaderboard(view('val_accuracy'));
    const g = lb.groups[0]!;
    assert.equal(g.objective.ci95Method, 'logit-t');
    close(g.objective.ci95?.[0], 0.5492375324361333, 1e-10, 'group low');
    close(g.objective.ci95?.[1], 0.9981553114795665, 1e-10, 'group high');
    assert.equal(g.valAuc?.ci95Method, 'logit-t');
    assert.equal(g.valLoss?.ci95Method, 't');
    assert.equal(lb.marginals[0]?.levels[0]?.summary.ci95Method, 'logit-t');
    const text = renderTable(lb);
    assert.match(text, /\[0\.5492, 0\.9982\]/);
    assert.match(text, /CI: Student t 95 % interval of the mean on the logit scale, back-transformed \(val_accuracy is bounded in \[0, 1\]/);
  });

  test('a loss objective keeps the plain t interval and says so', () => {
    const lb = buildLeaderboard(view('val_loss'));
    assert.equal(lb.groups[0]?.objective.ci95Method, 't');
    const text = renderTable(lb);
    assert.match(text, /CI: Student t 95 % interval of the mean\. Δ/);
  });
});
