import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeCommands, parseSpec } from '../../src/spec/index.js';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandNotAllowedError, LoaderVariableRefusedError, assertCommandAllowed, assertNoLoaderVariables, commandPolicyOf } from '../../src/worker/command/allow-policy.js';
import { localWorkerAllowArgs } from '../../src/cli/allow-command.js';

const SPEC = `name: own-program
trainer:
  command: [python3, train.py, --lr, "{lr}", --epochs, "{epochs}", --seed, "{seed}"]
  env: {OMP_NUM_THREADS: 1, TAG: "run-{lr}"}
  cwd: code
  timeout_s: 600
metrics: [val_accuracy, val_loss]
parameters:
  lr: {values: [0.1, 0.01]}
  width: 64
seeds: [1, 2]
training: {epochs: 4}
objective: {metric: val_loss}
quick:
  training: {epochs: 1}
  parameters:
    lr: 0.1
`;

describe('command specs (trainer:)', () => {
  test('expand to command trials: every parameter, epochs and seed in params; cwd resolved against the spec file', () => {
    const sweep = parseSpec(SPEC, '/specs/own/sweep.yaml');
    assert.equal(sweep.trials.length, 4);
    const first = sweep.trials[0]!.config;
    assert.equal(first.model.family, 'command');
    assert.equal(first.dataset, null);
    assert.deepEqual(first.command?.params, { lr: 0.1, width: 64, epochs: 4, seed: 1 });
    assert.deepEqual(first.params, { lr: 0.1 }, 'only swept params go into tables');
    assert.deepEqual(first.command?.trainer, {
      command: ['python3', 'train.py', '--lr', '{lr}', '--epochs', '{epochs}', '--seed', '{seed}'],
      env: { OMP_NUM_THREADS: '1', TAG: 'run-{lr}' },
      cwd: '/specs/own/code',
      timeout_s: 600,
    });
    assert.deepEqual(first.command?.metrics, ['val_accuracy', 'val_loss']);
    assert.equal(first.training.epochs, 4);
    assert.deepEqual(sweep.objective, { metric: 'val_loss', goal: 'min' }, 'a *loss objective is minimized');
  });

  test('the quick profile replaces epochs and parameters; the program gets the quick epochs', () => {
    const sweep = parseSpec(SPEC, '/specs/own/sweep.yaml', { quick: true });
    assert.equal(sweep.trials.length, 2);
    assert.deepEqual(sweep.trials[0]!.config.command?.params, { lr: 0.1, width: 64, epochs: 1, seed: 1 });
  });

  test('the command is part of the trial ID: changed code paths or arguments give new trials', () => {
    const a = parseSpec(SPEC, '/specs/own/sweep.yaml').trials.map((t) => t.id);
    const b = parseSpec(SPEC.replace('train.py', 'train2.py'), '/specs/own/sweep.yaml').trials.map((t) => t.id);
    const c = parseSpec(SPEC, '/specs/own/sweep.yaml').trials.map((t) => t.id);
    assert.deepEqual(a, c, 'stable');
    assert.equal(a.filter((id) => b.includes(id)).length, 0);
  });

  test('--dry-run lists the exact commands, placeholders filled, with the SWEEP_PARAM_ variables', () => {
    const commands = describeCommands(parseSpec(SPEC, '/specs/own/sweep.yaml'))!;
    assert.equal(commands.length, 4);
    assert.equal(commands[1]!.line, 'OMP_NUM_THREADS=1 TAG=run-0.01 python3 train.py --lr 0.01 --epochs 4 --seed 1');
    assert.equal(commands[1]!.env.SWEEP_PARAM_WIDTH, '64');
    assert.equal(commands[1]!.cwd, '/specs/own/code');
    assert.equal(describeCommands(parseSpec('name: v\nmodel: vgg\ndataset: {name: fashion-mnist}\n', 'v.yaml')), null);
  });

  test('--dataset does not apply to a trainer', () => {
    assert.throws(() => parseSpec(SPEC, 's.yaml', { overrides: { dataset: 'cifar10' } }), /s\.yaml:3:3: --dataset does not apply to a trainer/);
  });
});

