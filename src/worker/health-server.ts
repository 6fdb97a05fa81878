import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { patchStatuses, type PatchStatuses } from '../runtime-patches.js';
import type { WorkerStats } from './worker-stats.js';

/** Checkpoint totals a worker may report; their metrics exist only when the first stats() has them. */
export type HealthStats = WorkerStats;

export interface HealthProbe {
  /** Connected to NATS and backend initialised: the pod may receive work. */
  ready: () => boolean;
  stats: () => HealthStats;
  /** Runtime patches and native bridges, this process's and its trainers' (default: the process registry). */
  patches?: () => PatchStatuses;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  /** Interface to bind; default all (a kubelet probes the pod IP). */
  host?: string;
}

/**
 * Serves GET /healthz (200 while the process is up), /readyz (200 when probe.ready(), else 503) and
 * /metrics (Prometheus text format). Port 0 picks a free port; the returned port is the bound one.
 */
export async function startHealthServer(port: number, probe: HealthProbe, options: HealthServerOptions = {}): Promise<HealthServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`health port ${port} is not a TCP port: give an integer from 0 to 65535 (0 picks a free one)`);
  }
  const registry = createWorkerRegistry(probe.stats, probe.patches);
  const server = createServer((req, res) => {
    handle(req, res, probe, registry).catch((e: unknown) => {
      send(res, 500, 'text/plain', `metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const hint = e.code === 'EADDRINUSE' ? `: port ${port} is taken; pick another --health-port` : '';
      reject(new Error(`cannot start the health server${hint} (${e.message})`, { cause: e }));
    });
    server.listen(port, options.host ?? '0.0.0.0', () => resolve());
  });
  let closing: Promise<void> | null = null;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, probe: HealthProbe, registry: Registry): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://health').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain', 'only GET\n');
  }
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const ready = isReady(probe);
      return send(res, ready.ok ? 200 : 503, 'application/json', `${JSON.stringify(ready)}\n`);
    }
    case '/metrics':
      return send(res, 200, registry.contentType, await registry.metrics());
    default:
      return send(res, 404, 'text/plain', `not found: ${path} (try /healthz, /readyz, /metrics)\n`);
  }
}

function isReady(probe: HealthProbe): { ok: boolean; error?: string } {
  try {
    return { ok: probe.ready() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/** One registry per server (not prom-client's global one), so several workers in one process don't clash. */
export function createWorkerRegistry(stats: () => HealthStats, patches: () => PatchStatuses = patchStatuses): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'sweep_runtime_patch_active',
    help: 'Whether a global patch or native bridge is active (1) or was refused or turned off (0); the log says why',
    labelNames: ['patch'],
    registers: [registry],
    collect() {
      for (const [patch, status] of Object.entries(patches())) this.set({ patch }, status.active ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sweep_worker_jobs_running',
    help: 'Trial jobs this worker is training now',
    registers: [registry],
    collect() {
      this.set(stats().running);
    },
  });
  new Gauge({
    name: 'sweep_worker_images_per_second',
    help: 'Training throughput of the last finished epoch',
    registers: [registry],
    collect() {
      this.set(stats().imagesPerSec);
    },
  });
  counterFromTotal(registry, 'sweep_worker_epochs_total', 'Epochs trained by this worker', () => stats().epochs);
  const seen = new Map<string, number>();
  new Counter({
    name: 'sweep_worker_trials_total',
    help: 'Jobs finished by this worker, by outcome (failed = failures)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      for (const [outcome, total] of Object.entries(stats().outcomes)) {
        const last = seen.get(outcome) ?? 0;
        // inc by 0 still exports the label, so rate() works from the first failure on.
        this.inc({ outcome }, Math.max(0, total - last));
        seen.set(outcome, Math.max(total, last));
      }
    },
  });
  counterFromTotal(registry, 'sweep_worker_lease_renewal_failures_total', 'Job lease renewals (msg.working()) that could not be sent', () => stats().leaseRenewalFailures);
  counterFromTotal(registry, 'sweep_worker_leases_lost_total', 'Attempts abandoned because another attempt took their trial over', () => stats().leasesLost);
  counterFromTotal(registry, 'sweep_worker_checkpoint_bytes_total', 'Checkpoint bytes written to the object store', () => stats().checkpointBytes);
  counterFromTotal(registry, 'sweep_worker_checkpoint_seconds_total', 'Seconds spent writing checkpoints', () => stats().checkpointSeconds);
  return registry;
}

/** A Prometheus counter that mirrors a monotonic total the worker keeps itself. */
function counterFromTotal(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read() ?? last;
      if (total > last) {
        this.inc(total - last);
        last = total;
      }
    },
  });
}
