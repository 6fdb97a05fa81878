import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, parseSpec, trialId } from '../../src/spec/index.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';

function config(): TrialConfig {
  return parseSpec('name: t\nmodel: vgg\ndataset: { name: fashion-mnist }\n', 't.yaml').trials[0]!.config;
}

/** The same object with keys inserted in reverse order at every level. */
function reversedKeys<T>(value: T): T {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys<unknown>(v)]);
  return Object.fromEntries(entries) as T;
}

test('a trial ID is 16 hex chars and the same for the same config', () => {
  const id = trialId(config());
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(trialId(config()), id);
});

test('key order does not change the ID', () => {
  const c = config();
  const reversed = reversedKeys(c);
  assert.notEqual(JSON.stringify(reversed), JSON.stringify(c));
  assert.equal(canonicalJson(reversed), canonicalJson(c));
  assert.equal(trialId(reversed), trialId(c));
});

test('any change of any field changes the ID', () => {
  const base = config();
  const changes: Array<(c: TrialConfig) => void> = [
    (c) => (c.seed = 1),
    (c) => (c.model.depth = 3),
    (c) => (c.model.regularizer = 'dropout'),
    (c) => (c.model.family = 'sleep'),
    (c) => (c.optimizer.learning_rate = 0.0100001),
    (c) => (c.training.epochs += 1),
    (c) => (c.training.early_stopping = { monitor: 'val_loss', patience: 1, min_delta: 0, restore_best_weights: false }),
    (c) => (c.dataset!.subset.train = 100),
    (c) => (c.dataset!.name = 'cifar10'),
    (c) => (c.params = { depth: 2 }),
  ];
  const ids = new Set([trialId(base)]);
  for (const change of changes) {
    const c = structuredClone(base);
    change(c);
    ids.add(trialId(c));
  }
  assert.equal(ids.size, changes.length + 1);
});

test('the scheduler changes the spec hash but no trial ID (it changes when a trial stops, not what it trains)', () => {
  const head = 'name: t\nmodel: vgg\ndataset: { name: fashion-mnist }\nparameters: { depth: { values: [1, 2] } }\n';
  const plain = parseSpec(head, 't.yaml');
  const scheduled = [parseSpec(head + 'scheduler: asha\n', 't.yaml'), parseSpec(head + 'scheduler: { type: median, grace_epochs: 2 }\n', 't.yaml')];
  for (const s of scheduled) {
    assert.notEqual(s.specHash, plain.specHash);
    assert.deepEqual(s.trials.map((t) => t.id), plain.trials.map((t) => t.id));
  }
  assert.notEqual(scheduled[0]!.specHash, scheduled[1]!.specHash);
});

test('canonical JSON rejects non-finite numbers instead of hashing them as null', () => {
  const c = config();
  c.optimizer.learning_rate = Number.NaN;
  assert.throws(() => trialId(c), /non-finite/);
});
