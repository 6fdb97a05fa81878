import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTrials, parseSpec, SpecError, type ExpandedSweep } from '../../src/spec/index.js';

const HEAD = 'name: t\nmodel: vgg\ndataset: { name: fashion-mnist }\n';
const spec = (body: string, opts?: Parameters<typeof parseSpec>[2]): ExpandedSweep => parseSpec(HEAD + body, 't.yaml', opts);
const paramsOf = (s: ExpandedSweep) => s.trials.map((t) => t.config.params);

describe('grid', () => {
  test('crosses grid axes in spec order, first parameter slowest', () => {
    const s = spec('parameters:\n  depth: { values: [1, 2] }\n  optimizer: { values: [sgd, adam, rmsprop] }\n');
    assert.deepEqual(paramsOf(s), [
      { depth: 1, optimizer: 'sgd' }, { depth: 1, optimizer: 'adam' }, { depth: 1, optimizer: 'rmsprop' },
      { depth: 2, optimizer: 'sgd' }, { depth: 2, optimizer: 'adam' }, { depth: 2, optimizer: 'rmsprop' },
    ]);
    assert.deepEqual(s.trials.map((t) => [t.config.model.depth, t.config.optimizer.name]), paramsOf(s).map((p) => [p.depth, p.optimizer]));
    assert.deepEqual(s.trials.map((t) => t.index), [0, 1, 2, 3, 4, 5]);
  });

  test('fills every TrialConfig field from spec and defaults; fixed and one-level params stay out of params', () => {
    const s = spec(
      'parameters:\n  learning_rate: 0.001\n  depth: { values: [3] }\n  batch_size: { values: [16, 32] }\n' +
        'training:\n  epochs: 7\n  reduce_lr_on_plateau: { factor: 0.5 }\n',
    );
    assert.equal(s.trials.length, 2);
    assert.deepEqual(s.trials[0]!.config, {
      version: 1,
      model: { family: 'vgg', depth: 3, regularizer: 'batchnorm', dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: 128, sleep_ms: 100 },
      optimizer: { name: 'sgd', learning_rate: 0.001, momentum: 0.9 },
      training: {
        epochs: 7,
        batch_size: 16,
        reduce_lr_on_plateau: { monitor: 'val_loss', factor: 0.5, patience: 10, min_lr: 0, cooldown: 0, min_delta: 1e-4 },
        early_stopping: null,
      },
      dataset: { name: 'fashion-mnist', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: null },
      seed: 0,
      params: { batch_size: 16 },
    });
    assert.deepEqual(s.objective, { metric: 'val_accuracy', goal: 'max' });
    assert.equal(s.export, null);
    assert.deepEqual(s.execution, { max_deliver: 5, ack_wait_ms: 30_000, pool: 'default', checkpoint_every: 1 });
    assert.equal(s.id, 't');
  });

  test('a loss objective defaults to goal min', () => {
    assert.deepEqual(spec('objective: { metric: val_loss }\n').objective, { metric: 'val_loss', goal: 'min' });
  });
});

describe('conditional parameters', () => {
  const body =
    'parameters:\n  regularizer: { values: [batchnorm, dropout, none] }\n' +
    '  dropout_rate: { values: [0.1, 0.4], when: { regularizer: dropout } }\n' +
    '  dense_dropout_rate: { value: 0.25, when: { regularizer: [dropout] } }\n';

  test('exist only where the condition holds, and keep their default elsewhere', () => {
    const s = spec(body);
    assert.deepEqual(paramsOf(s), [
      { regularizer: 'batchnorm' },
      { regularizer: 'dropout', dropout_rate: 0.1 },
      { regularizer: 'dropout', dropout_rate: 0.4 },
      { regularizer: 'none' },
    ]);
    const byReg = (r: string) => s.trials.filter((t) => t.config.model.regularizer === r).map((t) => t.config.model);
    assert.deepEqual(byReg('none').map((m) => [m.dropout_rate, m.dense_dropout_rate]), [[0.2, 0.5]]);
    assert.deepEqual(byReg('dropout').map((m) => [m.dropout_rate, m.dense_dropout_rate]), [[0.1, 0.25], [0.4, 0.25]]);
    assert.equal(new Set(s.trials.map((t) => t.id)).size, s.trials.length);
  });
});

