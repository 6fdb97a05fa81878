import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { JOBS_STREAM } from '../../src/transport/names.js';
import { readSweepEvents } from '../../src/transport/events.js';

const SPEC = join(REPO_ROOT, 'sweeps', 'synthetic.yaml');

describe('sweep launch end to end (real nats-server, 2 worker processes, real training)', () => {
  const broker = brokerSuite();
  let workDir: string;
  before(() => {
    workDir = broker.tempDir('sweep-e2e-');
  });

  let firstLeaderboard = '';

  test('a 6-trial synthetic sweep completes with exactly one result per trial', async () => {
    const res = await runCli(['launch', SPEC, '--nats', broker.url, '--workers', '2', '--state-dir', join(workDir, '.sweep')], { cwd: workDir });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /sweep synthetic: 6 trials, 0 already completed, published 6 jobs/);
    assert.match(res.stderr, /started 2 local worker\(s\)/);
    firstLeaderboard = res.stdout;
    assert.match(res.stdout, /regularizer/);

    const nc = await broker.connect();
    const records = await (await TrialStore.open(nc)).snapshot('synthetic');
    assert.equal(records.size, 6);
    const workers = new Set<string>();
    for (const r of records.values()) {
      assert.equal(r.status, 'COMPLETED', `${r.trialId}: ${r.error}`);
      assert.equal(r.epochs.length, 3);
      assert.equal(r.history.filter((h) => h.outcome === 'completed').length, 1);
      assert.ok(r.result && r.result.confusionMatrix.length === 4);
      if (r.worker) workers.add(r.worker);
    }
    assert.equal(workers.size, 2, 'both worker processes trained trials');

    // The events stream holds exactly one `finished` event per trial.
    const events = await readSweepEvents(nc, 'synthetic');
    const finished = new Map<string, number>();
    for (const e of events) if (e.type === 'finished') finished.set(e.trialId, (finished.get(e.trialId) ?? 0) + 1);
    const seen = events.length;
    assert.ok(seen >= 6 * 5, `expected started + 3 epochs + finished per trial, saw ${seen} events`);
    assert.deepEqual([...finished.values()], [1, 1, 1, 1, 1, 1]);
  });

  test('relaunching the same spec publishes 0 jobs and prints the same leaderboard', async () => {
    const res = await runCli(['launch', SPEC, '--nats', broker.url, '--workers', '2', '--state-dir', join(workDir, '.sweep')], { cwd: workDir });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /6 already completed, published 0 jobs/);
    assert.doesNotMatch(res.stderr, /started \d+ local worker/);
    assert.equal(res.stdout, firstLeaderboard);
  });

  test('leaderboard groups seeds: n=3 per regularizer with mean ± std and a CI', async () => {
    const res = await runCli(['leaderboard', 'synthetic', '--nats', broker.url, '--json'], { cwd: workDir });
    assert.equal(res.code, 0, res.stderr);
    const lb = JSON.parse(res.stdout) as { groups: { n: number }[] };
    assert.equal(lb.groups.length, 2);
    for (const g of lb.groups) assert.equal(g.n, 3);
    const csv = await runCli(['leaderboard', 'synthetic', '--nats', broker.url, '--csv', '--trials'], { cwd: workDir });
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trim().split('\n').length, 7, 'header + 6 trial rows');
  });

  test('a bad spec exits 2 with file:line:col and publishes nothing', async () => {
    const dir = join(REPO_ROOT, 'test', 'fixtures', 'bad-specs');
    const file = readdirSync(dir).find((f) => f.endsWith('.yaml'));
    assert.ok(file);
    const jsm = await (await broker.connect()).jetstreamManager();
    const before = (await jsm.streams.info(JOBS_STREAM)).state.last_seq;
    const res = await runCli(['launch', join(dir, file), '--nats', broker.url], { cwd: workDir });
    assert.equal((await jsm.streams.info(JOBS_STREAM)).state.last_seq, before, 'no job was published');
    assert.equal(res.code, 2);
    assert.match(res.stderr, new RegExp(`${file.replace('.', '\\.')}:\\d+:\\d+: `));
    assert.match(res.stderr, /hint: /);
  });

  test('status --json and list show the sweep', async () => {
    const status = await runCli(['status', 'synthetic', '--nats', broker.url, '--json'], { cwd: workDir });
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { counts: Record<string, number> };
    assert.equal(s.counts.COMPLETED, 6);
    const list = await runCli(['list', '--nats', broker.url], { cwd: workDir });
    assert.match(list.stdout, /synthetic\s+COMPLETED\s+6/);
  });
});

describe('sweep launch on the embedded default (no --nats)', () => {
  test('--detach returns at once; the detached broker and workers finish the sweep; sweep down stops the broker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-detach-'));
    try {
      const sleepSpec = join(REPO_ROOT, 'sweeps', 'sleep.yaml');
      const launched = await runCli(['launch', sleepSpec, '--quick', '--detach'], { cwd: dir });
      assert.equal(launched.code, 0, launched.stderr);
      assert.equal(launched.stdout.trim(), 'sleep-quick');
      let counts: Record<string, number> = {};
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && counts.COMPLETED !== 2) {
        const status = await runCli(['status', 'sleep-quick', '--json'], { cwd: dir });
        assert.equal(status.code, 0, status.stderr);
        counts = (JSON.parse(status.stdout) as { counts: Record<string, number> }).counts;
      }
      assert.equal(counts.COMPLETED, 2, 'the detached workers completed both trials');
      const down = await runCli(['down'], { cwd: dir });
      assert.match(down.stdout, /embedded nats-server stopped/);
    } finally {
      await runCli(['down'], { cwd: dir });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('quick profile runs with a local nats-server and workers; relaunch resumes from the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-embedded-'));
    try {
      const first = await runCli(['launch', SPEC, '--quick'], { cwd: dir });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /published 2 jobs/);
      assert.match(first.stdout, /COMPLETED/);
      const again = await runCli(['launch', SPEC, '--quick'], { cwd: dir });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /2 already completed, published 0 jobs/);
      assert.equal(again.stdout, first.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
