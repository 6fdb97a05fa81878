import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packDirectory } from '../../src/worker/command/checkpoint-archive.js';
import { CommandExitError, CommandNotFoundError, CommandOutputError, CommandTemplateError } from '../../src/worker/command/errors.js';
import type { CommandOutcome } from '../../src/worker/command/types.js';
import { ECHO_PY, MISSING_INTERPRETER, TRAIN_PY, run, tempDir, waitUntilGone } from '../fixtures/command-trainers/harness.js';

// train.py does not flush its epoch lines: the runner's PYTHONUNBUFFERED default must, not this machine's environment.
delete process.env.PYTHONUNBUFFERED;

/** The outcome of a run that must complete (not 'aborted'). */
async function outcomeOf(finished: Promise<CommandOutcome | 'aborted'>): Promise<CommandOutcome> {
  const o = await finished;
  assert.notEqual(o, 'aborted');
  return o as CommandOutcome;
}

function untar(bytes: Uint8Array): string {
  const dir = tempDir('sweep-untar-');
  execFileSync('tar', ['-xf', '-', '-C', dir], { input: bytes });
  return dir;
}

describe('command trainer: parameters', () => {
  test("the worker's broker credentials do not reach the program; a spec's env may still set NATS_ variables", async () => {
    const saved = { password: process.env.NATS_PASSWORD, tokenFile: process.env.NATS_TOKEN_FILE };
    process.env.NATS_PASSWORD = 'worker-secret';
    process.env.NATS_TOKEN_FILE = '/state/.sweep/nats/token';
    try {
      const r = run(['python3', ECHO_PY, '--lr', '0.1'], { trainer: { env: { NATS_URL: 'nats://programs-own:4222' } } });
      const outcome = await outcomeOf(r.handle.finished);
      const seen = JSON.parse(readFileSync(join(outcome.outputDir, 'seen.json'), 'utf8')) as { env: Record<string, string> };
      assert.deepEqual(Object.keys(seen.env).filter((k) => k.startsWith('NATS_')), ['NATS_URL']);
    } finally {
      for (const [name, value] of [['NATS_PASSWORD', saved.password], ['NATS_TOKEN_FILE', saved.tokenFile]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('placeholders in args and env, SWEEP_PARAM_* variables and the params file reach the program', async () => {
    const cwd = tempDir('sweep-cwd-');
    const params = { learning_rate: 0.001, model: 'vgg-bn', seed: 7, 'use-bn': true };
    const r = run(['python3', ECHO_PY, '--lr', '{learning_rate}', '--model', '{model}', '--json', '{{"a": {seed}}}'], {
      params,
      trainer: { env: { USER_TAG: 'run-{seed}' }, cwd },
    });
    const outcome = await outcomeOf(r.handle.finished);
    const seen = JSON.parse(readFileSync(join(outcome.outputDir, 'seen.json'), 'utf8')) as { argv: string[]; env: Record<string, string>; params_file: unknown; cwd: string };
    assert.deepEqual(seen.argv, ['--lr', '0.001', '--model', 'vgg-bn', '--json', '{"a": 7}']);
    assert.equal(seen.env.USER_TAG, 'run-7');
    assert.equal(seen.env.SWEEP_PARAM_LEARNING_RATE, '0.001');
    assert.equal(seen.env.SWEEP_PARAM_USE_BN, 'true');
    assert.equal(seen.env.SWEEP_PARAM_SEED, '7');
    assert.equal(seen.env.SWEEP_RESUME_EPOCH, '0');
    assert.deepEqual(seen.params_file, params, 'the params file keeps the types');
    assert.equal(seen.cwd, cwd);
    assert.deepEqual(r.reports.map((x) => x.metrics), [{ epoch: 1, lr: 0.001 }]);
    assert.equal(outcome.stopReason, 'completed');
    assert.equal(outcome.modelPath, join(outcome.outputDir, 'model.onnx'));
  });

  test('a placeholder naming no parameter fails before the program runs, naming it and the known parameters', async () => {
    const r = run(['python3', ECHO_PY, '--lr', '{lr}'], { params: { learning_rate: 0.1, depth: 3 } });
    await assert.rejects(r.handle.finished, (e: unknown) => {
      assert.ok(e instanceof CommandTemplateError);
      assert.equal(e.badInput, true);
      assert.equal(e.retryable, false);
      assert.match(e.message, /\{lr\}.*known: depth, learning_rate/);
      return true;
    });
    assert.equal(r.handle.pid, undefined, 'nothing was started');
    const unclosed = run(['python3', ECHO_PY, '--cfg', '{"a": 1}'], { params: { a: 1 } });
    await assert.rejects(unclosed.handle.finished, (e: unknown) => e instanceof CommandTemplateError && /opens no placeholder \(write \{\{ and \}\} for literal braces\)/.test(e.message));
  });
});

describe('command trainer: metrics', () => {
  test('epoch lines on stdout are reported in order; other stdout and stderr lines go to the log', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '3'], { run: { requiredMetrics: ['val_accuracy'] } });
    const outcome = await outcomeOf(r.handle.finished);
    assert.deepEqual(r.reports.map((x) => x.metrics), [1, 2, 3].map((epoch) => ({ epoch, val_accuracy: epoch / 10, resumed_from: 0 })));
    assert.deepEqual(outcome.epochs, r.reports.map((x) => x.metrics));
    assert.ok(r.reports.every((x) => x.state === null), 'checkpointEvery 0: no state');
    assert.ok(r.logs.some((l) => l.level === 'info' && l.msg === 'training epoch 2' && l.fields?.stream === 'stdout'));
    assert.ok(r.logs.some((l) => l.msg === 'starting after epoch 0' && l.fields?.stream === 'stderr'));
    assert.ok(!r.logs.some((l) => l.msg.startsWith('{')), 'epoch lines are not logged as output');
  });

  test('epoch lines appended to $SWEEP_METRICS are reported while the program runs', async () => {
    let firstAt = 0;
    const r = run(['python3', TRAIN_PY, '--epochs', '3', '--sleep', '0.4', '--metrics', 'file'], {
      onEpoch: (x) => {
        if (x.metrics.epoch === 1) firstAt = Date.now();
        return false;
      },
    });
    await r.handle.finished;
    const endedAt = Date.now();
    assert.deepEqual(r.reports.map((x) => x.metrics.epoch), [1, 2, 3]);
    assert.ok(endedAt - firstAt >= 500, `epoch 1 reported ${endedAt - firstAt} ms before the end: read incrementally, not only at exit`);
  });

  test('malformed epoch lines are skipped with a warning and the run goes on', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '3', '--malformed']);
    await r.handle.finished;
    assert.deepEqual(r.reports.map((x) => x.metrics.epoch), [1, 2, 3]);
    const warnings = r.logs.filter((l) => l.level === 'warn').map((l) => l.msg);
    assert.deepEqual(warnings, [
      'epoch line skipped: no integer "epoch" ≥ 1',
      'epoch line skipped: not valid JSON (NaN and Infinity are not JSON numbers)',
      'epoch line skipped: epoch 1 does not follow epoch 1',
      'epoch line skipped: non-numeric value of note',
    ]);
  });
});

