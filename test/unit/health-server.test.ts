import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startHealthServer, type HealthStats } from '../../src/worker/health-server.js';
import { emptyWorkerStats } from '../../src/worker/worker-stats.js';
import { recordPatch, setPatchLog } from '../../src/runtime-patches.js';

setPatchLog(() => {});

const freshStats = (): HealthStats => emptyWorkerStats();

/** Value of one sample line `name{labels} value` in Prometheus text format. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `metric ${series} missing from /metrics:\n${body}`);
  return Number(line.slice(series.length + 1));
}

describe('worker health server', () => {
  test('/healthz is 200 while up, /readyz follows ready(), unknown paths are 404', async () => {
    let ready = false;
    const server = await startHealthServer(0, { ready: () => ready, stats: freshStats }, { host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.ok(server.port > 0);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const notReady = await fetch(`${base}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(await notReady.json(), { ok: false });
      ready = true;
      const nowReady = await fetch(`${base}/readyz`);
      assert.equal(nowReady.status, 200);
      assert.deepEqual(await nowReady.json(), { ok: true });
      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /try \/healthz/);
      assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });

  test('/readyz is 503 with the reason when ready() throws', async () => {
    const server = await startHealthServer(0, {
      ready: () => {
        throw new Error('backend not initialised');
      },
      stats: freshStats,
    }, { host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { ok: false, error: 'backend not initialised' });
    } finally {
      await server.close();
    }
  });

  test('/metrics mirrors the worker stats as they change', async () => {
    const stats = freshStats();
    const server = await startHealthServer(0, { ready: () => true, stats: () => stats }, { host: '127.0.0.1' });
    const metrics = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      return res.text();
    };
    try {
      let body = await metrics();
      assert.equal(sample(body, 'sweep_worker_jobs_running'), 0);
      assert.equal(sample(body, 'sweep_worker_epochs_total'), 0);
      assert.equal(sample(body, 'sweep_worker_trials_total{outcome="failed"}'), 0);
      assert.match(body, /# TYPE sweep_worker_epochs_total counter/);
      assert.match(body, /# TYPE sweep_worker_images_per_second gauge/);
      assert.match(body, /^process_resident_memory_bytes /m, 'default process metrics are exported');
      assert.equal(sample(body, 'sweep_worker_checkpoint_bytes_total'), 0);

      stats.running = 2;
      stats.epochs = 7;
      stats.imagesPerSec = 123.5;
      stats.outcomes.completed = 3;
      stats.outcomes.failed = 1;
      body = await metrics();
      assert.equal(sample(body, 'sweep_worker_jobs_running'), 2);
      assert.equal(sample(body, 'sweep_worker_epochs_total'), 7);
      assert.equal(sample(body, 'sweep_worker_images_per_second'), 123.5);
      assert.equal(sample(body, 'sweep_worker_trials_total{outcome="completed"}'), 3);
      assert.equal(sample(body, 'sweep_worker_trials_total{outcome="failed"}'), 1);

      stats.epochs = 9;
      stats.outcomes.completed = 4;
      body = await metrics();
      assert.equal(sample(body, 'sweep_worker_epochs_total'), 9, 'scraping twice must not double count');
      assert.equal(sample(body, 'sweep_worker_trials_total{outcome="completed"}'), 4);
    } finally {
      await server.close();
    }
  });

  test('checkpoint counters appear when the stats report them', async () => {
    const stats = { ...freshStats(), checkpointBytes: 0, checkpointSeconds: 0 };
    const server = await startHealthServer(0, { ready: () => true, stats: () => stats }, { host: '127.0.0.1' });
    try {
      stats.checkpointBytes = 4096;
      stats.checkpointSeconds = 0.25;
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.equal(sample(body, 'sweep_worker_checkpoint_bytes_total'), 4096);
      assert.equal(sample(body, 'sweep_worker_checkpoint_seconds_total'), 0.25);
    } finally {
      await server.close();
    }
  });

  test('/metrics shows each runtime patch as active 1 or 0 (the process registry by default)', async () => {
    recordPatch('health-test-on', { active: true, reason: null, version: '1.0.0' });
    recordPatch('health-test-off', { active: false, reason: 'version outside the range', version: '9.0.0' });
    const server = await startHealthServer(0, { ready: () => true, stats: freshStats }, { host: '127.0.0.1' });
    const reported = await startHealthServer(0, {
      ready: () => true,
      stats: freshStats,
      patches: () => ({ 'fused-batch-norm': { active: true, reason: null, version: '4.22.0' } }),
    }, { host: '127.0.0.1' });
    try {
      const body = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      assert.match(body, /# TYPE sweep_runtime_patch_active gauge/);
      assert.equal(sample(body, 'sweep_runtime_patch_active{patch="health-test-on"}'), 1);
      assert.equal(sample(body, 'sweep_runtime_patch_active{patch="health-test-off"}'), 0);
      const other = await (await fetch(`http://127.0.0.1:${reported.port}/metrics`)).text();
      assert.equal(sample(other, 'sweep_runtime_patch_active{patch="fused-batch-norm"}'), 1);
    } finally {
      await Promise.all([server.close(), reported.close()]);
    }
  });

  test('a taken port and a bad port fail with a clear error; close() is idempotent', async () => {
    const first = await startHealthServer(0, { ready: () => true, stats: freshStats }, { host: '127.0.0.1' });
    try {
      await assert.rejects(
        startHealthServer(first.port, { ready: () => true, stats: freshStats }, { host: '127.0.0.1' }),
        /port \d+ is taken; pick another --health-port/,
      );
      await assert.rejects(startHealthServer(70000, { ready: () => true, stats: freshStats }), /not a TCP port/);
    } finally {
      await Promise.all([first.close(), first.close()]);
    }
    await assert.rejects(fetch(`http://127.0.0.1:${first.port}/healthz`));
  });
});
