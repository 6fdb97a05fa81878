import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, SWEEP_BIN } from '../helpers/cli.js';
import { mayHaveGpu } from '../../src/training/backends/gpu-devices.js';

const SYNTHETIC = join(REPO_ROOT, 'sweeps', 'synthetic.yaml');
const SLEEP = join(REPO_ROOT, 'sweeps', 'sleep.yaml');
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** What a person sees: the pseudo-terminal's bytes without colors, cursor moves and carriage returns. */
// eslint-disable-next-line no-control-regex
const visible = (raw: string) => raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');

/**
 * Runs the real CLI (from the sources) under a pseudo-terminal (util-linux `script`), so that its stdout and stderr
 * are both a TTY, as in a person's terminal; returns everything the terminal received.
 */
function runOnTerminal(args: string[], cwd: string, timeoutMs = 240_000): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, SWEEP_BIN, ...args].map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, SWEEP_FROM_SOURCE: '1', SWEEP_LOG_LEVEL: 'info', TERM: 'xterm' };
  delete env.SWEEP_VERBOSE; // set at all, it means --verbose
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sweep ${args.join(' ')} timed out on the terminal; it showed:\n${visible(out)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out: visible(out) });
    });
  });
}

const JSON_LOG_LINE = /^\{"level"/m;
const DAWN_NOISE = /Couldn't load Vulkan|maxDynamic\w+ artificially reduced|dawn/i;

describe('sweep launch on a terminal (pseudo-terminal, real nats-server, real training)', { skip: !HAS_SCRIPT && 'util-linux `script` is not installed' }, () => {
  const broker = brokerSuite();
  let workDir: string;
  before(() => {
    workDir = broker.tempDir('sweep-tty-');
  });

  test('shows progress and the leaderboard, no JSON log line and no Dawn warning; the logs go to the state dir', async () => {
    const stateDir = join(workDir, 'state-a');
    const res = await runOnTerminal(['launch', SYNTHETIC, '--quick', '--workers', '1', '--nats', broker.url, '--state-dir', stateDir], workDir);
    assert.equal(res.code, 0, res.out);
    assert.doesNotMatch(res.out, JSON_LOG_LINE, res.out);
    // auto probes for WebGPU (whose native library prints these) only where a GPU device exists.
    if (!mayHaveGpu().possible) assert.doesNotMatch(res.out, DAWN_NOISE, res.out);
    assert.match(res.out, /\[#+\] 2\/2 {2}running 0 {2}queued 0 {2}failed 0/, 'the progress line');
    assert.match(res.out, /^Sweep synthetic \(synthetic-quick\)/m, 'the leaderboard title');
    assert.match(res.out, /^rank\s.*regularizer.*val_accuracy/m, 'the leaderboard table');
    assert.match(res.out, /exported \w+ to .*\.onnx \(onnx ok\)/, 'the export line');

    const logFile = join(stateDir, 'logs', 'launch.log');
    assert.ok(existsSync(logFile), `${logFile} exists`);
    const logged = readFileSync(logFile, 'utf8').trim().split('\n');
    assert.ok(logged.length > 0 && logged.every((l) => l.startsWith('{"level"')), 'launch.log holds JSON log lines');
    assert.ok(logged.some((l) => l.includes('"tfjs backend for ONNX export checks"')), 'the export step logged to the file');
  });

  test('with --verbose, log lines of the coordinator and its local workers appear in human form', async () => {
    const stateDir = join(workDir, 'state-b');
    const res = await runOnTerminal(['launch', SLEEP, '--quick', '--workers', '1', '--verbose', '--nats', broker.url, '--state-dir', stateDir], workDir);
    assert.equal(res.code, 0, res.out);
    assert.doesNotMatch(res.out, JSON_LOG_LINE, res.out);
    assert.match(res.out, /^\d\d:\d\d:\d\d INFO {2}sweep: runtime patch \S+ active/m, 'a coordinator log line, in human form');
    assert.match(res.out, /^\d\d:\d\d:\d\d INFO {2}worker: trial started .*sweepId=sleep-quick/m, "a local worker's log line, in human form");
    assert.match(res.out, /^rank\s.*val_loss/m, 'the leaderboard table');
    assert.equal(existsSync(join(stateDir, 'logs', 'launch.log')), false, 'no log file: the logs were printed');
  });

  test('a long dry-run table is capped on a terminal with a count of the rest; --all and a pipe list every trial', async () => {
    const SEED_STUDY = join(REPO_ROOT, 'sweeps', 'bn-vs-dropout.yaml');
    const capped = await runOnTerminal(['launch', SEED_STUDY, '--dry-run'], workDir, 60_000);
    assert.equal(capped.code, 0, capped.out);
    const rows = (out: string) => out.split('\n').filter((l) => /^\d+\s+[0-9a-f]{16}\s/.test(l)).length;
    assert.equal(rows(capped.out), 20, capped.out);
    assert.match(capped.out, /… and 52 more trials: add --all to list them all/);
    const all = await runOnTerminal(['launch', SEED_STUDY, '--dry-run', '--all'], workDir, 60_000);
    assert.equal(rows(all.out), 72, all.out);
    const piped = spawnSync(process.execPath, [SWEEP_BIN, 'launch', SEED_STUDY, '--dry-run'], { cwd: workDir, env: { ...process.env, SWEEP_FROM_SOURCE: '1' }, encoding: 'utf8' });
    assert.equal(rows(piped.stdout), 72, 'piped output is complete');
    assert.doesNotMatch(piped.stdout, /more trials/);
  });
});
