import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roleBrokerSuite } from '../helpers/role-broker.js';
import { waitFor } from '../helpers/chaos-processes.js';
import { SWEEP_BIN } from '../helpers/cli.js';
import { atTestProcessEnd, removeDir } from '../helpers/nats-server.js';
import { ensureResources } from '../../src/transport/resources.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { parseSpec } from '../../src/spec/index.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

/**
 * A command program cannot take the broker credentials of the worker that runs it. The worker runs as an
 * unprivileged uid (the tests run as root, which reads everything), with the worker role's NATS_USER/NATS_PASSWORD
 * in its environment as an env-var Secret gives them, or in the files of --credentials-dir as deploy/k8s gives them
 * (a copy the worker deletes once connected). The program (test/fixtures/command-trainers/credential-probe.py)
 * tries the worker's /proc/<pid>/environ and /proc/<pid>/mem and ptrace, and scans every process's environment it
 * can read for a NATS_PASSWORD. Each probe must succeed on a control process of the same uid that holds one, so a
 * refusal on the worker is the worker's protection, not a broken probe.
 */

/** bin/ is plain JavaScript without declarations: imported by a path the type checker does not follow. */
const BUILD_STAMP: string = '../../bin/build-stamp.js';
const { distIsFresh } = (await import(BUILD_STAMP)) as { distIsFresh: () => boolean };

const UID = 10001;
const POOL = 'guard';
const PROBE = join(import.meta.dirname, '..', 'fixtures', 'command-trainers', 'credential-probe.py');
const AS_UID = ['--reuid', String(UID), '--regid', String(UID), '--clear-groups'];

function startAsUid(argv: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; output: () => string } {
  const child = spawn('setpriv', [...AS_UID, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = atTestProcessEnd(() => child.kill('SIGKILL'));
  child.once('exit', forget);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('a command program and the credentials of its worker (real nats-server with the k8s per-role users, worker as uid 10001)', () => {
  const broker = roleBrokerSuite();

  /**
   * Starts a same-uid control process (environment with a NATS_PASSWORD) and a worker as uid 10001 with `workerArgs`
   * and `workerEnv`, runs the probe as one command trial with `probeArgs` after the control's pid, and returns its
   * metrics and the worker's output.
   */
  async function probeTrial(
    home: string,
    o: { sweepId: string; workerArgs: string[]; workerEnv: Record<string, string>; probeArgs: string[] },
  ): Promise<{ m: Record<string, unknown>; workerPid: number | undefined; output: string }> {
    // The compiled CLI, as the worker images run it: from the sources, tsx's esbuild service is started before the
    // CLI has read its options, and it keeps the environment it was started with (docs/security.md).
    assert.ok(distIsFresh(), 'dist/ is older than src/: run npm run build (npm test does, through scripts/setup.sh)');
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: home, SWEEP_LOG_LEVEL: 'info' };
    const control = startAsUid(['sleep', '300'], { ...env, NATS_PASSWORD: 'a-control-value' }, home);
    const coordinator = await broker.connectAs('coordinator');
    await ensureResources(coordinator, { pool: POOL, ackWaitMs: 30_000 });
    const worker = startAsUid(
      [process.execPath, SWEEP_BIN, 'worker', '--nats', broker.url, '--pool', POOL, '--backend', 'cpu', '--allow-command', '/usr/bin/python3', '--verbose', ...o.workerArgs],
      { ...env, ...o.workerEnv },
      home,
    );
    try {
      const specFile = join(home, 'probe.yaml');
      const argv = [PROBE, String(control.child.pid), ...o.probeArgs].map((a) => JSON.stringify(a)).join(', ');
      writeFileSync(specFile, `name: ${o.sweepId}\ntrainer:\n  command: [/usr/bin/python3, ${argv}]\nmetrics: [val_accuracy]\ntraining: {epochs: 1}\nexecution: {max_deliver: 1}\n`);
      const sweep = parseSpec(readFileSync(specFile, 'utf8'), specFile);
      const trial = sweep.trials[0]!;
      await publishJobs(coordinator, POOL, [{ v: 1, sweepId: o.sweepId, trialId: trial.id, index: trial.index, maxDeliver: 1, config: trial.config }]);
      const store = await TrialStore.open(coordinator);
      const record = await waitFor<TrialRecord>('the probe trial to settle', async () => {
        const r = (await store.get(o.sweepId, trial.id))?.value;
        return r && (r.status === 'COMPLETED' || r.status === 'FAILED') ? r : null;
      }, 120_000, worker.output);
      assert.equal(record.status, 'COMPLETED', `${record.error ?? ''}\n${worker.output()}`);
      const m: Record<string, unknown> = record.epochs[0] ?? {};
      assert.equal(m.uid, UID, 'the probe ran as the unprivileged uid');
      assert.equal(m.worker_pid, worker.child.pid, "the probe's parent is the worker process");
      assert.match(worker.output(), /"nonDumpable":true/, 'the worker says it closed its process');
      assert.deepEqual(
        { environ: m.control_environ, mem: m.control_mem, ptrace: m.control_ptrace, seen: m.creds_env_control },
        { environ: 1, mem: 1, ptrace: 1, seen: 1 },
        'every probe works on a same-uid process that is not protected',
      );
      assert.deepEqual({ environ: m.worker_environ, mem: m.worker_mem, ptrace: m.worker_ptrace }, { environ: 0, mem: 0, ptrace: 0 }, "the worker's /proc files and ptrace are closed");
      assert.equal(m.creds_env_readable, 1, `no process but the control shows the program an environment with NATS_PASSWORD:\n${worker.output().split('\n').filter((l) => l.includes('probe:')).join('\n')}`);
      return { m, workerPid: worker.child.pid, output: worker.output() };
    } finally {
      await stop(worker.child);
      await stop(control.child);
    }
  }

  function uidHome(): string {
    const home = mkdtempSync(join(tmpdir(), 'sweep-guard-'));
    chownSync(home, UID, UID);
    return home;
  }

  test("credentials in the environment: the program reads neither the worker's environ nor its memory, cannot ptrace it, and finds no environment holding the password", async () => {
    const home = uidHome();
    try {
      await probeTrial(home, { sweepId: 'guard', workerArgs: [], workerEnv: broker.users.worker, probeArgs: [] });
    } finally {
      removeDir(home);
    }
  });

  test('credentials in --credentials-dir: the worker connects with them and deletes the files before any program runs', async () => {
    const home = uidHome();
    try {
      const dir = join(home, 'credentials');
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, UID, UID);
      const own = (file: string, text: string) => {
        writeFileSync(file, text, { mode: 0o400 });
        chownSync(file, UID, UID);
      };
      // As `echo ... > file` writes them: the newline is not part of the value.
      own(join(dir, 'NATS_USER'), `${broker.users.worker.NATS_USER}\n`);
      own(join(dir, 'NATS_PASSWORD'), `${broker.users.worker.NATS_PASSWORD}\n`);
      const controlFile = join(home, 'control-secret');
      own(controlFile, 'a file of the same uid');
      const { m, output } = await probeTrial(home, { sweepId: 'guard-files', workerArgs: ['--credentials-dir', dir], workerEnv: {}, probeArgs: [dir, controlFile] });
      assert.equal(m.control_file, 1, 'the probe reads a file of its uid');
      assert.equal(m.creds_files_readable, 0, 'no credentials file is left for the program');
      assert.deepEqual(readdirSync(dir), []);
      assert.match(output, /"files":2,"msg":"broker credentials read and their files removed"/);
    } finally {
      removeDir(home);
    }
  });
});
