import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CommandTimeoutError } from '../../src/worker/command/errors.js';
import { HOST, TRAIN_PY, isAlive, run, tempDir, waitUntilGone } from '../fixtures/command-trainers/harness.js';

describe('command trainer: stopping', () => {
  test('onEpoch returning true stops the program with SIGTERM: outcome stopped, later epochs not reported', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '50', '--sleep', '0.1'], { onEpoch: (x) => x.metrics.epoch === 2 });
    const outcome = await r.handle.finished;
    assert.ok(outcome !== 'aborted');
    assert.equal(outcome.stopReason, 'stopped');
    assert.deepEqual(outcome.epochs.map((m) => m.epoch), [1, 2]);
    assert.deepEqual(r.reports.map((x) => x.metrics.epoch), [1, 2]);
    assert.ok(!r.logs.some((l) => l.msg.includes('SIGKILL')), 'SIGTERM was enough');
    assert.ok(r.handle.pid !== undefined && !isAlive(r.handle.pid));
  });

  test('a program that ignores SIGTERM is SIGKILLed after the grace', async () => {
    let stoppedAt = 0;
    const r = run(['python3', TRAIN_PY, '--epochs', '1', '--hang', '--ignore-term'], {
      run: { stopGraceMs: 600 },
      onEpoch: () => {
        stoppedAt = Date.now();
        return true;
      },
    });
    const outcome = await r.handle.finished;
    const took = Date.now() - stoppedAt;
    assert.ok(outcome !== 'aborted' && outcome.stopReason === 'stopped');
    assert.ok(took >= 550 && took < 3_000, `ended ${took} ms after the stop`);
    assert.ok(r.logs.some((l) => l.level === 'warn' && l.msg === 'trainer command did not exit within 600 ms of SIGTERM: SIGKILL'));
  });

  test('abort() settles aborted once the program is gone, and is idempotent', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '1', '--hang'], {
      onEpoch: () => {
        r.handle.abort();
        r.handle.abort();
        return false;
      },
    });
    assert.equal(await r.handle.finished, 'aborted');
    assert.ok(r.handle.pid !== undefined && !isAlive(r.handle.pid));
    r.handle.abort();
    const early = run(['python3', TRAIN_PY, '--epochs', '1']);
    early.handle.abort();
    assert.equal(await early.handle.finished, 'aborted');
    assert.equal(early.handle.pid, undefined, 'aborted before it started: never started');
  });

  test('an error thrown by onEpoch stops the program and rejects with that error', async () => {
    const r = run(['python3', TRAIN_PY, '--epochs', '1', '--hang'], { onEpoch: () => Promise.reject(new Error('record write refused')) });
    await assert.rejects(r.handle.finished, /record write refused/);
    assert.ok(r.handle.pid !== undefined && !isAlive(r.handle.pid));
  });

  test('timeout_s stops the program and fails the run, not retryable', async () => {
    const started = Date.now();
    const r = run(['python3', TRAIN_PY, '--epochs', '1', '--hang'], { trainer: { timeout_s: 1 } });
    await assert.rejects(r.handle.finished, (e: unknown) => {
      assert.ok(e instanceof CommandTimeoutError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /timeout of 1 s[^]*starting after epoch 0/);
      return true;
    });
    assert.ok(Date.now() - started < 4_000);
    assert.ok(r.handle.pid !== undefined && !isAlive(r.handle.pid));
  });

  test('no orphans: when the worker process is SIGKILLed, its program dies too', async () => {
    const host = spawn(process.execPath, ['--import', 'tsx', HOST, tempDir()], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => host.once('exit', r));
    const first = await createInterface({ input: host.stdout })[Symbol.asyncIterator]().next();
    const { pid } = JSON.parse(String(first.value)) as { pid: number };
    assert.ok(isAlive(pid), 'the program runs');
    host.kill('SIGKILL');
    await exited;
    assert.ok(await waitUntilGone(pid, 3_000), `program ${pid} outlived its worker`);
  });
});