describe('conditions on fixed parameters', () => {
  const body =
    'parameters:\n  regularizer: { values: [batchnorm, dropout] }\n  dropout_rate: { values: [0.2, 0.3], when: { regularizer: dropout } }\n' +
    'quick:\n  parameters:\n    regularizer: dropout\n';

  test('a profile may fix the condition target; the condition then follows the fixed value', () => {
    assert.deepEqual(paramsOf(spec(body)), [{ regularizer: 'batchnorm' }, { regularizer: 'dropout', dropout_rate: 0.2 }, { regularizer: 'dropout', dropout_rate: 0.3 }]);
    const quick = spec(body, { quick: true });
    assert.deepEqual(paramsOf(quick), [{ dropout_rate: 0.2 }, { dropout_rate: 0.3 }]);
    assert.deepEqual(quick.trials.map((t) => t.config.model.regularizer), ['dropout', 'dropout']);
    const never = spec(body.replace('regularizer: dropout\n', 'regularizer: batchnorm\n'), { quick: true });
    assert.deepEqual(never.trials.map((t) => [t.config.model.regularizer, t.config.model.dropout_rate, t.config.params]), [['batchnorm', 0.2, {}]]);
  });
});

describe('random parameters', () => {
  const body =
    'seed: 11\nparameters:\n  depth: { values: [1, 2] }\n' +
    '  learning_rate: { distribution: loguniform, min: 1.0e-4, max: 1.0e-1 }\n' +
    '  momentum: { distribution: uniform, min: 0.5, max: 0.99 }\n' +
    '  dense_units: { distribution: int, min: 16, max: 64 }\nsamples: 5\n';

  test('are deterministic, in range, and crossed with the grid (same draws for every grid point)', () => {
    const a = spec(body);
    const b = spec(body);
    assert.deepEqual(a.trials, b.trials);
    assert.equal(a.trials.length, 10);
    for (const t of a.trials) {
      const p = t.config.params;
      assert.ok((p.learning_rate as number) >= 1e-4 && (p.learning_rate as number) <= 1e-1);
      assert.ok((p.momentum as number) >= 0.5 && (p.momentum as number) <= 0.99);
      assert.ok(Number.isInteger(p.dense_units) && (p.dense_units as number) >= 16 && (p.dense_units as number) <= 64);
      assert.equal(t.config.optimizer.learning_rate, p.learning_rate);
    }
    const draws = (depth: number) => a.trials.filter((t) => t.config.model.depth === depth).map((t) => t.config.params.learning_rate);
    assert.deepEqual(draws(1), draws(2));
    assert.equal(new Set(draws(1)).size, 5);
  });

  test('another sweep seed draws differently; adding a parameter leaves the other draws alone', () => {
    const base = spec(body).trials.map((t) => t.config.params.learning_rate);
    const reseeded = spec(body.replace('seed: 11', 'seed: 12')).trials.map((t) => t.config.params.learning_rate);
    assert.notDeepEqual(reseeded, base);
    const more = spec(body.replace('samples: 5', '  dense_dropout_rate: { distribution: uniform, min: 0.1, max: 0.5 }\nsamples: 5'));
    assert.deepEqual(more.trials.map((t) => t.config.params.learning_rate), base);
  });

  test('identical draws collapse into one trial', () => {
    const s = spec('parameters:\n  optimizer: { distribution: choice, values: [sgd, adam] }\nsamples: 20\n');
    assert.deepEqual(new Set(s.trials.map((t) => t.config.optimizer.name)), new Set(['sgd', 'adam']));
    assert.equal(s.trials.length, 2);
  });
});

