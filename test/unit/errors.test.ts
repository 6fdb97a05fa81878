import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { NatsError } from 'nats';
import { SweepError, isRetryable } from '../../src/domain/errors.js';
import { exitCodeFor } from '../../src/cli/exit-code.js';
import { ExitCode, UsageError } from '../../src/cli/errors.js';
import { SpecError } from '../../src/spec/errors.js';
import { SpecChangedError } from '../../src/coordinator/launch.js';
import { UnknownSweepError } from '../../src/coordinator/sweep-view.js';
import { ExportError } from '../../src/coordinator/export-winners.js';
import { UnsupportedLayerError } from '../../src/export/errors.js';
import { DatasetError } from '../../src/training/datasets/errors.js';
import { downloadVerified } from '../../src/training/datasets/download.js';
import { loadDataset } from '../../src/training/datasets/index.js';
import { UnknownModelFamilyError, trainTrial } from '../../src/training/engine.js';
import { BackendUnavailableError } from '../../src/training/backends/errors.js';
import { JetStreamPublishError } from '../../src/transport/async-publisher.js';
import { BlobIntegrityError } from '../../src/transport/blob-store.js';
import { MalformedMessageError } from '../../src/transport/codecs.js';
import { BrokerConnectError } from '../../src/transport/connection.js';
import { NatsServerMissingError } from '../../src/transport/embedded-server.js';
import { ContentionError } from '../../src/transport/trial-store.js';
import { trainerFailure } from '../../src/worker/errors.js';
import { LeaseLostError } from '../../src/worker/trial-runner.js';
import { TrainerExitedError, TrainingFailedError } from '../../src/worker/trainer/trainer-process.js';

type Flags = { retryable: boolean; badInput: boolean };
const RETRY: Flags = { retryable: true, badInput: false };
const FINAL: Flags = { retryable: false, badInput: false };
const BAD_INPUT: Flags = { retryable: false, badInput: true };

/** Each project error, its flags, and the exit code the CLI gives it (text: `sweep: <message>`, or the message alone for bad input). */
const cases: Array<{ err: SweepError; flags: Flags; code: number }> = [
  { err: new UsageError('--concurrency must be at least 1'), flags: BAD_INPUT, code: 2 },
  { err: new SpecError('s.yaml', 3, 5, 'unknown key', 'remove it'), flags: BAD_INPUT, code: 2 },
  { err: new SpecChangedError('the spec changed; pass --extend'), flags: BAD_INPUT, code: 2 },
  { err: new UnknownSweepError('no sweep "x" on this broker'), flags: FINAL, code: 1 },
  { err: new ExportError('trial t: its final weights are missing'), flags: FINAL, code: 1 },
  { err: new UnsupportedLayerError('Conv3D', 'c1', 'no converter'), flags: FINAL, code: 1 },
  { err: new DatasetError("unknown dataset 'nope'"), flags: FINAL, code: 1 },
  { err: new DatasetError('download of u failed: ECONNRESET', 'f.gz', { retryable: true }), flags: RETRY, code: 1 },
  { err: new UnknownModelFamilyError("model.family 'resnet' is unknown"), flags: FINAL, code: 1 },
  { err: new BackendUnavailableError("backend 'webgpu' is not available"), flags: RETRY, code: 1 },
  { err: new JetStreamPublishError('publish to s: no ack', 10071), flags: RETRY, code: 1 },
  { err: new BlobIntegrityError('ckpt: sha256 mismatch'), flags: FINAL, code: 1 },
  { err: new BrokerConnectError('cannot connect to NATS'), flags: RETRY, code: 1 },
  { err: new NatsServerMissingError('nats-server not found'), flags: FINAL, code: 1 },
  { err: new ContentionError('trial k: gave up after 20 conflicting updates'), flags: RETRY, code: 1 },
  { err: new LeaseLostError('attempt 2 no longer owns the trial'), flags: RETRY, code: 1 },
  { err: new TrainerExitedError('trainer process 7 exited (signal SIGKILL)'), flags: RETRY, code: 1 },
  { err: new TrainingFailedError({ name: 'DatasetError', message: 'bad', unrecoverable: true }), flags: FINAL, code: 1 },
  { err: new TrainingFailedError({ name: 'Error', message: 'oops', unrecoverable: false }), flags: RETRY, code: 1 },
  { err: new MalformedMessageError('job on s: not JSON'), flags: FINAL, code: 1 },
];

