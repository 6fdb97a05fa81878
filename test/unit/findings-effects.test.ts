// Findings: each swept factor's levels against a reference level, from the finished trials. Expected numbers
// come from scipy 1.17, not from this code; each block names the exact call. For a paired effect with
// differences d (level − reference, one per pair): stats.ttest_rel(level_values, reference_values) gives t and p,
// and the CI is d.mean() ∓ stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / sqrt(n).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import type { Findings, LevelEffect } from '../../src/report/leaderboard/types.js';
import type { Objective, Scalar } from '../../src/domain/trial-config.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

function close(actual: number | null | undefined, expected: number, relTol: number, what: string): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: got ${actual}`);
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${what}: got ${actual}, expected ${expected}`);
}

/** A finished trial whose one epoch has val_accuracy `acc` and val_loss 1 − acc. */
function trial(params: Record<string, Scalar>, seed: number, acc: number, extra: Partial<TrialView> = {}): TrialView {
  const id = `${Object.values(params).join('-')}-s${seed}`;
  return aTrialView({
    id, params, seed, bestEpoch: 1, durationMs: 1000,
    epochs: [anEpoch(1, { val_accuracy: acc, accuracy: acc, val_loss: 1 - acc, val_auc: 0.9 })],
    ...extra,
  });
}

const VALUES: Record<string, number[]> = {
  'batchnorm,sgd': [0.842, 0.851, 0.838],
  'dropout,sgd': [0.861, 0.874, 0.856],
  'batchnorm,adam': [0.861, 0.866, 0.858],
  'dropout,adam': [0.866, 0.871, 0.869],
};

/** regularizer [batchnorm, dropout] × optimizer [sgd, adam] × seeds 1–3, in the spec's expansion order. */
function studyTrials(): TrialView[] {
  const trials: TrialView[] = [];
  for (const seed of [1, 2, 3]) {
    for (const regularizer of ['batchnorm', 'dropout']) {
      for (const optimizer of ['sgd', 'adam']) trials.push(trial({ regularizer, optimizer }, seed, VALUES[`${regularizer},${optimizer}`]![seed - 1]!));
    }
  }
  return trials;
}

function findingsOf(trials: TrialView[], objective: Objective = { metric: 'val_accuracy', goal: 'max' }): Findings {
  const view: SweepView = { id: 'f', name: 'findings', objective, trials };
  return buildLeaderboard(view).findings;
}

function effect(f: Findings, param: string, level: Scalar): LevelEffect {
  const found = f.factors.find((x) => x.param === param)?.effects.find((e) => e.level === level);
  assert.ok(found, `no effect for ${param}=${String(level)}`);
  return found;
}

