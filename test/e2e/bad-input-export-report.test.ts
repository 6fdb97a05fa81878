// `sweep export` and `sweep report` with bad input: output paths and flag values are refused before anything
// connects (a dead --nats proves it), unknown sweeps and unusable trials after; each exits 2 with one line and no
// stack. A broker that is down stays a runtime failure (exit 1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { parseSpec } from '../../src/spec/index.js';
import { launchSweep } from '../../src/coordinator/launch.js';

const DEAD_BROKER = 'nats://127.0.0.1:1';

function assertBadInput(res: CliResult, message: RegExp): void {
  assert.equal(res.code, 2, `exit code (stderr: ${res.stderr})`);
  assert.ok(!res.stderr.includes('    at '), `a stack trace on stderr:\n${res.stderr}`);
  assert.doesNotMatch(res.stderr, /unexpected error|cannot connect/);
  const lines = res.stderr.trimEnd().split('\n').filter((l) => l !== '(run with --help for usage)');
  assert.equal(lines.length, 1, `one line, got:\n${res.stderr}`);
  assert.match(lines[0]!, message);
}

describe('sweep export and report: bad input exits 2 with one clear line', () => {
  const broker = brokerSuite({ resources: true });
  const offline = (args: string[]) => runCli([...args, '--nats', DEAD_BROKER], { timeoutMs: 60_000 });

  test('output paths are checked before connecting', async () => {
    const dir = broker.tempDir('sweep-bad-output-');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'x');
    assertBadInput(await offline(['export', 's', '-o', aFile]), /^-o\/--output .*a-file: it is a file, not a folder; give a folder/);
    assertBadInput(await offline(['export', 's', '-o', join(aFile, 'sub')]), /^-o\/--output .*a-file\/sub: .*a-file is a file, so no folder can be made under it/);
    assertBadInput(await offline(['export', 's', '--data-dir', aFile]), /^--data-dir .*a-file: it is a file, not a folder/);
    mkdirSync(join(dir, 'folder'));
    assertBadInput(await offline(['report', 's', '-o', join(dir, 'folder')]), /^-o\/--output .*folder: it is a folder; give a file name, such as .*folder\/report\.html/);
    assertBadInput(await offline(['report', 's', '-o', join(aFile, 'r.html')]), /a-file is a file, so no folder can be made under it/);
    assert.equal(readFileSync(aFile, 'utf8'), 'x', 'nothing was written over the file');
  });

  test('bad flag values', async () => {
    assertBadInput(await offline(['export', 's', '--top', '1', '--trial', 'abc']), /^choose one of --top and --trial$/);
    assertBadInput(await offline(['export', 's', '--top', 'two']), /^--top expects a whole number ≥ 0, got "two"$/);
    assertBadInput(await offline(['export', 's', '--max-images', '0']), /^--top and --max-images must be at least 1$/);
    assertBadInput(await offline(['export', 's', '--backend', 'tpu']), /argument 'tpu' is invalid. Allowed choices are/);
  });

  test('a broker that is down is a runtime failure: exit 1, one line, no stack', async () => {
    const dir = broker.tempDir('sweep-down-');
    const res = await runCli(['report', 's', '-o', join(dir, 'r.html'), '--nats', DEAD_BROKER], { timeoutMs: 60_000 });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^sweep: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/m);
    assert.ok(!res.stderr.includes('    at '), res.stderr);
  });

  test('unknown sweeps, unusable trials: exit 2 after looking; a known sweep reports (exit 0)', async () => {
    const dir = broker.tempDir('sweep-bad-ids-');
    const online = (args: string[]) => runCli([...args, '--nats', broker.url, '--state-dir', join(dir, '.sweep')], { cwd: dir, timeoutMs: 60_000 });
    const sweep = parseSpec(readFileSync(join(REPO_ROOT, 'sweeps', 'sleep.yaml'), 'utf8'), 'sleep.yaml');
    await launchSweep(broker.nc, sweep, { sweepId: 'sleep', specFile: 'sleep.yaml', pool: 'default' });
    const queued = sweep.trials[0]!.id;

    assertBadInput(await online(['export', 'nope']), /^no sweep "nope" on this broker; known sweeps: sleep \(see `sweep list`\)$/);
    assertBadInput(await online(['report', 'nope', '-o', join(dir, 'r.html')]), /^no sweep "nope" on this broker; known sweeps: sleep$/);
    assertBadInput(await online(['export', 'sleep', '--trial', 'zzzz']), /^no trial "zzzz" in sweep sleep; its trials are: ([0-9a-f]{8}, ){7}[0-9a-f]{8} \(see `sweep leaderboard sleep --trials`\)$/);
    assertBadInput(await online(['export', 'sleep', '--trial', '']), /^"" matches 8 trials; give more characters/);
    assertBadInput(
      await online(['export', 'sleep', '--trial', queued.slice(0, 10)]),
      new RegExp(`^cannot export trial ${queued}: it has not started yet; only COMPLETED trials have final weights.*; choose a COMPLETED trial`),
    );
    assert.ok(!existsSync(join(dir, 'exports')), 'nothing exported');

    const ok = await online(['report', 'sleep', '-o', join(dir, 'r.html')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /^<!DOCTYPE html>/);
  });
});
