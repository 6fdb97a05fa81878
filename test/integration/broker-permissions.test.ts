import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsError, connect, type NatsConnection } from 'nats';
import { findNatsServerBinary } from '../../src/transport/embedded-server.js';
import { freePort } from '../../src/transport/free-port.js';
import { connectBroker } from '../../src/transport/connection.js';
import { INBOX_PREFIXES } from '../../src/transport/broker-roles.js';
import { ALL_STREAMS, DECISIONS_BUCKET, JOBS_STREAM, MODELS_BUCKET, SWEEPS_BUCKET, consumerName, jobSubject, objectStream } from '../../src/transport/names.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { DEFAULT_QUEUE, ensureResources } from '../../src/transport/resources.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { startSweepProcess, stopGently, type SweepProcess } from '../helpers/chaos-processes.js';
import { tinyVggSpec } from '../helpers/chaos-specs.js';

/** The permissions file the Kubernetes nats.conf includes: the test runs the broker with this very file. */
const AUTHORIZATION_CONF = join(REPO_ROOT, 'deploy', 'k8s', 'base', 'nats', 'authorization.conf');
/** How nats-server logs a refusal (at its default log level), e.g. `Publish Violation - User "sweep-worker", Subject "…"`. */
const VIOLATION = /(Publish|Subscription) Violation/;

/** Six epochs of a tiny VGG per trial (about a second each on the cpu backend): long enough to drain a worker mid-trial. */
const SPEC =
  tinyVggSpec('permissions', { epochs: 6, repeats: 1, maxDeliver: 5, ackWaitS: 10 }) +
  // Jobs are scheduled (workers read prune decisions every epoch); two groups never reach min_groups, so none is stopped.
  'scheduler: { type: median, min_groups: 3 }\nexport: { top: 1 }\n';

