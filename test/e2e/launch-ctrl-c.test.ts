import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSweepProcess, waitFor, type SweepProcess } from '../helpers/chaos-processes.js';
import { isAlive } from '../helpers/cli.js';
import { connectBroker } from '../../src/transport/connection.js';
import { TrialStore } from '../../src/transport/trial-store.js';

// Two trials of several 2 s epochs: both are RUNNING for long enough to be interrupted mid-trial.
const SPEC = `
name: ctrl-c
model: sleep
dataset: { name: synthetic, synthetic: { height: 8, width: 8, channels: 1, classes: 2, train_size: 16, validation_size: 8 } }
parameters:
  sleep_ms: { values: [2000] }
repeats: 2
training:
  epochs: 8
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 5, ack_wait_s: 30, pool: default }
`;
const SWEEP_ID = 'ctrl-c';

interface Launched {
  proc: SweepProcess;
  stateDir: string;
  workerPids: number[];
  workerLogs: string[];
  natsPid: number;
}

/** `pid` of the first JSON log line of a worker (pino writes it on every line). */
function workerPid(logFile: string): number | null {
  const first = readFileSync(logFile, 'utf8').split('\n').find((l) => l.startsWith('{'));
  return first ? (JSON.parse(first) as { pid: number }).pid : null;
}

/** Epoch ms of a pino log message. */
function logTime(log: string, msg: string): number {
  const line = log.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
  assert.ok(line, `no "${msg}" in\n${log}`);
  return (JSON.parse(line) as { time: number }).time;
}

/** Epoch ms of nats-server's "Initiating Shutdown" line (its log has local time, to the microsecond). */
function natsShutdownTime(log: string): number {
  const m = /(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* \[INF\] Initiating Shutdown/.exec(log);
  assert.ok(m, `no shutdown in the nats-server log\n${log}`);
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
}

/** Connects with the embedded default's token (its file in the state dir, mode 0600). */
async function allTrialsRunning(url: string, stateDir: string): Promise<boolean> {
  const nc = await connectBroker({ url, tokenFile: join(stateDir, 'nats', 'token') }, 'ctrl-c-test');
  try {
    const records = await (await TrialStore.open(nc)).snapshot(SWEEP_ID);
    return records.size === 2 && [...records.values()].every((r) => r.status === 'RUNNING');
  } finally {
    await nc.close();
  }
}

/** Launches on the embedded default (this test owns the broker) and waits until both trials are RUNNING. */
async function launchAndWaitRunning(dir: string): Promise<Launched> {
  const specFile = join(dir, 'spec.yaml');
  writeFileSync(specFile, SPEC);
  const stateDir = join(dir, '.sweep');
  const proc = startSweepProcess(['launch', specFile, '--workers', '2', '--backend', 'cpu', '--state-dir', stateDir]);
  launched.push(proc);
  const diag = () => proc.output();
  const { workerLogs, workerPids } = await localWorkers(proc);
  const server = JSON.parse(readFileSync(join(stateDir, 'nats', 'server.json'), 'utf8')) as { url: string; pid: number };
  pids.push(server.pid);
  await waitFor('both trials RUNNING', () => allTrialsRunning(server.url, stateDir), 120_000, diag);
  return { proc, stateDir, workerPids, workerLogs, natsPid: server.pid };
}

/** The log files and pids of the 2 local workers a launch or attach process started (registered for cleanup). */
async function localWorkers(proc: SweepProcess): Promise<{ workerLogs: string[]; workerPids: number[] }> {
  const diag = () => proc.output();
  const logsLine = await waitFor('the local workers', () => Promise.resolve(/started 2 local worker\(s\); logs: (.*)\n/.exec(proc.output())), 120_000, diag);
  const workerLogs = logsLine[1]!.split(', ');
  const workerPids = await waitFor('worker pids in their logs', () => Promise.resolve().then(() => {
    // A throw (a half-written log line) rejects, and waitFor retries, as before.
    const found = workerLogs.map((f) => (existsSync(f) ? workerPid(f) : null));
    return found.every((p): p is number => p !== null) ? found : null;
  }), 120_000, diag);
  pids.push(...workerPids);
  return { workerLogs, workerPids };
}

async function exitCodeWithin(p: SweepProcess, ms: number): Promise<number | null> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
  const code = await Promise.race([p.exited, timeout]);
  assert.notEqual(code, 'timeout', `launch did not exit within ${ms} ms after Ctrl-C\n${p.output()}`);
  return code as number | null;
}

async function assertAllGone(l: Launched): Promise<void> {
  // A just-exited child can linger for a moment until it is reaped.
  for (const [what, pid] of [...l.workerPids.map((p) => ['worker', p] as const), ['nats-server', l.natsPid] as const]) {
    await waitFor(`${what} ${pid} to be gone`, () => Promise.resolve(!isAlive(pid)), 10_000, () => l.proc.output());
  }
}

let dirs: string[] = [];
let launched: SweepProcess[] = [];
let pids: number[] = [];