describe('seeds', () => {
  test('seeds list, repeats, and the default single seed 0; seeds are the outermost axis', () => {
    const grid = 'parameters:\n  depth: { values: [1, 2] }\n';
    assert.deepEqual(spec(grid + 'seeds: [5, 9]\n').trials.map((t) => [t.config.seed, t.config.model.depth]), [[5, 1], [5, 2], [9, 1], [9, 2]]);
    assert.deepEqual(spec(grid + 'repeats: 3\n').trials.map((t) => t.config.seed), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(spec(grid).trials.map((t) => t.config.seed), [0, 0]);
  });
});

describe('quick profile and overrides', () => {
  const body =
    'parameters:\n  depth: { values: [1, 2, 3] }\n  epochs: { values: [5, 10] }\nrepeats: 3\n' +
    'quick:\n  training: { epochs: 1 }\n  dataset: { name: synthetic, synthetic: { height: 8, width: 8, channels: 1, classes: 2, train_size: 20, validation_size: 10 } }\n' +
    '  parameters:\n    depth: { values: [1] }\n  seeds: [4]\n';

  test('quick replaces training, dataset, parameters and seeds; the spec hash stays that of the spec', () => {
    const full = spec(body);
    const quick = spec(body, { quick: true });
    assert.equal(full.trials.length, 18);
    assert.equal(quick.trials.length, 1);
    const c = quick.trials[0]!.config;
    assert.deepEqual([c.training.epochs, c.dataset!.name, c.model.depth, c.seed], [1, 'synthetic', 1, 4]);
    assert.equal(c.dataset!.synthetic?.noise, 0.3);
    assert.deepEqual(c.params, {});
    assert.equal(quick.specHash, full.specHash);
    assert.match(full.specHash, /^[0-9a-f]{64}$/);
  });

  test('--epochs and --dataset overrides', () => {
    const s = spec(body, { overrides: { epochs: 2, dataset: 'cifar10' } });
    assert.equal(s.trials.length, 9);
    for (const t of s.trials) assert.deepEqual([t.config.training.epochs, t.config.dataset!.name, 'epochs' in t.config.params], [2, 'cifar10', false]);
    const fromSynthetic = spec(body, { quick: true, overrides: { dataset: 'fashion-mnist' } });
    assert.equal(fromSynthetic.trials[0]!.config.dataset!.synthetic, null);
  });

  test('bad overrides are SpecErrors positioned at what they override', () => {
    assert.throws(() => spec(body, { overrides: { epochs: 0 } }), (e: unknown) => e instanceof SpecError && /--epochs 0/.test(e.message));
    assert.throws(
      () => spec(body, { overrides: { dataset: 'synthetic' } }),
      (e: unknown) => e instanceof SpecError && e.message.startsWith('t.yaml:3:18: dataset synthetic needs synthetic options'),
    );
  });

  test('the spec hash ignores comments and layout but not content', () => {
    const a = spec('parameters: { depth: { values: [1, 2] } }\n').specHash;
    const b = spec('# a comment\nparameters:\n  depth:\n    values: [1, 2]\n').specHash;
    const c = spec('parameters: { depth: { values: [1, 3] } }\n').specHash;
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});

describe('scheduler', () => {
  const asha = (over: object = {}) => ({ type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 3, max_epochs: 10, ...over });
  const median = (over: object = {}) => ({ type: 'median', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, min_groups: 3, ...over });
  const errorOf = (body: string, opts?: Parameters<typeof parseSpec>[2]): string => {
    try {
      spec(body, opts);
    } catch (e) {
      assert.ok(e instanceof SpecError, String(e));
      return e.message.split('\n')[0]!;
    }
    return 'no error';
  };

  test('absent, null, none and { type: none } mean no scheduler', () => {
    for (const body of ['', 'scheduler:\n', 'scheduler: none\n', 'scheduler: { type: none }\n']) assert.equal(spec(body).scheduler, null, body);
  });

  test('asha and median with every default: objective metric and goal, grace 1, η 3, max_epochs = training.epochs, min_groups 3', () => {
    assert.deepEqual(spec('scheduler: asha\n').scheduler, asha());
    assert.deepEqual(spec('scheduler: { type: asha }\n').scheduler, asha());
    assert.deepEqual(spec('training: { epochs: 27 }\nscheduler: { type: asha }\n').scheduler, asha({ max_epochs: 27 }));
    assert.deepEqual(spec('scheduler: median\n').scheduler, median());
    assert.deepEqual(spec('scheduler: { type: median }\n').scheduler, median());
  });

  test('each field overrides its default', () => {
    const body = 'training: { epochs: 30 }\nscheduler: { type: asha, metric: loss, goal: max, grace_epochs: 2, reduction_factor: 4, max_epochs: 20 }\n';
    assert.deepEqual(spec(body).scheduler, asha({ metric: 'loss', goal: 'max', grace_epochs: 2, reduction_factor: 4, max_epochs: 20 }));
    assert.deepEqual(spec('scheduler: { type: median, metric: val_auc, goal: min, grace_epochs: 3, min_groups: 5 }\n').scheduler, median({ metric: 'val_auc', goal: 'min', grace_epochs: 3, min_groups: 5 }));
  });

  test("goal: the objective's for the objective's metric, else the metric's natural goal", () => {
    assert.deepEqual(spec('objective: { metric: val_loss }\nscheduler: asha\n').scheduler, asha({ metric: 'val_loss', goal: 'min' }));
    assert.deepEqual(spec('objective: { metric: val_loss, goal: max }\nscheduler: median\n').scheduler, median({ metric: 'val_loss', goal: 'max' }));
    assert.deepEqual(spec('objective: { metric: val_accuracy, goal: min }\nscheduler: { type: asha, metric: val_loss }\n').scheduler, asha({ metric: 'val_loss', goal: 'min' }));
    assert.deepEqual(spec('scheduler: { type: median, metric: val_auc }\n').scheduler, median({ metric: 'val_auc', goal: 'max' }));
  });

  test('a swept epochs: max_epochs defaults to, and may not exceed, the fewest epochs a trial trains', () => {
    assert.equal((spec('parameters:\n  epochs: { values: [20, 9, 30] }\nscheduler: asha\n').scheduler as { max_epochs: number }).max_epochs, 9);
    assert.equal((spec('parameters:\n  epochs: { distribution: int, min: 4, max: 30 }\nsamples: 2\nscheduler: asha\n').scheduler as { max_epochs: number }).max_epochs, 4);
    const conditional = 'parameters:\n  optimizer: { values: [sgd, adam] }\n  epochs: { values: [20, 30], when: { optimizer: adam } }\nscheduler: asha\n';
    assert.equal((spec(conditional).scheduler as { max_epochs: number }).max_epochs, 10, 'sgd trials keep the default 10 epochs');
    assert.equal(errorOf('parameters:\n  epochs: { values: [20, 9] }\nscheduler: { type: asha, max_epochs: 10 }\n'), 't.yaml:6:38: scheduler.max_epochs (10) exceeds the smallest parameters.epochs (9)');
  });

  test('the quick profile and --epochs lower max_epochs to their epochs; quick.scheduler replaces the block', () => {
    const body = 'training: { epochs: 50 }\nscheduler: { type: asha, grace_epochs: 2, max_epochs: 40 }\nquick:\n  training: { epochs: 3 }\n';
    assert.deepEqual(spec(body).scheduler, asha({ grace_epochs: 2, max_epochs: 40 }));
    assert.deepEqual(spec(body, { quick: true }).scheduler, asha({ grace_epochs: 2, max_epochs: 3 }));
    assert.deepEqual(spec(body, { overrides: { epochs: 1 } }).scheduler, asha({ grace_epochs: 2, max_epochs: 1 }), 'no rung left: nothing is stopped');
    assert.equal(spec(body + '  scheduler: none\n', { quick: true }).scheduler, null);
    assert.deepEqual(spec(body + '  scheduler: median\n', { quick: true }).scheduler, median());
    assert.deepEqual(spec(body + '  scheduler: median\n').scheduler, asha({ grace_epochs: 2, max_epochs: 40 }));
  });

  test('bad scheduler blocks are SpecErrors at the offending node', () => {
    const cases: Array<[string, string]> = [
      ['scheduler: hyperband\n', "t.yaml:4:12: scheduler must be one of asha, median, none; got 'hyperband'"],
      ['scheduler: { type: ash }\n', "t.yaml:4:20: scheduler.type must be one of asha, median, none; got 'ash'"],
      ['scheduler: { grace_epochs: 2 }\n', "t.yaml:4:12: missing required key 'type' in scheduler"],
      ['scheduler: 3\n', 't.yaml:4:12: scheduler must be asha, median, none or a mapping { type: ..., ... }; got 3'],
      ['scheduler: { type: median, max_epochs: 3 }\n', "t.yaml:4:28: unknown key 'max_epochs' in scheduler"],
      ['scheduler: { type: none, metric: loss }\n', "t.yaml:4:26: unknown key 'metric' in scheduler"],
      ['scheduler: { type: asha, grace_epochs: 0 }\n', 't.yaml:4:40: scheduler.grace_epochs must be >= 1, got 0'],
      ['scheduler: { type: asha, grace_epochs: 1.5 }\n', 't.yaml:4:40: scheduler.grace_epochs must be an integer, got 1.5'],
      ['scheduler: { type: asha, reduction_factor: 1 }\n', 't.yaml:4:44: scheduler.reduction_factor must be >= 2, got 1'],
      ['scheduler: { type: asha, max_epochs: 0 }\n', 't.yaml:4:38: scheduler.max_epochs must be >= 1, got 0'],
      ['scheduler: { type: asha, max_epochs: 11 }\n', 't.yaml:4:38: scheduler.max_epochs (11) exceeds training.epochs (10)'],
      ['scheduler: { type: median, min_groups: 0 }\n', 't.yaml:4:40: scheduler.min_groups must be >= 1, got 0'],
      ['scheduler: { type: median, metric: accuracy_val }\n', "t.yaml:4:36: scheduler.metric must be one of loss, accuracy, val_loss, val_accuracy, val_auc; got 'accuracy_val'"],
      ['scheduler: { type: asha, goal: up }\n', "t.yaml:4:32: scheduler.goal must be one of max, min; got 'up'"],
      ['scheduler: { type: asha, grace_epochs: 5, max_epochs: 5 }\n', 't.yaml:4:40: scheduler.grace_epochs (5) must be below scheduler.max_epochs (5), or ASHA never stops a trial'],
      ['training: { epochs: 1 }\nscheduler: asha\n', 't.yaml:5:12: scheduler.grace_epochs (default 1) must be below training.epochs (1), or ASHA never stops a trial'],
      ['scheduler: { type: median, grace_epochs: 10 }\n', 't.yaml:4:42: scheduler.grace_epochs (10) must be below training.epochs (10), or median stopping never stops a trial'],
      ['quick:\n  scheduler: { type: asha, reduction_factor: 1 }\n', 't.yaml:5:46: quick.scheduler.reduction_factor must be >= 2, got 1'],
    ];
    for (const [body, expected] of cases) assert.equal(errorOf(body), expected, body);
  });
});

describe('describeTrials', () => {
  test('lists id, swept params (- when inactive) and seed', () => {
    const s = spec('parameters:\n  regularizer: { values: [none, dropout] }\n  dropout_rate: { values: [0.3], when: { regularizer: dropout } }\n  learning_rate: { values: [0.001, 0.0123456] }\nrepeats: 2\n');
    const table = describeTrials(s);
    assert.deepEqual(table.header, ['#', 'id', 'regularizer', 'learning_rate', 'seed']);
    assert.equal(table.rows.length, 8);
    assert.deepEqual(table.rows[1], ['1', s.trials[1]!.id, 'none', '0.01235', '0']);
    const withDropoutRate = spec('parameters:\n  regularizer: { values: [none, dropout] }\n  dropout_rate: { values: [0.3, 0.5], when: { regularizer: dropout } }\n');
    assert.deepEqual(describeTrials(withDropoutRate).rows.map((r) => r.slice(2)), [['none', '-', '0'], ['dropout', '0.3', '0'], ['dropout', '0.5', '0']]);
  });
});