describe('findings: paired effects', () => {
  test('each level against the reference, pooled over the other factor, pinned against scipy', () => {
    const f = findingsOf(studyTrials());
    assert.deepEqual(f.factors.map((x) => [x.param, x.reference, x.levels]), [
      ['regularizer', 'batchnorm', ['batchnorm', 'dropout']],
      ['optimizer', 'sgd', ['sgd', 'adam']],
    ]);
    assert.equal(f.trials, 12);
    // stats.ttest_rel([.861,.874,.856,.866,.871,.869], [.842,.851,.838,.861,.866,.858]) (dropout vs batchnorm, sgd then adam)
    const reg = effect(f, 'regularizer', 'dropout');
    assert.equal(reg.method, 'paired');
    assert.equal(reg.pairs, 6);
    close(reg.difference, 0.013500000000000012, 1e-9, 'difference');
    close(reg.ci95?.[0], 0.005487093288877564, 1e-9, 'CI low');
    close(reg.ci95?.[1], 0.021512906711122458, 1e-9, 'CI high');
    close(reg.t, 4.330869687141173, 1e-9, 't');
    assert.equal(reg.df, 5);
    close(reg.p, 0.007493207478484756, 1e-8, 'p');
    assert.equal(reg.verdict, 'better');
    assert.equal(reg.better, 'dropout');
    assert.equal(reg.sentence, 'dropout vs batchnorm: +0.0135 val_accuracy [0.0055, 0.0215], dropout better (p = 0.007, n = 6 pairs)');
    // stats.ttest_rel([.861,.866,.858,.866,.871,.869], [.842,.851,.838,.861,.874,.856]) (adam vs sgd, batchnorm then dropout)
    const opt = effect(f, 'optimizer', 'adam');
    close(opt.difference, 0.01150000000000001, 1e-9, 'adam difference');
    close(opt.ci95?.[0], 0.0021665103344646053, 1e-9, 'adam CI low');
    close(opt.ci95?.[1], 0.020833489665535415, 1e-9, 'adam CI high');
    close(opt.p, 0.024891050542619596, 1e-8, 'adam p');
    assert.equal(opt.sentence, 'adam vs sgd: +0.0115 val_accuracy [0.0022, 0.0208], adam better (p = 0.025, n = 6 pairs)');
  });

  test('whether the effect depends on the other factor: the paired difference of differences', () => {
    const [inter, ...rest] = findingsOf(studyTrials()).interactions;
    assert.ok(inter);
    assert.equal(rest.length, 0);
    // c = (dropout,adam − batchnorm,adam) − (dropout,sgd − batchnorm,sgd) per seed = [-0.014, -0.018, -0.007];
    // stats.ttest_1samp(c, 0) and c.mean() ∓ stats.t.ppf(0.975, 2) * c.std(ddof=1) / sqrt(3)
    assert.equal(inter.pairs, 3);
    close(inter.difference, -0.013000000000000012, 1e-9, 'interaction');
    close(inter.ci95[0], -0.026831093423845626, 1e-9, 'interaction CI low');
    close(inter.ci95[1], 0.0008310934238456042, 1e-8, 'interaction CI high');
    close(inter.t, -4.044111609448659, 1e-9, 'interaction t');
    close(inter.p, 0.05605248723558254, 1e-8, 'interaction p');
    assert.equal(inter.depends, false);
    assert.equal(
      inter.sentence,
      'regularizer × optimizer: (dropout vs batchnorm) with adam minus with sgd: -0.0130 val_accuracy [-0.0268, 0.0008], ' +
        'not distinguishable at 95 % (p = 0.056, n = 3 pairs)',
    );
  });

  test('not distinguishable: the CI holds 0 and the sentence says so', () => {
    const f = findingsOf([
      trial({ regularizer: 'batchnorm' }, 1, 0.85), trial({ regularizer: 'batchnorm' }, 2, 0.86), trial({ regularizer: 'batchnorm' }, 3, 0.87),
      trial({ regularizer: 'dropout' }, 1, 0.86), trial({ regularizer: 'dropout' }, 2, 0.85), trial({ regularizer: 'dropout' }, 3, 0.88),
    ]);
    // stats.ttest_rel([0.86, 0.85, 0.88], [0.85, 0.86, 0.87]) → t = 0.5, p = 0.6666666666666667
    const e = effect(f, 'regularizer', 'dropout');
    close(e.p, 0.6666666666666667, 1e-8, 'p');
    close(e.ci95?.[0], -0.02535101819832977, 1e-8, 'CI low');
    close(e.ci95?.[1], 0.03201768486499644, 1e-8, 'CI high');
    assert.equal(e.verdict, 'not distinguishable at 95 %');
    assert.equal(e.better, null);
    assert.equal(e.sentence, 'dropout vs batchnorm: +0.0033 val_accuracy [-0.0254, 0.0320], not distinguishable at 95 % (p = 0.667, n = 3 pairs)');
  });

  test('goal min: a lower loss is better, the sign stays level − reference', () => {
    const f = findingsOf(studyTrials(), { metric: 'val_loss', goal: 'min' });
    const e = effect(f, 'regularizer', 'dropout');
    close(e.difference, -0.0135, 1e-9, 'difference'); // val_loss = 1 − val_accuracy, so the scipy values above negated
    close(e.p, 0.007493207478484756, 1e-8, 'p');
    assert.equal(e.verdict, 'better');
    assert.equal(e.sentence, 'dropout vs batchnorm: -0.0135 val_loss [-0.0215, -0.0055], dropout better (p = 0.007, n = 6 pairs)');
  });
});