describe('command trainer: checkpoints and resume', () => {
  test('the checkpoint directory is packed after each checkpoint epoch and unpacks to what the program wrote', async () => {
    // Epochs of 0.3 s: the program leaves the directory alone for longer than a pack takes (the contract).
    const r = run(['python3', TRAIN_PY, '--epochs', '4', '--sleep', '0.3'], { run: { checkpointEvery: 2 } });
    await r.handle.finished;
    assert.deepEqual(r.reports.map((x) => x.state?.epoch ?? null), [null, 2, null, 4]);
    const state = r.reports[1]?.state;
    assert.ok(state);
    assert.equal(state.sha256, createHash('sha256').update(state.bytes).digest('hex'));
    const dir = untar(state.bytes);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')), { epoch: 2, weights: [10, 20] });
    assert.deepEqual(readdirSync(join(dir, 'weights')).sort(), ['w1.txt', 'w2.txt']);
  });

  test('packing is deterministic: the same files give the same bytes whatever their times; an empty directory is no checkpoint', async () => {
    const dir = tempDir();
    assert.equal(await packDirectory(dir), null);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.bin'), 'bbb');
    writeFileSync(join(dir, 'a.txt'), 'aaa');
    const first = await packDirectory(dir);
    utimesSync(join(dir, 'a.txt'), new Date(5_000), new Date(5_000));
    const second = await packDirectory(dir);
    assert.ok(first && second);
    assert.equal(first.sha256, second.sha256);
    const listing = execFileSync('tar', ['-tf', '-'], { input: first.bytes }).toString().trim().split('\n');
    assert.deepEqual(listing, ['./', './a.txt', './sub/', './sub/b.bin']);
  });

  test('a resumed attempt finds the state unpacked and $SWEEP_RESUME_EPOCH set, and goes on from the next epoch', async () => {
    const first = run(['python3', TRAIN_PY, '--epochs', '2', '--sleep', '0.3'], { run: { checkpointEvery: 1 } });
    await first.handle.finished;
    const state = first.reports[1]?.state;
    assert.equal(state?.epoch, 2);
    const second = run(['python3', TRAIN_PY, '--epochs', '4', '--sleep', '0.3'], { run: { checkpointEvery: 1, resumeFrom: state.bytes, resumeEpoch: 2 } });
    const outcome = await outcomeOf(second.handle.finished);
    // train.py asserts its restored state is from $SWEEP_RESUME_EPOCH, and reports the epoch it resumed from.
    assert.deepEqual(outcome.epochs.map((m) => [m.epoch, m.resumed_from]), [[3, 2], [4, 2]]);
    const last = second.reports[1]?.state;
    assert.ok(last);
    assert.deepEqual(JSON.parse(readFileSync(join(untar(last.bytes), 'state.json'), 'utf8')), { epoch: 4, weights: [10, 20, 30, 40] });

    // Resumed from its last epoch (a crash after the checkpoint, before the finish): nothing left to report.
    const done = run(['python3', TRAIN_PY, '--epochs', '2'], { run: { checkpointEvery: 1, resumeFrom: state.bytes, resumeEpoch: 2 } });
    assert.deepEqual(await outcomeOf(done.handle.finished), { stopReason: 'completed', epochs: [], outputDir: join(done.workDir, 'output'), modelPath: null });
  });
});