describe('project errors say whether to retry and how the CLI exits', () => {
  for (const { err, flags, code } of cases) {
    test(`${err.name}: ${err.message.split('\n')[0]!.slice(0, 60)}`, () => {
      assert.ok(err instanceof SweepError);
      assert.equal(err.name, err.constructor.name, 'the base names it after its class');
      assert.deepEqual({ retryable: err.retryable, badInput: err.badInput }, flags);
      assert.equal(isRetryable(err), flags.retryable);
      // What the worker decides from a failure reported by the trainer process.
      const failure = trainerFailure(err);
      assert.deepEqual(failure, { name: err.name, message: err.message, unrecoverable: !flags.retryable });
      assert.equal(isRetryable(new TrainingFailedError(failure)), flags.retryable);
      assert.deepEqual(exitCodeFor(err), { code, text: flags.badInput ? `${err.message}\n` : `sweep: ${err.message}\n` });
    });
  }

  test('ExitCode: its own code, with its message when it has one', () => {
    assert.deepEqual(exitCodeFor(new ExitCode(130, 'interrupted')), { code: 130, text: 'sweep: interrupted\n' });
    assert.deepEqual(exitCodeFor(new ExitCode(1)), { code: 1, text: '' });
    assert.equal(new ExitCode(1).retryable, false);
  });

  test('commander errors: 0 for --help/--version, 2 otherwise, printed by commander itself', () => {
    assert.deepEqual(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), { code: 0, text: '' });
    assert.deepEqual(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")), { code: 2, text: '' });
  });

  test('anything else is a bug or a library failure: retried by the worker, its stack printed by the CLI', () => {
    for (const err of [new Error('boom'), new NatsError('TIMEOUT', 'TIMEOUT'), new TypeError('x is undefined')]) {
      assert.equal(isRetryable(err), true);
      assert.equal(trainerFailure(err).unrecoverable, false);
      const { code, text } = exitCodeFor(err);
      assert.equal(code, 1);
      assert.equal(text, `sweep: unexpected error: ${err.stack}\n`);
    }
    assert.equal(trainerFailure('a string').unrecoverable, false);
    assert.match(exitCodeFor('a string').text, /^sweep: unexpected error: Error: a string\n/);
  });
});

describe('throw sites pick the flag of their cause', () => {
  test('an unknown dataset is not retried', async () => {
    const err = await loadDataset({ name: 'nope' } as unknown as Parameters<typeof loadDataset>[0], { seed: 0 }).catch((e: unknown) => e);
    assert.ok(err instanceof DatasetError);
    assert.equal(isRetryable(err), false);
  });

  test('an unknown model family is not retried', async () => {
    const req = { config: { model: { family: 'resnet' } } } as unknown as Parameters<typeof trainTrial>[0];
    const err = await trainTrial(req).catch((e: unknown) => e);
    assert.ok(err instanceof UnknownModelFamilyError);
    assert.equal(isRetryable(err), false);
  });

  test('a failed download is retried unless the server says the file is not there', async () => {
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/busy' ? 503 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'sweep-errors-'));
    const attempt = (url: string) => downloadVerified({ url, destination: join(dir, 'f.gz'), expectedMd5: '0'.repeat(32), maxBytes: 1024 }).then(() => null, (e: unknown) => e);
    try {
      const refused = await attempt('http://127.0.0.1:1/f.gz');
      const busy = await attempt(`http://127.0.0.1:${port}/busy`);
      const missing = await attempt(`http://127.0.0.1:${port}/missing`);
      for (const e of [refused, busy, missing]) assert.ok(e instanceof DatasetError, String(e));
      assert.deepEqual([refused, busy, missing].map(isRetryable), [true, true, false]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