describe('findings: reference level and which trials count', () => {
  test('the reference is the first level in the sweep\'s trial order', () => {
    const trials = studyTrials();
    const reordered = [...trials.filter((t) => t.params.regularizer === 'dropout'), ...trials.filter((t) => t.params.regularizer !== 'dropout')];
    const f = findingsOf(reordered);
    const reg = f.factors.find((x) => x.param === 'regularizer')!;
    assert.equal(reg.reference, 'dropout');
    const e = effect(f, 'regularizer', 'batchnorm');
    assert.equal(e.verdict, 'worse');
    assert.equal(e.better, 'dropout');
    assert.equal(e.sentence, 'batchnorm vs dropout: -0.0135 val_accuracy [-0.0215, -0.0055], dropout better (p = 0.007, n = 6 pairs)');
  });

  test('numeric levels are named name=value; the reference follows trial order, not numeric order', () => {
    const f = findingsOf([
      trial({ depth: 3 }, 1, 0.86), trial({ depth: 2 }, 1, 0.85), trial({ depth: 3 }, 2, 0.87), trial({ depth: 2 }, 2, 0.86),
    ]);
    assert.equal(f.factors[0]?.reference, 3);
    assert.match(effect(f, 'depth', 2).sentence, /^depth=2 vs depth=3: -0\.0100 val_accuracy /);
  });

  test('only finished trials of ranked groups count: failed, pruned and running ones never', () => {
    const trials = [
      ...studyTrials(),
      trial({ regularizer: 'dropout', optimizer: 'sgd' }, 4, 0.99, { status: 'FAILED', epochs: [], bestEpoch: null, error: 'oom' }),
      trial({ regularizer: 'dropout', optimizer: 'adam' }, 4, 0.2, { status: 'RUNNING', bestEpoch: null }),
      trial({ regularizer: 'none', optimizer: 'sgd' }, 1, 0.5, { status: 'PRUNED', bestEpoch: null }),
      trial({ regularizer: 'none', optimizer: 'sgd' }, 2, 0.99),
    ];
    const f = findingsOf(trials);
    assert.equal(f.trials, 12);
    assert.deepEqual(f.factors.find((x) => x.param === 'regularizer')?.levels, ['batchnorm', 'dropout']);
    close(effect(f, 'regularizer', 'dropout').p, 0.007493207478484756, 1e-8, 'same p as without them');
  });

  test('the seed is never a factor; a param with one level is listed as not analysed', () => {
    const f = findingsOf(studyTrials().map((t) => ({ ...t, params: { ...t.params, seed: t.seed, lr: 0.01 } })));
    assert.deepEqual(f.factors.map((x) => x.param), ['regularizer', 'optimizer']);
    assert.deepEqual(f.skipped, [{ param: 'lr', reason: 'one level among the finished trials (0.01)' }]);
  });
});

