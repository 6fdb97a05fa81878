import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFile } from '../../src/spec/index.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import { sweepJsonSchemaText } from '../../src/spec/json-schema.js';
import { PARAMETER_NAMES } from '../../src/spec/parameters.js';

const sweeps = join(import.meta.dirname, '../../sweeps');
const seedStudy = join(sweeps, 'bn-vs-dropout.yaml');

test('the seed study expands to 6 model variants × 2 depths × 2 optimizers × 3 seeds = 72 trials', () => {
  const s = loadSpecFile(seedStudy);
  assert.equal(s.trials.length, 72);
  assert.equal(new Set(s.trials.map((t) => t.id)).size, 72);
  const count = (r: string) => s.trials.filter((t) => t.config.model.regularizer === r).length;
  assert.deepEqual([count('batchnorm'), count('batchnorm-every-conv'), count('dropout'), count('none')], [12, 12, 36, 12]);
  assert.deepEqual([...new Set(s.trials.map((t) => t.config.seed))], [1, 2, 3]);
  for (const t of s.trials) {
    const c = t.config;
    assert.deepEqual([c.optimizer.learning_rate, c.training.batch_size, c.training.epochs], [0.001, 64, 50]);
    assert.deepEqual(c.training.reduce_lr_on_plateau, { monitor: 'val_loss', factor: 0.5, patience: 3, min_lr: 1e-5, cooldown: 0, min_delta: 1e-4 });
    assert.deepEqual(c.training.early_stopping, { monitor: 'val_loss', patience: 5, min_delta: 0, restore_best_weights: true });
    assert.deepEqual([c.dataset!.name, c.dataset!.validation], ['cifar10', 'test']);
    assert.equal('dropout_rate' in c.params, c.model.regularizer === 'dropout');
  }
  assert.deepEqual(s.objective, { metric: 'val_accuracy', goal: 'max' });
  assert.deepEqual(s.export, { top: 3, format: 'onnx' });
  // No early termination in the study itself (the YAML says why); its example is exercised by spec-expand.
  assert.equal(s.scheduler, null);
});

test("the seed study's four seed models are trials, for every seed", () => {
  const s = loadSpecFile(seedStudy);
  const seedModels: Array<Partial<TrialConfig['model']> & { optimizer: string }> = [
    { regularizer: 'batchnorm', depth: 2, optimizer: 'sgd' },
    { regularizer: 'batchnorm-every-conv', depth: 2, optimizer: 'sgd' },
    { regularizer: 'batchnorm-every-conv', depth: 2, optimizer: 'adam' },
    { regularizer: 'dropout', depth: 2, optimizer: 'sgd' },
  ];
  for (const { optimizer, ...model } of seedModels) {
    const matches = s.trials.filter(
      (t) => t.config.optimizer.name === optimizer && Object.entries(model).every(([k, v]) => t.config.model[k as keyof typeof model] === v),
    );
    const perSeed = model.regularizer === 'dropout' ? 3 : 1; // one per dropout_rate
    assert.equal(matches.length, 3 * perSeed, `${model.regularizer}+${optimizer}`);
  }
});

test('the seed study quick profile: the regularizer x optimizer grid with the four seed models, 2 seeds, SGD at lr 0.1, its note', () => {
  const s = loadSpecFile(seedStudy, { quick: true });
  assert.equal(s.trials.length, 12);
  for (const t of s.trials) {
    const c = t.config;
    assert.deepEqual([c.dataset!.name, c.dataset!.subset, c.training.epochs, c.training.batch_size, c.model.depth], ['fashion-mnist', { train: 4000, validation: 500 }, 3, 32, 2]);
    assert.equal(c.optimizer.learning_rate, c.optimizer.name === 'sgd' ? 0.1 : 0.01, `${c.optimizer.name} learning rate`);
  }
  const models = new Set(s.trials.map((t) => `${t.config.model.regularizer}+${t.config.optimizer.name}`));
  assert.deepEqual([...models].sort(), ['batchnorm+adam', 'batchnorm+sgd', 'batchnorm-every-conv+adam', 'batchnorm-every-conv+sgd', 'dropout+adam', 'dropout+sgd']);
  assert.deepEqual([...new Set(s.trials.map((t) => t.config.seed))], [1, 2]);
  assert.match(s.profileNote ?? '', /^quick profile: regularizer x optimizer grid .*SGD lr 0\.1 and Adam lr 0\.01 instead of 0\.001/);
  assert.equal(loadSpecFile(seedStudy).profileNote, null, 'the spec as written has no note');
  assert.equal(loadSpecFile(seedStudy, { quick: true, overrides: { epochs: 1 } }).profileNote?.endsWith('; --epochs 1'), true);
  assert.equal(s.specHash, loadSpecFile(seedStudy).specHash);
  assert.equal(s.scheduler, null);
});

