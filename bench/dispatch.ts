/**
 * Dispatch benchmark: N sleep-trainer trials (0 ms epochs) through the project's own coordinator and worker
 * processes on a real nats-server. Reports end-to-end trials/s, publish rate, publish→start latency and
 * coordinator RSS. Usage: npx tsx bench/dispatch.ts [--trials 10000,100000] [--workers 2] [--concurrency 256]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '../src/spec/index.js';
import { startEmbeddedServer } from '../src/transport/embedded-server.js';
import { connectBroker } from '../src/transport/connection.js';
import { ensureResources, DEFAULT_QUEUE } from '../src/transport/resources.js';
import { launchSweep } from '../src/coordinator/launch.js';
import { followSweep } from '../src/coordinator/follow.js';
import { TrialStore } from '../src/transport/trial-store.js';
import type { TrialRecord } from '../src/domain/trial-record.js';
import { startLocalWorkers } from '../src/coordinator/local-workers.js';
import { createLogger } from '../src/log.js';
import { exitIfMissing, natsServerProblem } from './peers.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

exitIfMissing(natsServerProblem('bench:dispatch'));
const sizes = arg('trials', '10000,100000').split(',').map(Number);
const workerCount = Number(arg('workers', '2'));
const concurrency = Number(arg('concurrency', '256'));

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function cpuOf(pids: { coordinator: number; broker: number; workers: number[] }) {
  return {
    coordinator: process.cpuUsage(),
    broker: cpuSeconds(pids.broker),
    workers: pids.workers.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runOnce(n: number) {
  const store = mkdtempSync(join(tmpdir(), 'sweep-bench-'));
  const server = await startEmbeddedServer({ storeDir: store });
  const log = createLogger('bench', 'warn');
  const nc = await connectBroker({ url: server.url }, 'bench-coordinator');
  try {
    await ensureResources(nc, DEFAULT_QUEUE);
    const yaml = `name: dispatch-${n}
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: 0
repeats: ${n}
training: { epochs: 1 }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 3, ack_wait_s: 30, checkpoint_every: 0, max_trials: ${Math.max(n, 1)} }
`;
    const t0 = performance.now();
    const sweep = parseSpec(yaml, 'dispatch.yaml');
    const tExpanded = performance.now();
    let peakRss = process.memoryUsage().rss;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const workers = startLocalWorkers({
      count: workerCount,
      natsUrl: server.url,
      logDir: join(store, 'logs'),
      args: ['--concurrency', String(concurrency)],
      env: { SWEEP_LOG_LEVEL: 'warn' },
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the workers.
      ...(process.env.BENCH_WORKER_NODE_ARGS ? { nodeArgs: process.env.BENCH_WORKER_NODE_ARGS.split(' ') } : {}),
    });
    // Measure dispatch, not process start-up: wait until every worker has a pull request waiting.
    const jsm = await nc.jetstreamManager();
    while ((await jsm.consumers.info('SWEEP_JOBS', 'workers-default')).num_waiting < workerCount) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const pids = { coordinator: process.pid, broker: server.pid, workers: workers.pids };
    const cpuBefore = cpuOf(pids);
    const tPublishStart = performance.now();
    const launched = await launchSweep(nc, sweep, { sweepId: sweep.id, specFile: 'dispatch.yaml', pool: 'default' });
    const tPublished = performance.now();
    const progress = await followSweep(nc, {
      sweepId: sweep.id, expected: null, total: n, objectiveMetric: 'val_loss', totalEpochs: 1, log, tty: false, logEveryMs: 60_000,
    });
    const tDone = performance.now();
    const cpuAfter = cpuOf(pids);
    const coordinatorCpu = process.cpuUsage(cpuBefore.coordinator);
    // CPU time per 1,000 trials over the measured interval: where the two cores went.
    const perThousand = (seconds: number) => Math.round((seconds / n) * 1000 * 1000) / 1000;
    const cpuSecondsPer1kTrials = {
      coordinator: perThousand((coordinatorCpu.user + coordinatorCpu.system) / 1e6),
      broker: perThousand(cpuAfter.broker - cpuBefore.broker),
      workers: perThousand(cpuAfter.workers - cpuBefore.workers),
    };
    clearInterval(rssTimer);
    await workers.stop();
    await new Promise((r) => setTimeout(r, 500));
    // Publish→start latency of each trial's first attempt, read from the records after the clock stopped.
    const records = await (await TrialStore.open(nc)).snapshot(sweep.id);
    const latencies = [...records.values()].map((r) => r.history[0]?.queueLatencyMs).filter((v): v is number => v !== undefined);
    latencies.sort((a, b) => a - b);
    // Where the time went: when trials started and ended, relative to the first publish.
    const clockStart = performance.timeOrigin + tPublishStart;
    const offsets = (at: (r: TrialRecord) => string | null) =>
      [...records.values()].map((r) => Math.round(Date.parse(at(r) ?? '') - clockStart)).sort((a, b) => a - b);
    const starts = offsets((r) => r.startedAt);
    const ends = offsets((r) => r.finishedAt);
    const timelineMs = {
      published: Math.round(tPublished - tPublishStart),
      firstStart: starts[0],
      tenthPercentileStart: percentile(starts, 10),
      lastStart: starts.at(-1),
      lastEnd: ends.at(-1),
    };
    const c = progress.counts();
    return {
      trials: n,
      completed: c.completed,
      failed: c.failed,
      published: launched.publish.published,
      expandSeconds: (tExpanded - t0) / 1000,
      publishSeconds: (tPublished - tPublishStart) / 1000,
      publishPerSecond: Math.round(n / ((tPublished - tPublishStart) / 1000)),
      endToEndSeconds: (tDone - tPublishStart) / 1000,
      trialsPerSecond: Math.round(n / ((tDone - tPublishStart) / 1000)),
      latencySamples: latencies.length,
      publishToStartP50Ms: percentile(latencies, 50),
      publishToStartP99Ms: percentile(latencies, 99),
      coordinatorPeakRssMB: Math.round(peakRss / 1024 / 1024),
      cpuSecondsPer1kTrials,
      timelineMs,
      workers: workerCount,
      concurrencyPerWorker: concurrency,
    };
  } finally {
    await nc.drain().catch(() => undefined);
    await server.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

const results = [];
for (const n of sizes) {
  const r = await runOnce(n);
  console.log(JSON.stringify(r));
  results.push(r);
}
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `dispatch-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ machine, results }, null, 2) + '\n');
console.log(`\n| trials | end-to-end trials/s | publish/s | publish→start p50 / p99 ms | coordinator peak RSS |\n|---:|---:|---:|---:|---:|`);
for (const r of results) {
  console.log(`| ${r.trials} | ${r.trialsPerSecond} | ${r.publishPerSecond} | ${r.publishToStartP50Ms} / ${r.publishToStartP99Ms} | ${r.coordinatorPeakRssMB} MB |`);
}
console.log(`\nwritten ${file}`);
process.exit(0);