describe('findings: designs without full pairs', () => {
  test('a param active only at one level (nested) is averaged within each cell; its own levels pair with each other', () => {
    const base = [0.842, 0.851, 0.838];
    const rate02 = [0.861, 0.874, 0.856];
    const rate05 = [0.851, 0.869, 0.848];
    const trials = [1, 2, 3].flatMap((seed) => [
      trial({ regularizer: 'batchnorm' }, seed, base[seed - 1]!),
      trial({ regularizer: 'dropout', dropout_rate: 0.2 }, seed, rate02[seed - 1]!),
      trial({ regularizer: 'dropout', dropout_rate: 0.5 }, seed, rate05[seed - 1]!),
    ]);
    const f = findingsOf(trials);
    // dropout per seed = mean of its two rates = [0.856, 0.8715, 0.852]; stats.ttest_rel([0.856, 0.8715, 0.852], [0.842, 0.851, 0.838])
    const reg = effect(f, 'regularizer', 'dropout');
    assert.equal(reg.pairs, 3);
    assert.equal(reg.nLevel, 6);
    close(reg.difference, 0.016166666666666663, 1e-9, 'dropout difference');
    close(reg.ci95?.[0], 0.006844252418876234, 1e-8, 'dropout CI low');
    close(reg.ci95?.[1], 0.02548908091445709, 1e-8, 'dropout CI high');
    close(reg.p, 0.01749164716853134, 1e-8, 'dropout p');
    // stats.ttest_rel([0.851, 0.869, 0.848], [0.861, 0.874, 0.856])
    const rate = effect(f, 'dropout_rate', 0.5);
    assert.equal(rate.reference, 0.2);
    close(rate.difference, -0.007666666666666673, 1e-9, 'rate difference');
    close(rate.ci95?.[0], -0.013918276146042453, 1e-8, 'rate CI low');
    close(rate.ci95?.[1], -0.0014150571872908937, 1e-8, 'rate CI high');
    close(rate.p, 0.034090791198641536, 1e-8, 'rate p');
    assert.equal(rate.sentence, 'dropout_rate=0.5 vs dropout_rate=0.2: -0.0077 val_accuracy [-0.0139, -0.0014], dropout_rate=0.2 better (p = 0.034, n = 3 pairs)');
    assert.deepEqual(f.interactions, [], 'dropout_rate exists only under dropout: no complete cells');
  });

  test('no shared seeds: Welch on the two levels\' values, and the sentence says so', () => {
    const f = findingsOf([
      trial({ regularizer: 'batchnorm' }, 1, 0.842), trial({ regularizer: 'batchnorm' }, 2, 0.851), trial({ regularizer: 'batchnorm' }, 3, 0.838),
      trial({ regularizer: 'dropout' }, 4, 0.861), trial({ regularizer: 'dropout' }, 5, 0.874), trial({ regularizer: 'dropout' }, 6, 0.856),
    ]);
    // stats.ttest_ind([0.861, 0.874, 0.856], [0.842, 0.851, 0.838], equal_var=False); CI: diff ∓ stats.t.ppf(0.975, df) * se
    const e = effect(f, 'regularizer', 'dropout');
    assert.equal(e.method, 'welch');
    assert.equal(e.pairs, 0);
    close(e.difference, 0.019999999999999907, 1e-8, 'difference');
    close(e.df, 3.62543352601156, 1e-9, 'Welch df');
    close(e.t, 3.0304576336566154, 1e-9, 'Welch t');
    close(e.p, 0.04404351205913921, 1e-8, 'Welch p');
    close(e.ci95?.[0], 0.0009050843749466055, 1e-6, 'CI low');
    close(e.ci95?.[1], 0.03909491562505321, 1e-8, 'CI high');
    assert.equal(e.sentence, 'dropout vs batchnorm: +0.0200 val_accuracy [0.0009, 0.0391], dropout better (p = 0.044, Welch, unpaired, n = 3 vs 3)');
  });

  test('too few values: one trial per level and no pairs', () => {
    const f = findingsOf([trial({ regularizer: 'batchnorm' }, 1, 0.84), trial({ regularizer: 'dropout' }, 2, 0.86)]);
    const e = effect(f, 'regularizer', 'dropout');
    assert.equal(e.method, 'too few values');
    assert.equal(e.verdict, 'too few values');
    assert.deepEqual([e.difference, e.ci95, e.p], [null, null, null]);
    assert.equal(e.sentence, 'dropout vs batchnorm: too few values for a test (1 vs 1 finished trials, fewer than 2 pairs)');
  });
});