describe('command trainer: failures', () => {
  test('a command that is not there, or cannot be executed, fails at once and is not retryable', async () => {
    for (const command of [['no-such-trainer-7f3a'], [TRAIN_PY], [MISSING_INTERPRETER]]) {
      const r = run(command);
      await assert.rejects(r.handle.finished, (e: unknown) => {
        assert.ok(e instanceof CommandNotFoundError, `${command[0]}: ${String(e)}`);
        assert.equal(e.retryable, false);
        return true;
      });
    }
    // Its interpreter is missing: only setpriv's exec fails, and says so.
    const r = run([MISSING_INTERPRETER]);
    await assert.rejects(r.handle.finished, /could not be executed: setpriv: failed to execute/);
  });

  test('exit code 3 is a retryable failure quoting the code and the last 20 lines of stderr', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '1', '--exit-code', '3']);
    await assert.rejects(r.handle.finished, (e: unknown) => {
      assert.ok(e instanceof CommandExitError);
      assert.equal(e.retryable, true);
      assert.match(e.message, /exited with code 3/);
      assert.match(e.message, /stderr line 11\n[^]*stderr line 29\nRuntimeError: boom$/);
      assert.doesNotMatch(e.message, /stderr line 10\n/);
      return true;
    });
    assert.equal(r.reports.length, 1, 'epochs before the failure were still reported');
  });

  test('exit 0 without an epoch line is not retryable and quotes the last stdout lines', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '2', '--no-metrics']);
    await assert.rejects(r.handle.finished, (e: unknown) => {
      assert.ok(e instanceof CommandOutputError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /without printing an epoch line[^]*training epoch 2/);
      return true;
    });
  });

  test('exit 0 without a declared metric is not retryable and names the metrics seen', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '1'], { run: { requiredMetrics: ['val_auc'] } });
    await assert.rejects(r.handle.finished, (e: unknown) => {
      assert.ok(e instanceof CommandOutputError);
      assert.match(e.message, /never reported "val_auc" \(declared in the spec's metrics\); its epoch lines had: val_accuracy, resumed_from/);
      return true;
    });
  });

  test('processes the program leaves in its group are killed when it exits', async () => {
    const r = run(['sh', '-c', 'sleep 30 & echo $! > "$SWEEP_OUTPUT_DIR/bg.pid"; echo \'{{"epoch": 1}}\'']);
    const outcome = await outcomeOf(r.handle.finished);
    const bg = Number(readFileSync(join(outcome.outputDir, 'bg.pid'), 'utf8'));
    assert.ok(await waitUntilGone(bg, 2_000), `background sleep ${bg} is gone`);
    assert.ok(r.logs.some((l) => l.level === 'warn' && /left processes behind/.test(l.msg)));
  });

  test('a process that left the group and holds the output open does not keep the run from settling', async () => {
    const r = run(['sh', '-c', 'setsid sleep 30 & echo $! > "$SWEEP_OUTPUT_DIR/bg.pid"; sleep 0.3; echo \'{{"epoch": 1}}\'']);
    const started = Date.now();
    const outcome = await outcomeOf(r.handle.finished);
    process.kill(Number(readFileSync(join(outcome.outputDir, 'bg.pid'), 'utf8')), 'SIGKILL');
    assert.ok(Date.now() - started < 4_000);
    assert.deepEqual(outcome.epochs, [{ epoch: 1 }]);
    assert.ok(r.logs.some((l) => l.level === 'warn' && /output stayed open/.test(l.msg)));
  });
});