describe('least privilege: the shipped per-role NATS users (deploy/k8s/base/nats/authorization.conf) on a real nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-perms-'));
  const serverLog = join(dir, 'nats-server.log');
  const users = {
    coordinator: { NATS_USER: 'sweep-coordinator', NATS_PASSWORD: `p${randomBytes(12).toString('hex')}` },
    worker: { NATS_USER: 'sweep-worker', NATS_PASSWORD: `p${randomBytes(12).toString('hex')}` },
  };
  let server: ChildProcess;
  let url = '';
  let admin: NatsConnection;
  /** Every worker started; each test stops its own at its end, even when it fails, so none takes another test's jobs. */
  const workers: SweepProcess[] = [];
  const stopWorkers = () => Promise.all(workers.splice(0).map((w) => stopGently(w, 20_000)));
  const violations = () => readFileSync(serverLog, 'utf8').split('\n').filter((l) => VIOLATION.test(l));

  before(async () => {
    copyFileSync(AUTHORIZATION_CONF, join(dir, 'authorization.conf'));
    const port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'store')}" }\ninclude ./authorization.conf\n`);
    const log = openSync(serverLog, 'w');
    server = spawn(findNatsServerBinary(), ['-c', join(dir, 'nats.conf')], {
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH ?? '',
        SWEEP_COORDINATOR_USER: users.coordinator.NATS_USER,
        SWEEP_COORDINATOR_PASSWORD: users.coordinator.NATS_PASSWORD,
        SWEEP_WORKER_USER: users.worker.NATS_USER,
        SWEEP_WORKER_PASSWORD: users.worker.NATS_PASSWORD,
      },
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const nc = await connectAs('coordinator').catch(() => null);
      if (nc) {
        admin = nc;
        break;
      }
      if (Date.now() > deadline) throw new Error(`the nats-server did not start:\n${readFileSync(serverLog, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterEach(stopWorkers);
  after(async () => {
    await stopWorkers();
    await admin?.close();
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const connectAs = (role: keyof typeof users) =>
    connectBroker({ url, user: users[role].NATS_USER, password: users[role].NATS_PASSWORD, inboxPrefix: INBOX_PREFIXES[role] }, `test-${role}`);
  const worker = (extra: string[] = []) => {
    const w = startSweepProcess(['worker', '--nats', url, '--verbose', '--state-dir', join(dir, '.sweep-worker'), ...extra], users.worker);
    workers.push(w);
    return w;
  };
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  test('a sweep runs end to end with the coordinator and worker users: workers only bind, a drained trial resumes from its checkpoint, nothing is refused', async () => {
    // A worker that starts first waits for the coordinator: it creates nothing, so there is nothing to see.
    const first = worker(['--backend', 'cpu']);
    await waitFor('the worker to wait for the queue', () => /waiting for the coordinator to create the queue/.test(first.output()));
    const streams: string[] = [];
    for await (const name of (await admin.jetstreamManager()).streams.names()) streams.push(name);
    assert.deepEqual(streams, [], 'a worker created no stream');

    const specFile = join(dir, 'permissions.yaml');
    writeFileSync(specFile, SPEC);
    const launch = runCli(['launch', specFile, '--nats', url, '--workers', '0', '--state-dir', join(dir, '.sweep')], { cwd: dir, env: users.coordinator, timeoutMs: 600_000 });

    // Drain the first worker once a trial has a checkpoint and epochs left: a second worker must read it back.
    // Every stream, the trials bucket's included: the launch creates them one after another.
    const jsm = await admin.jetstreamManager();
    await waitFor('resources', async () => (await Promise.all(ALL_STREAMS.map((s) => jsm.streams.info(s).then(() => true, () => false)))).every(Boolean));
    const trials = await TrialStore.open(admin);
    await waitFor('a checkpoint mid-trial', async () => [...(await trials.snapshot('permissions')).values()].some((r) => r.status === 'RUNNING' && r.checkpoints.length > 0 && r.epochs.length <= 3));
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    const second = worker(['--backend', 'cpu', '--idle-exit', '10']);

    const res = await launch;
    assert.equal(res.code, 0, `${res.stderr}\n--- worker 2:\n${second.output()}`);
    assert.match(second.output(), /trial resumed from checkpoint/);
    assert.doesNotMatch(second.output(), /checkpoint unusable|no usable checkpoint/);
    assert.match(res.stdout, /onnx ok|ok\s/, 'the coordinator exported the best trial');
    const records = [...(await trials.snapshot('permissions')).values()];
    assert.deepEqual(records.map((r) => r.status), ['COMPLETED', 'COMPLETED']);
    assert.deepEqual(violations(), [], 'the broker refused nothing to either user');

    for (const cmd of ['status', 'leaderboard']) {
      const out = await runCli([cmd, 'permissions', '--nats', url, '--state-dir', join(dir, '.sweep')], { cwd: dir, env: users.coordinator });
      assert.equal(out.code, 0, `${cmd}: ${out.stderr}`);
    }
  });

  test("a module trial's worker reads the bundle the coordinator stored, with the worker's rights only", async () => {
    const w = worker(['--allow-module', '--idle-exit', '10']);
    const res = await runCli(['launch', join(REPO_ROOT, 'examples', 'tfjs-module', 'sweep.yaml'), '--quick', '--nats', url, '--workers', '0', '--no-export', '--state-dir', join(dir, '.sweep-module')], {
      cwd: dir,
      env: users.coordinator,
      timeoutMs: 600_000,
    });
    assert.equal(res.code, 0, `${res.stderr}\n--- worker:\n${w.output()}`);
    assert.doesNotMatch(w.output(), /FAILED|cannot/);
    assert.deepEqual(violations(), []);
  });

  test('the worker user cannot delete or purge streams, publish jobs, write sweep records or decisions, or change the queue', async () => {
    const nc = await connectAs('worker');
    try {
      const jsm = await nc.jetstreamManager();
      const js = nc.jetstream();
      const refused = async (what: string, op: () => Promise<unknown>) => {
        await assert.rejects(op, (e: unknown) => e instanceof NatsError && e.isPermissionError(), `${what} must be refused`);
      };
      await refused('deleting the job stream', () => jsm.streams.delete(JOBS_STREAM));
      await refused('purging the job stream', () => jsm.streams.purge(JOBS_STREAM));
      await refused('purging the models', () => jsm.streams.purge(objectStream(MODELS_BUCKET)));
      await refused('creating a stream', () => jsm.streams.add({ name: 'ROGUE', subjects: ['rogue.>'] }));
      await refused("changing the pool consumer's lease", () => jsm.consumers.update(JOBS_STREAM, consumerName('default'), { ack_wait: 1_000_000_000 }));
      await refused('publishing a job', () => js.publish(jobSubject('default', 'permissions', 't'), new TextEncoder().encode('{}')));
      const sweeps = await js.views.kv(SWEEPS_BUCKET, { bindOnly: true });
      await refused('writing a sweep record', () => sweeps.put('permissions', new TextEncoder().encode('{}')));
      const decisions = await js.views.kv(DECISIONS_BUCKET, { bindOnly: true });
      await refused('writing a prune decision', () => decisions.put('permissions.x', new TextEncoder().encode('{}')));
      // Nothing changed: every stream is still there, and the sweep record still reads.
      for (const s of ALL_STREAMS) await (await admin.jetstreamManager()).streams.info(s);
      assert.ok(await sweeps.get('permissions'), 'the worker still reads sweep records (cancel)');
    } finally {
      await nc.close();
    }
    assert.ok(violations().length >= 8, 'the server logs each refusal: the end-to-end tests above would have seen one');
  });

  test("the worker user cannot subscribe to the coordinator's replies", async () => {
    const nc = await connectAs('worker');
    try {
      const refusal = new Promise<unknown>((resolve) => nc.subscribe(`${INBOX_PREFIXES.coordinator}.>`, { callback: (err) => resolve(err) }));
      const err = await refusal;
      assert.ok(err instanceof NatsError && err.isPermissionError(), String(err));
    } finally {
      await nc.close();
    }
  });

  test('a client without credentials is refused', async () => {
    await assert.rejects(connect({ servers: url, reconnect: false, timeout: 5_000 }), (e: unknown) => e instanceof NatsError && e.isAuthError());
  });

  test('wrong credentials: one error line, exit 1, nothing published', async () => {
    const before = (await admin.jetstreamManager()).streams.info(JOBS_STREAM);
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--nats', url, '--workers', '0', '--state-dir', join(dir, '.sweep-wrong')], {
      cwd: dir,
      env: { ...users.coordinator, NATS_PASSWORD: 'not-the-password' },
    });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('sweep:'));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /refused the connection: authorization violation.*--nats-user/);
    assert.equal((await (await admin.jetstreamManager()).streams.info(JOBS_STREAM)).state.messages, (await before).state.messages);
  });

  test("launching with the worker's credentials: one line naming the refused subject and the fix, exit 1, no job published", async () => {
    const jobsBefore = (await (await admin.jetstreamManager()).streams.info(JOBS_STREAM)).state.messages;
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--nats', url, '--workers', '0', '--state-dir', join(dir, '.sweep-as-worker')], {
      cwd: dir,
      env: users.worker,
    });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('sweep:'));
    assert.equal(lines.length, 1, res.stderr);
    // Its replies come on the coordinator's inbox prefix, which the worker user may not subscribe to.
    assert.match(lines[0]!, /NATS refused this user permission to subscribe to _INBOX_coordinator\.\S+: .*docs\/security\.md.*NATS_INBOX_PREFIX/);
    assert.equal((await (await admin.jetstreamManager()).streams.info(JOBS_STREAM)).state.messages, jobsBefore);
  });

  test("launching with the worker's credentials and inbox prefix: one line naming the refused publish, exit 1, no job published", async () => {
    const jobsBefore = (await (await admin.jetstreamManager()).streams.info(JOBS_STREAM)).state.messages;
    const res = await runCli(['launch', join(REPO_ROOT, 'sweeps', 'synthetic.yaml'), '--nats', url, '--workers', '0', '--state-dir', join(dir, '.sweep-as-worker-2')], {
      cwd: dir,
      env: { ...users.worker, NATS_INBOX_PREFIX: INBOX_PREFIXES.worker },
    });
    assert.equal(res.code, 1, res.stderr);
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('sweep:'));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /NATS refused this user permission to publish to \S+: `sweep worker` needs the worker's credentials, every other command the coordinator's/);
    assert.equal((await (await admin.jetstreamManager()).streams.info(JOBS_STREAM)).state.messages, jobsBefore);
  });

  test("sweep gc and sweep delete with the worker's credentials: one line, exit 1, nothing removed", async () => {
    // The resources as the launch above left them (its ack_wait), when this test runs alone.
    await ensureResources(admin, { ...DEFAULT_QUEUE, ackWaitMs: 10_000 });
    const jsm = await admin.jetstreamManager();
    const state = async () => Promise.all(ALL_STREAMS.map(async (s) => ({ s, ...(await jsm.streams.info(s)).state })).map((p) => p.then(({ s, messages, last_seq }) => `${s}:${messages}:${last_seq}`)));
    const before = await state();
    for (const env of [users.worker, { ...users.worker, NATS_INBOX_PREFIX: INBOX_PREFIXES.worker }]) {
      for (const args of [['gc'], ['delete', 'permissions', '--yes', '--force']]) {
        const res = await runCli([...args, '--nats', url, '--state-dir', join(dir, '.sweep-gc-as-worker')], { cwd: dir, env: { ...env, SWEEP_GC_GRACE_S: '0' } });
        assert.equal(res.code, 1, `${args.join(' ')}: ${res.stderr}`);
        const lines = res.stderr.trim().split('\n').filter((l) => l.length > 0);
        assert.equal(lines.length, 1, res.stderr);
        assert.match(lines[0]!, /^sweep: NATS refused this user permission to (publish|subscribe) to /);
      }
    }
    assert.deepEqual(await state(), before, 'no stream changed');
  });

  test('an inbox prefix that is not a subject prefix: one line naming the flag, exit 2, before connecting', async () => {
    const res = await runCli(['status', '--nats', url, '--nats-inbox-prefix', '_INBOX.*'], { cwd: dir, env: users.coordinator });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr.trim(), /^--nats-inbox-prefix \/ NATS_INBOX_PREFIX "_INBOX\.\*" is not a NATS subject prefix: .*no wildcards/);
  });
});