afterEach(() => {
  // Whatever a failed test left behind, by pid (never by name).
  for (const p of launched) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  launched = [];
  pids = [];
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sweep-ctrl-c-'));
  dirs.push(d);
  return d;
}

describe('Ctrl-C on sweep launch (embedded broker, 2 local workers)', { timeout: 300_000 }, () => {
  test('one SIGINT drains the workers (trials requeued), stops the broker last and exits 130', async (t) => {
    const l = await launchAndWaitRunning(tempDir());
    const started = Date.now();
    l.proc.child.kill('SIGINT'); // the launch process only, as a terminal's Ctrl-C now reaches only it
    const code = await exitCodeWithin(l.proc, 60_000);
    const took = Date.now() - started;
    const out = l.proc.output();
    assert.equal(code, 130, out);
    assert.match(out, /Ctrl-C: draining local workers \(running trials are requeued\); press Ctrl-C again to stop them now/);
    assert.doesNotMatch(out, /Ctrl-C again:/);
    await assertAllGone(l);

    const logs = l.workerLogs.map((f) => readFileSync(f, 'utf8'));
    for (const [i, log] of logs.entries()) {
      assert.match(log, /"signal":"SIGTERM","msg":"draining/, `worker ${i + 1} was asked to drain\n${log}`);
      assert.match(log, /"msg":"worker stopped"/, `worker ${i + 1} exited on its own\n${log}`);
      assert.doesNotMatch(log, /second signal/, `worker ${i + 1} got one signal only\n${log}`);
    }
    const requeued = logs.join('').split('\n').filter((line) => line.includes('"msg":"worker draining: trial requeued"'));
    assert.equal(requeued.length, 2, `both running trials were requeued\n${logs.join('\n')}`);

    // Broker last: its shutdown began after both workers had stopped.
    const stoppedAt = Math.max(...logs.map((log) => logTime(log, 'worker stopped')));
    const shutdownAt = natsShutdownTime(readFileSync(join(l.stateDir, 'nats', 'nats-server.log'), 'utf8'));
    assert.ok(shutdownAt >= stoppedAt, `nats-server shut down at ${shutdownAt}, before the last worker stopped at ${stoppedAt}`);
    t.diagnostic(`launch exited ${took} ms after SIGINT`);
  });

  test('a second SIGINT kills the workers, stops the broker and exits 130', async (t) => {
    const l = await launchAndWaitRunning(tempDir());
    const started = Date.now();
    l.proc.child.kill('SIGINT');
    // Signals are not queued: send the second only once the first was handled.
    await waitFor('the first Ctrl-C to be handled', () => Promise.resolve(l.proc.output().includes('Ctrl-C: draining')), 30_000, () => l.proc.output());
    l.proc.child.kill('SIGINT');
    const code = await exitCodeWithin(l.proc, 30_000);
    const out = l.proc.output();
    assert.equal(code, 130, out);
    assert.match(out, /Ctrl-C again: stopping local workers now/);
    await assertAllGone(l);
    t.diagnostic(`launch exited ${Date.now() - started} ms after the first SIGINT`);
  });
});

describe('Ctrl-C on sweep attach (its own local workers)', { timeout: 300_000 }, () => {
  test('the first SIGINT drains attach\'s workers, the second kills them; none outlives attach', async () => {
    const dir = tempDir();
    const specFile = join(dir, 'spec.yaml');
    writeFileSync(specFile, SPEC);
    const stateDir = join(dir, '.sweep');
    // Publish only, on a detached embedded broker that outlives launch; attach brings the workers.
    const publish = startSweepProcess(['launch', specFile, '--workers', '0', '--detach', '--state-dir', stateDir]);
    launched.push(publish);
    assert.equal(await publish.exited, 0, publish.output());
    const server = JSON.parse(readFileSync(join(stateDir, 'nats', 'server.json'), 'utf8')) as { url: string; pid: number };
    pids.push(server.pid);

    const attach = startSweepProcess(['attach', SWEEP_ID, '--workers', '2', '--backend', 'cpu', '--state-dir', stateDir]);
    launched.push(attach);
    const diag = () => attach.output();
    const { workerPids } = await localWorkers(attach);
    await waitFor('both trials RUNNING', () => allTrialsRunning(server.url, stateDir), 120_000, diag);

    attach.child.kill('SIGINT');
    await waitFor('the first Ctrl-C to be handled', () => Promise.resolve(attach.output().includes('Ctrl-C: draining')), 30_000, diag);
    attach.child.kill('SIGINT');
    const code = await exitCodeWithin(attach, 30_000);
    assert.equal(code, 130, attach.output());
    assert.match(attach.output(), /Ctrl-C again: stopping local workers now/);
    for (const pid of workerPids) await waitFor(`worker ${pid} to be gone`, () => Promise.resolve(!isAlive(pid)), 10_000, diag);
    assert.ok(isAlive(server.pid), 'the detached broker is not attach\'s to stop');
    process.kill(server.pid, 'SIGTERM');
  });
});
