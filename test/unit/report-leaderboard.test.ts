// Expected statistics were computed independently with scipy 1.17 (stats.t.ppf, ttest_ind(equal_var=False),
// ttest_rel) on the same numbers, not with this code. val_accuracy is bounded in [0, 1], so its CIs are logit-t:
// z = scipy.special.logit(x); h = stats.t.ppf(0.975, n - 1) * z.std(ddof=1) / sqrt(n); special.expit(z.mean() ∓ h).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import type { Scalar } from '../../src/domain/trial-config.js';
import type { EpochMetrics } from '../../src/domain/metrics.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

function close(actual: number | null | undefined, expected: number, relTol: number, what: string): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: got ${actual}`);
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= relTol, `${what}: got ${actual}, expected ${expected}`);
}

/** Three epochs; the objective (val_accuracy) peaks at epoch 2 with `peak`. */
function epochs(peak: number): EpochMetrics[] {
  return [peak - 0.05, peak, peak - 0.01].map((acc, i) =>
    anEpoch(i + 1, {
      loss: 1 - acc + 0.1, accuracy: acc + 0.02, val_loss: 1 - acc, val_accuracy: acc,
      val_auc: 0.5 + acc / 2, lr: 0.01, seconds: 2, images_per_sec: 100,
    }),
  );
}

function trial(id: string, params: Record<string, Scalar>, seed: number, peak: number, extra: Partial<TrialView> = {}): TrialView {
  return aTrialView({ id, params, seed, epochs: epochs(peak), bestEpoch: 2, durationMs: 6000, ...extra });
}

const A = { regularizer: 'batchnorm', lr: 0.01 };
const B = { regularizer: 'dropout', lr: 0.01 };
const C = { regularizer: 'none', lr: 0.01 };
const D = { regularizer: 'batchnorm', lr: 0.1 };

function view(): SweepView {
  return {
    id: 'bn-vs-dropout', name: 'bn vs dropout', objective: { metric: 'val_accuracy', goal: 'max' },
    trials: [
      trial('ffff0001aaaa', { ...C }, 1, 0.8),
      trial('failed01xxxx', { ...B }, 4, 0.5, { status: 'FAILED', error: 'out of memory', epochs: [], bestEpoch: null }),
      trial('aaaa0001aaaa', { ...A }, 1, 0.9),
      trial('aaaa0002aaaa', { ...A }, 2, 0.92),
      trial('aaaa0003aaaa', { ...A }, 3, 0.91, { bestEpoch: null }),
      trial('bbbb0001aaaa', { ...B }, 1, 0.89),
      trial('bbbb0002aaaa', { ...B }, 2, 0.92),
      trial('bbbb0003aaaa', { ...B }, 3, 0.9, { status: 'STOPPED' }),
      trial('running1aaaa', { ...C }, 4, 0.99, { status: 'RUNNING', bestEpoch: null }),
      trial('ffff0002aaaa', { ...C }, 2, 0.81),
      trial('ffff0003aaaa', { ...C }, 3, 0.79),
      trial('dddd0001aaaa', { ...D }, 1, 0.85),
    ],
  };
}

describe('trial ranking', () => {
  test('ranks COMPLETED and STOPPED by the objective at the best epoch; unfinished, then failed, last', () => {
    const lb = buildLeaderboard(view(), {});
    const order = lb.trials.map((t) => `${t.rank ?? '-'}:${t.shortId}`);
    assert.deepEqual(order.slice(0, 3), ['1:aaaa0002', '2:bbbb0002', '3:aaaa0003']);
    assert.equal(lb.trials.filter((t) => t.rank !== null).length, 10);
    assert.equal(lb.trials.at(-2)?.status, 'RUNNING');
    assert.equal(lb.trials.at(-2)?.rank, null);
    const last = lb.trials.at(-1)!;
    assert.equal(last.status, 'FAILED');
    assert.equal(last.error, 'out of memory');
    const top = lb.trials[0]!;
    assert.equal(top.bestEpoch, 2);
    close(top.valLoss, 0.08, 1e-12, 'val_loss at the best epoch');
    close(top.valAuc, 0.96, 1e-12, 'val_auc at the best epoch');
    assert.equal(top.epochsRun, 3);
  });

  test('uses the recorded bestEpoch even when another epoch has a better objective', () => {
    const v = view();
    v.trials = [trial('x1', { ...A }, 1, 0.9, { bestEpoch: 3 })];
    const row = buildLeaderboard(v).trials[0]!;
    assert.equal(row.bestEpoch, 3);
    close(row.objective, 0.89, 1e-12, 'objective at epoch 3');
  });

  test('a bestEpoch missing from the epochs is a clear error', () => {
    const v = view();
    v.trials = [trial('x1', { ...A }, 1, 0.9, { bestEpoch: 7 })];
    assert.throws(() => buildLeaderboard(v), /trial x1: bestEpoch 7 is not among its recorded epochs \(1, 2, 3\)/);
  });
});

describe('groups', () => {
  test('group statistics, ranking and comparisons with the best group', () => {
    const lb = buildLeaderboard(view());
    assert.deepEqual(lb.groupBy, ['regularizer', 'lr']);
    assert.equal(lb.defaultMode, 'groups');
    assert.deepEqual(lb.groups.map((g) => g.key), [
      'regularizer=batchnorm, lr=0.01', 'regularizer=dropout, lr=0.01', 'regularizer=batchnorm, lr=0.1', 'regularizer=none, lr=0.01',
    ]);
    const [a, b, d, c] = lb.groups;
    assert.ok(a && b && c && d);
    close(a.objective.mean, 0.91, 1e-12, 'A mean');
    close(a.objective.std, 0.01, 1e-9, 'A std');
    // Logit-t of [0.9, 0.92, 0.91]; the plain t interval was [0.8851586228824967, 0.9348413771175034].
    close(a.objective.ci95?.[0], 0.8821707163964058, 1e-10, 'A CI low');
    close(a.objective.ci95?.[1], 0.9322844584469339, 1e-10, 'A CI high');
    assert.equal(a.objective.ci95Method, 'logit-t');
    assert.equal(a.valLoss?.ci95Method, 't', 'val_loss is unbounded');
    assert.equal(a.valAuc?.ci95Method, 'logit-t', 'val_auc is bounded in [0, 1]');
    assert.equal(a.verdict, 'best');
    assert.equal(a.comparison, null);
    assert.equal(a.bestEpochMean, 2);

    close(b.objective.ci95?.[0], 0.8576058023808546, 1e-10, 'B CI low'); // logit-t of [0.89, 0.92, 0.9]; t: 0.8653875029973657
    close(b.comparison?.welch?.t, -0.6324555320336794, 1e-9, 'B Welch t');
    close(b.comparison?.welch?.df, 3.4482758620689653, 1e-9, 'B Welch df');
    close(b.comparison?.welch?.p, 0.5665671267489886, 1e-8, 'B Welch p');
    close(b.comparison?.paired?.p, 0.18350341907227397, 1e-8, 'B paired p');
    assert.equal(b.verdict, 'not distinguishable from best at 95 %');

    close(c.comparison?.welch?.p, 0.00017563538261646636, 1e-7, 'C Welch p');
    close(c.comparison?.paired?.t, -19.05255888325763, 1e-8, 'C paired t');
    close(c.comparison?.paired?.p, 0.0027434893944259307, 1e-7, 'C paired p');
    close(c.comparison?.meanDifference, -0.11, 1e-9, 'C mean difference');
    assert.ok(c.comparison?.hedgesG !== null && c.comparison!.hedgesG < -5, 'C is many SDs worse');
    assert.equal(c.verdict, 'worse');

    assert.equal(d.n, 1);
    assert.equal(d.objective.ci95, null);
    assert.equal(d.objective.ci95Method, null);
    assert.equal(d.comparison?.welch, null);
    assert.equal(d.verdict, 'n=1, no test');
  });

  test('paired test only when both groups ran the same seeds', () => {
    const v = view();
    v.trials = [
      trial('a1', { ...A }, 1, 0.9), trial('a2', { ...A }, 2, 0.92),
      trial('b1', { ...B }, 1, 0.8), trial('b3', { ...B }, 3, 0.82),
    ];
    const lb = buildLeaderboard(v);
    assert.equal(lb.groups[1]?.comparison?.paired, null);
    assert.ok(lb.groups[1]?.comparison?.welch);
  });

  test('zero variance: identical results are indistinguishable, a constant gap is worse', () => {
    const v = view();
    v.trials = [
      trial('a1', { ...A }, 1, 0.9), trial('a2', { ...A }, 2, 0.9),
      trial('b1', { ...B }, 1, 0.9), trial('b2', { ...B }, 2, 0.9),
      trial('c1', { ...C }, 1, 0.8), trial('c2', { ...C }, 2, 0.8),
    ];
    const lb = buildLeaderboard(v);
    const byKey = new Map(lb.groups.map((g) => [g.params.regularizer, g]));
    assert.equal(byKey.get('batchnorm')?.objective.std, 0);
    assert.equal(byKey.get('batchnorm')?.verdict, 'best', 'equal means: the tie goes to the first key');
    assert.equal(byKey.get('dropout')?.verdict, 'not distinguishable from best at 95 %');
    assert.equal(byKey.get('dropout')?.comparison?.welch?.p, 1);
    assert.equal(byKey.get('none')?.verdict, 'worse');
    assert.equal(byKey.get('none')?.comparison?.hedgesG, null);
  });

  test('goal min ranks the lowest mean first', () => {
    const v = view();
    v.objective = { metric: 'val_loss', goal: 'min' };
    v.trials = [
      trial('a1', { ...A }, 1, 0.7), trial('a2', { ...A }, 2, 0.72), trial('a3', { ...A }, 3, 0.71), // val_loss .30 .28 .29
      trial('b1', { ...B }, 1, 0.65), trial('b2', { ...B }, 2, 0.64), trial('b3', { ...B }, 3, 0.66), // .35 .36 .34
    ];
    const lb = buildLeaderboard(v);
    assert.equal(lb.groups[0]?.params.regularizer, 'batchnorm');
    close(lb.groups[0]?.objective.mean, 0.29, 1e-9, 'best mean val_loss');
    close(lb.groups[1]?.comparison?.welch?.p, 0.0018262606682599692, 1e-7, 'Welch p');
    assert.equal(lb.groups[1]?.verdict, 'worse');
    assert.equal(lb.trials[0]?.id, 'a2');
  });

  test('groupBy override pools the other params; unknown names are a clear error', () => {
    const lb = buildLeaderboard(view(), { groupBy: ['lr'] });
    assert.deepEqual(lb.groups.map((g) => [g.key, g.n]), [['lr=0.01', 9], ['lr=0.1', 1]]);
    assert.throws(() => buildLeaderboard(view(), { groupBy: ['lr', 'depth'] }),
      /groupBy: unknown param 'depth'; the swept params of this sweep are: regularizer, lr/);
  });

  test('without replicated seeds the default mode is trials', () => {
    const v = view();
    v.trials = [trial('a1', { ...A }, 1, 0.9), trial('b1', { ...B }, 1, 0.8)];
    assert.equal(buildLeaderboard(v).defaultMode, 'trials');
  });

  test('top must be a positive integer', () => {
    assert.throws(() => buildLeaderboard(view(), { top: 0 }), /top must be a positive integer/);
  });
});

describe('marginal effects', () => {
  test('pools every ranked trial at each level', () => {
    const lb = buildLeaderboard(view());
    const reg = lb.marginals.find((m) => m.param === 'regularizer')!;
    assert.deepEqual(reg.levels.map((l) => [l.level, l.summary.n]), [['batchnorm', 4], ['dropout', 3], ['none', 3]]);
    const bn = reg.levels[0]!.summary;
    close(bn.mean, 0.895, 1e-12, 'batchnorm mean');
    close(bn.std, 0.03109126351029608, 1e-9, 'batchnorm std');
    // Logit-t of [0.9, 0.92, 0.91, 0.85]; the plain t interval's low end was 0.8455268616575281.
    close(bn.ci95?.[0], 0.843091963020059, 1e-9, 'batchnorm CI low');
    assert.equal(bn.ci95Method, 'logit-t');
    const lr = lb.marginals.find((m) => m.param === 'lr')!;
    assert.deepEqual(lr.levels.map((l) => l.level), [0.01, 0.1]);
  });
});

describe('early termination (PRUNED trials)', () => {
  const ASHA = { type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 3, max_epochs: 9 } as const;

  /** One epoch per value, val_accuracy = the value. */
  function curve(values: number[]): EpochMetrics[] {
    return values.map((v, i) => anEpoch(i + 1, { val_accuracy: v, accuracy: v, val_loss: 1 - v, val_auc: 0.5 + v / 2 }));
  }
  /** `n` epochs rising by 0.01 to `last` at epoch n (its best). */
  function ramp(n: number, last: number): number[] {
    return Array.from({ length: n }, (_, i) => last - 0.01 * (n - 1 - i));
  }
  function run(id: string, lr: number, seed: number, values: number[], extra: Partial<TrialView> = {}): TrialView {
    return aTrialView({ id, params: { lr }, seed, epochs: curve(values), bestEpoch: values.length || null, plannedEpochs: 9, ...extra });
  }
  const pruned = (id: string, lr: number, seed: number, values: number[], extra: Partial<TrialView> = {}): TrialView =>
    run(id, lr, seed, values, { status: 'PRUNED', ...extra });

  /**
   * Ranked groups lr=0.1 (A), 0.01 (B), 0.001 (F: one finished seed, one pruned); pruned groups lr=0.3 (C, rung
   * 3), 0.03 (E, seeds stopped at 3 and 4), 1 (D, rung 1), 5 (G, pruned before training); a running and a
   * failed trial.
   */
  function prunedView(): SweepView {
    return {
      id: 'asha', name: 'asha', objective: { metric: 'val_accuracy', goal: 'max' }, scheduler: { ...ASHA },
      trials: [
        pruned('c1', 0.3, 1, [0.6, 0.7, 0.65], { bestEpoch: 2 }),
        run('a1', 0.1, 1, ramp(9, 0.9)),
        pruned('d1', 1, 1, [0.3]),
        run('a2', 0.1, 2, ramp(9, 0.92)),
        pruned('c2', 0.3, 2, [0.62, 0.66, 0.69]),
        run('b1', 0.01, 1, ramp(9, 0.85)),
        run('b2', 0.01, 2, ramp(9, 0.87), { plannedEpochs: null }),
        pruned('e1', 0.03, 1, [0.5, 0.6, 0.72]),
        pruned('e2', 0.03, 2, [0.5, 0.6, 0.7, 0.75]),
        run('f1', 0.001, 1, ramp(9, 0.8)),
        pruned('f2', 0.001, 2, [0.6, 0.7, 0.65]),
        pruned('d2', 1, 2, [0.35]),
        pruned('g1', 5, 1, [], { bestEpoch: null }),
        run('a3', 0.1, 3, [0.5, 0.6], { status: 'RUNNING', bestEpoch: null }),
        run('a4', 0.1, 4, [0.5, 0.6], { status: 'FAILED', bestEpoch: null, error: 'oom' }),
      ],
    };
  }

  test('pruned trials come after the ranked ones, unranked, read at their last epoch', () => {
    const lb = buildLeaderboard(prunedView());
    assert.deepEqual(lb.trials.map((t) => `${t.rank ?? '-'}:${t.id}`), [
      '1:a2', '2:a1', '3:b2', '4:b1', '5:f1',
      // Deepest rung first (e2 stopped at epoch 4), then by the value there, ties by id; g1 never trained.
      '-:e2', '-:e1', '-:c2', '-:c1', '-:f2', '-:d2', '-:d1', '-:g1',
      '-:a3', '-:a4',
    ]);
    const c1 = lb.trials.find((t) => t.id === 'c1')!;
    assert.equal(c1.prunedAt, 3);
    assert.equal(c1.bestEpoch, 3, 'the rung, not its recorded best epoch 2');
    close(c1.objective, 0.65, 1e-12, 'c1 at its rung (0.7 at epoch 2 is ignored)');
    close(c1.valLoss, 0.35, 1e-12, 'c1 val_loss at its rung');
    assert.equal(lb.trials.find((t) => t.id === 'e2')!.prunedAt, 4);
    const g1 = lb.trials.find((t) => t.id === 'g1')!;
    assert.deepEqual([g1.prunedAt, g1.objective, g1.bestEpoch], [0, null, null]);
    assert.ok(lb.trials.filter((t) => t.status !== 'PRUNED').every((t) => t.prunedAt === null));
  });

  test('pruned groups are listed apart with rung and mean value there, never ranked or tested', () => {
    const lb = buildLeaderboard(prunedView());
    // F (one seed finished before the group was stopped) is a pruned group, never ranked on its lone finished seed.
    assert.deepEqual(lb.groups.map((g) => [g.rank, g.key, g.n]), [[1, 'lr=0.1', 2], [2, 'lr=0.01', 2]]);
    assert.deepEqual(lb.pruned.map((g) => [g.key, g.rung, g.n, g.valueN, g.label]), [
      ['lr=0.03', 3, 2, 2, 'pruned at epoch 3'],
      ['lr=0.001', 3, 2, 2, 'pruned at epoch 3'],
      ['lr=0.3', 3, 2, 2, 'pruned at epoch 3'],
      ['lr=1', 1, 2, 2, 'pruned at epoch 1'],
      ['lr=5', 0, 1, 0, 'pruned before training'],
    ]);
    const [e, f, c, d, g] = lb.pruned;
    close(f!.value, (0.74 + 0.65) / 2, 1e-12, 'F mean at rung 3: the finished seed read there too');
    assert.deepEqual(f!.trialIds, ['f1', 'f2']);
    // E: seeds stopped at epochs 3 and 4; the group is read at 3, where both have a value: (0.72 + 0.70) / 2.
    close(e!.value, 0.71, 1e-12, 'E mean at rung 3');
    close(c!.value, (0.65 + 0.69) / 2, 1e-12, 'C mean at rung 3');
    close(d!.value, (0.3 + 0.35) / 2, 1e-12, 'D mean at rung 1');
    assert.equal(g!.value, null);
    assert.deepEqual(e!.trialIds, ['e2', 'e1']);
    assert.deepEqual(e!.seeds, [2, 1]);
    assert.deepEqual(e!.params, { lr: 0.03 });
    for (const row of lb.pruned) {
      assert.ok(!('rank' in row) && !('verdict' in row) && !('comparison' in row), `${row.key} carries no rank or test`);
    }
    // Nothing pruned is compared with the best: the ranked groups' tests are against lr=0.1 only.
    assert.ok(lb.groups.slice(1).every((g) => g.comparison?.against === 'lr=0.1'));
    assert.deepEqual(lb.marginals[0]!.levels.map((l) => [l.level, l.summary.n]), [[0.001, 1], [0.01, 2], [0.1, 2]], 'marginals: ranked trials only');
  });

  test('summary: epochs trained against full runs, over finished trials with a known plan', () => {
    const s = buildLeaderboard(prunedView()).earlyTermination!;
    // Counted (terminal, plannedEpochs known): a1 a2 b1 f1 (9 each), f2 c1 c2 e1 (3), e2 (4), d1 d2 (1), g1 (0),
    // a4 (2 before it failed) → 36 + 12 + 4 + 2 + 0 + 2 = 56 of 13 × 9 = 117. b2 has no plan; a3 is running.
    assert.deepEqual(
      { ...s, fraction: undefined, line: undefined },
      {
        scheduler: 'asha', epochsTrained: 56, epochsPlanned: 117, fraction: undefined, trialsCounted: 13, trialsUnfinished: 1,
        trialsWithoutPlan: 1, prunedTrials: 8, prunedGroups: 5, groups: 7, line: undefined,
      },
    );
    close(s.fraction, 56 / 117, 1e-12, 'fraction');
    assert.equal(
      s.line,
      'early termination (asha): 56 of 117 epochs trained (48 %), 5 of 7 groups pruned; ' +
        'not counted: 1 unfinished trial, 1 trial without a configured epoch count',
    );
  });

  test('the summary shows only with pruned trials or a scheduler', () => {
    assert.equal(buildLeaderboard(view()).earlyTermination, null, 'no scheduler, nothing pruned');
    const planned = (v: SweepView): SweepView => ({ ...v, trials: v.trials.map((t) => ({ ...t, plannedEpochs: 3 })) });
    const withScheduler = buildLeaderboard({ ...planned(view()), scheduler: { ...ASHA } }).earlyTermination;
    // 11 finished trials of 3 planned epochs: 10 trained 3, the failed one none; the running one is not counted.
    assert.equal(withScheduler?.line, 'early termination (asha): 30 of 33 epochs trained (91 %), 0 of 4 groups pruned; not counted: 1 unfinished trial');
    const v = planned(view());
    v.scheduler = null;
    v.trials = [
      { ...trial('x1', { ...A }, 1, 0.9), plannedEpochs: 6 },
      { ...trial('y1', { ...B }, 1, 0.8), status: 'PRUNED', epochs: epochs(0.8).slice(0, 1), plannedEpochs: 6 },
    ];
    const noScheduler = buildLeaderboard(v);
    assert.equal(noScheduler.earlyTermination?.line, 'early termination: 4 of 12 epochs trained (33 %), 1 of 2 groups pruned');
    assert.equal(noScheduler.earlyTermination?.scheduler, null);
  });

  test('goal min: pruned groups at one rung are ordered by the lower value', () => {
    const v = prunedView();
    v.objective = { metric: 'val_loss', goal: 'min' };
    const lb = buildLeaderboard(v);
    assert.deepEqual(lb.pruned.map((g) => g.key), ['lr=0.03', 'lr=0.001', 'lr=0.3', 'lr=1', 'lr=5']);
    close(lb.pruned[2]!.value, 1 - (0.65 + 0.69) / 2, 1e-12, 'C mean val_loss at the rung');
    v.trials = v.trials.map((t) => (t.id === 'c1' ? { ...t, epochs: curve([0.6, 0.7, 0.9]) } : t));
    assert.deepEqual(buildLeaderboard(v).pruned.map((g) => g.key).slice(0, 2), ['lr=0.3', 'lr=0.03'], 'C now has the lower val_loss at rung 3');
  });
});