describe('--allow-command', () => {
  test('the policy: none by default, any when bare, a list of files found on the worker\'s PATH at start', () => {
    const bin = mkdtempSync(join(tmpdir(), 'allow-bin-'));
    const other = mkdtempSync(join(tmpdir(), 'allow-other-'));
    for (const [dir, name] of [[bin, 'python3'], [bin, 'bash'], [other, 'python3']] as const) writeFileSync(join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
    try {
      assert.throws(() => assertCommandAllowed('python3', join(bin, 'python3'), commandPolicyOf(undefined)), (e: unknown) => e instanceof CommandNotAllowedError && /start it with --allow-command/.test(e.message));
      assert.doesNotThrow(() => assertCommandAllowed('/opt/anything', '/opt/anything', commandPolicyOf(true)));
      const listed = commandPolicyOf('python3, bash', bin, '/');
      assert.doesNotThrow(() => assertCommandAllowed('python3', join(bin, 'python3'), listed));
      assert.doesNotThrow(() => assertCommandAllowed(join(bin, 'bash'), join(bin, 'bash'), listed), 'the same file by its path');
      assert.throws(
        () => assertCommandAllowed(join(other, 'python3'), join(other, 'python3'), listed),
        (e: unknown) => e instanceof CommandNotAllowedError && e.message.includes(`python3 = ${realpathSync(join(bin, 'python3'))}`),
        'another file of an allowed name is not allowed',
      );
      assert.throws(() => assertCommandAllowed('sh', '/bin/sh', listed), (e: unknown) => e instanceof CommandNotAllowedError && /--allow-command python3,bash,sh$/.test(e.message));
      assert.throws(() => assertCommandAllowed('/bin/sh', '/bin/sh', listed), (e: unknown) => e instanceof CommandNotAllowedError && /--allow-command python3,bash,\/bin\/sh$/.test(e.message), 'a path is suggested as the path');
      const byPath = commandPolicyOf(join(other, 'python3'), bin, '/');
      assert.doesNotThrow(() => assertCommandAllowed(join(other, 'python3'), join(other, 'python3'), byPath));
      assert.throws(() => assertCommandAllowed('python3', join(bin, 'python3'), byPath), CommandNotAllowedError, 'an absolute path allows only that path');
      assert.throws(() => assertCommandAllowed('nope', '/x/nope', commandPolicyOf('nope', bin, '/')), (e: unknown) => e instanceof CommandNotAllowedError && /nope \(not found\)/.test(e.message));
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('a loader variable in a job\'s trainer env is refused by name, not run', () => {
    assert.throws(
      () => assertNoLoaderVariables({ OMP_NUM_THREADS: '1', LD_PRELOAD: '/tmp/x.so', 'BASH_FUNC_echo%%': '() { id; }' }),
      (e: unknown) => e instanceof LoaderVariableRefusedError && !e.retryable && /LD_PRELOAD/.test(e.message) && /BASH_FUNC_echo%%/.test(e.message) && !/OMP_NUM_THREADS/.test(e.message),
    );
    assert.doesNotThrow(() => assertNoLoaderVariables({ OMP_NUM_THREADS: '1', PYTHONUNBUFFERED: '0' }));
  });

  test("local workers: always on the embedded default, with --nats only when launch was given the flag", () => {
    assert.deepEqual(localWorkerAllowArgs(true, undefined), ['--allow-command', '--allow-module']);
    assert.deepEqual(localWorkerAllowArgs(true, 'python3'), ['--allow-command', 'python3', '--allow-module']);
    assert.deepEqual(localWorkerAllowArgs(false, undefined), []);
    assert.deepEqual(localWorkerAllowArgs(false, true), ['--allow-command']);
    assert.deepEqual(localWorkerAllowArgs(false, 'python3,bash'), ['--allow-command', 'python3,bash']);
    assert.deepEqual(localWorkerAllowArgs(false, undefined, true), ['--allow-module']);
  });
});