test('every bundled sweep loads, with and without --quick', () => {
  const expected: Record<string, [number, number]> = {
    'bn-vs-dropout.yaml': [72, 12],
    'bn-vs-dropout-reproduce.yaml': [12, 12],
    'fashion-mnist.yaml': [12, 3],
    'synthetic.yaml': [6, 2],
    'sleep.yaml': [8, 2],
  };
  const files = readdirSync(sweeps).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(files, Object.keys(expected).sort());
  for (const f of files) {
    const counts = [loadSpecFile(join(sweeps, f)).trials.length, loadSpecFile(join(sweeps, f), { quick: true }).trials.length];
    assert.deepEqual(counts, expected[f], f);
  }
  const synthetic = loadSpecFile(join(sweeps, 'synthetic.yaml')).trials[0]!.config.dataset!.synthetic;
  assert.deepEqual(synthetic, { height: 16, width: 16, channels: 1, classes: 4, train_size: 256, validation_size: 64, noise: 0.3 });
  assert.equal(loadSpecFile(join(sweeps, 'sleep.yaml')).trials[0]!.config.model.family, 'sleep');
});

test('sweeps/sweep.schema.json is up to date (regenerate: npx tsx scripts/emit-schema.ts)', () => {
  assert.equal(readFileSync(join(sweeps, 'sweep.schema.json'), 'utf8'), sweepJsonSchemaText());
});

test('the JSON schema knows the three kinds of spec, their parameters, and forbids unknown keys', () => {
  type ObjectSchema = { additionalProperties: boolean; required?: string[]; properties: Record<string, unknown> };
  const root = JSON.parse(sweepJsonSchemaText()) as { anyOf: ObjectSchema[]; $defs: Record<string, ObjectSchema> };
  const [builtin, module, command] = root.anyOf;
  const schema = { ...builtin!, $defs: root.$defs };
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.required?.sort(), ['dataset', 'model', 'name']);
  assert.deepEqual((module!.properties.model as ObjectSchema).required, ['module'], 'model: { module: ... }');
  assert.deepEqual(command!.required?.sort(), ['metrics', 'name', 'trainer']);
  assert.equal(command!.additionalProperties, false);
  assert.equal(command!.properties.dataset, undefined, 'a program loads its own data');
  const parameters = schema.$defs.parameters;
  assert.equal(parameters?.additionalProperties, false);
  assert.deepEqual(Object.keys(parameters?.properties ?? {}).sort(), [...PARAMETER_NAMES].sort());
});

test('the JSON schema knows the scheduler forms, at the top level and in quick', () => {
  type Node = { $ref?: string; anyOf?: Node[]; oneOf?: Node[]; enum?: string[]; properties?: Record<string, Node>; additionalProperties?: boolean };
  const root = JSON.parse(sweepJsonSchemaText()) as { anyOf: Node[]; $defs: Record<string, Node> };
  const schema = { ...root.anyOf[0]!, $defs: root.$defs };
  assert.equal(schema.properties?.scheduler?.$ref, '#/$defs/scheduler');
  assert.equal(schema.properties?.quick?.properties?.scheduler?.$ref, '#/$defs/scheduler');
  const flat = (n: Node): Node[] => [n, ...(n.anyOf ?? []).flatMap(flat), ...(n.oneOf ?? []).flatMap(flat)];
  const forms = flat(schema.$defs.scheduler!);
  assert.deepEqual(forms.find((n) => n.enum)?.enum, ['asha', 'median', 'none']);
  const keys = forms.filter((n) => n.properties).map((n) => Object.keys(n.properties!).sort());
  assert.deepEqual(keys, [
    ['goal', 'grace_epochs', 'max_epochs', 'metric', 'reduction_factor', 'type'],
    ['goal', 'grace_epochs', 'metric', 'min_groups', 'type'],
    ['type'],
  ]);
  assert.ok(forms.filter((n) => n.properties).every((n) => n.additionalProperties === false));
});
