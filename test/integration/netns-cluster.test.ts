// "Several machines" on one host: nats-server and two `sweep worker` processes, each in its own network
// namespace on a virtual LAN, complete a small sweep. The workers can reach the broker only over that LAN.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { createVirtualLan, netnsUnavailableReason, type VirtualLan } from '../helpers/netns.js';
import { SWEEP_BIN } from '../helpers/cli.js';
import { findNatsServerBinary } from '../../src/transport/embedded-server.js';
import { freePort } from '../../src/transport/free-port.js';
import { connectBroker } from '../../src/transport/connection.js';
import { ensureResources, DEFAULT_QUEUE } from '../../src/transport/resources.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

const SPEC = `name: netns-cluster
model: sleep
dataset: { name: synthetic, synthetic: { height: 4, width: 4, channels: 1, classes: 2, train_size: 4, validation_size: 4 } }
parameters:
  sleep_ms: { values: [100, 150, 200] }
repeats: 2
training: { epochs: 2 }
objective: { metric: val_loss, goal: min }
execution: { max_deliver: 3, ack_wait_s: 5 }
`;
const HEALTH_PORT = 9464; // each worker has its own namespace, so both can use the same port

interface Proc {
  child: ChildProcess;
  output: () => string;
}

function captured(child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, diagnostics = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => null);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diagnostics()}`);
}

const httpOk = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200;

/** Run inside a namespace: tries TCP connects and prints `{"host:port": "connected" | error code}`. */
const CONNECT_PROBE = `
const net = require('node:net');
const probe = (t) => new Promise((resolve) => {
  const [host, port] = t.split(':');
  const s = net.connect({ host, port: Number(port) });
  const done = (r) => { s.destroy(); resolve([t, r]); };
  s.setTimeout(2000, () => done('TIMEOUT'));
  s.once('connect', () => done('connected'));
  s.once('error', (e) => done(e.code ?? e.message));
});
Promise.all(process.argv.slice(1).map(probe)).then((r) => console.log(JSON.stringify(Object.fromEntries(r))));
`;

async function probeFrom(lan: VirtualLan, member: string, targets: string[]): Promise<Record<string, string>> {
  const p = captured(lan.spawn(member, process.execPath, ['-e', CONNECT_PROBE, ...targets], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const [code] = (await once(p.child, 'exit')) as [number | null];
  assert.equal(code, 0, `connect probe in ${member} failed:\n${p.output()}`);
  return JSON.parse(p.output()) as Record<string, string>;
}

interface Connz {
  connections: { ip: string; name?: string }[];
}

describe('several machines on one host (network namespaces)', () => {
  const skipReason = netnsUnavailableReason();
  let lan: VirtualLan | null = null;
  let storeDir = '';
  let broker: Proc;
  let workers: Proc[] = [];
  let nc: NatsConnection | null = null;
  let decoy: Server | null = null;
  let port = 0;
  let brokerIp = '';
  let monitorUrl = '';
  const diagnostics = () =>
    [`--- nats-server\n${broker?.output() ?? ''}`, ...workers.map((w, i) => `--- worker ${i + 1} (pid ${w.child.pid})\n${w.output()}`)].join('\n');

  before(async () => {
    if (skipReason) return;
    lan = await createVirtualLan(['broker', 'worker1', 'worker2']);
    brokerIp = lan.members.get('broker')!.ip;
    // Also free on the root namespace's loopback: the decoy there takes it, to show workers cannot reach it.
    port = await freePort();
    const monitorPort = await freePort();
    decoy = createServer((s) => s.end());
    await new Promise<void>((resolve) => decoy!.listen(port, '127.0.0.1', resolve));

    storeDir = mkdtempSync(join(tmpdir(), 'sweep-netns-'));
    broker = captured(
      lan.spawn('broker', findNatsServerBinary(), ['-js', '-sd', storeDir, '-a', brokerIp, '-p', String(port), '-m', String(monitorPort)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    monitorUrl = `http://${brokerIp}:${monitorPort}`;
    await waitFor('nats-server healthy over the virtual LAN', () => httpOk(`${monitorUrl}/healthz?js-enabled-only=true`), 15_000, diagnostics);

    const url = `nats://${brokerIp}:${port}`;
    nc = await connectBroker({ url }, 'netns-coordinator');
    await ensureResources(nc, { ...DEFAULT_QUEUE, ackWaitMs: 5000 });

    workers = ['worker1', 'worker2'].map((member) =>
      captured(
        lan!.spawn(
          member,
          process.execPath,
          [SWEEP_BIN, 'worker', '--nats', url, '--backend', 'cpu', '--health-port', String(HEALTH_PORT)],
          { env: { ...process.env, SWEEP_FROM_SOURCE: '1', SWEEP_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      ),
    );
    // The health endpoints are read over the LAN too (they bind 0.0.0.0 inside each worker's namespace).
    for (const member of ['worker1', 'worker2']) {
      const readyz = `http://${lan.members.get(member)!.ip}:${HEALTH_PORT}/readyz`;
      await waitFor(`${member} ready (${readyz})`, () => httpOk(readyz), 30_000, diagnostics);
    }
  });

  after(async () => {
    await nc?.close().catch(() => undefined);
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        const exited = once(w.child, 'exit');
        w.child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
    }
    await lan?.destroy(); // SIGKILLs whatever is left (nats-server, a worker that did not drain)
    decoy?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  test('a worker namespace reaches the broker over the LAN but not the root namespace loopback', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const rootLoopback = `127.0.0.1:${port}`;
    const brokerOnLan = `${brokerIp}:${port}`;
    // Control: from the root namespace the decoy on 127.0.0.1 answers, so a refusal below means isolation.
    const fromRoot = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.equal(fromRoot, 'connected', 'the decoy on the root namespace loopback must be reachable from the root namespace');

    const fromWorker = await probeFrom(lan!, 'worker1', [rootLoopback, brokerOnLan]);
    assert.equal(fromWorker[rootLoopback], 'ECONNREFUSED', `worker1 must not reach the root namespace's ${rootLoopback}`);
    assert.equal(fromWorker[brokerOnLan], 'connected', `worker1 must reach the broker at ${brokerOnLan}`);
  });

  test('two namespaced workers complete a sweep through a broker in a third namespace', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const sweep = parseSpec(SPEC, 'netns-cluster.yaml');
    assert.equal(sweep.trials.length, 6);
    await launchSweep(nc!, sweep, { sweepId: sweep.id, specFile: 'netns-cluster.yaml', pool: 'default' });
    const store = await TrialStore.open(nc!);
    const records = await waitFor(
      'every trial COMPLETED',
      async () => {
        const recs = await Promise.all(sweep.trials.map(async (tr) => (await store.get(sweep.id, tr.id))?.value));
        return recs.every((r) => r?.status === 'COMPLETED') ? (recs as TrialRecord[]) : null;
      },
      40_000,
      diagnostics,
    );
    for (const r of records) assert.deepEqual(r.epochs.map((e) => e.epoch), [1, 2], `trial ${r.trialId} ran both epochs`);

    const workerPids = new Set(workers.map((w) => w.child.pid));
    const idPattern = new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)-[0-9a-f]{4}$`);
    const pidsThatRan = new Set<number>();
    for (const worker of records.flatMap((r) => [r.worker, ...r.history.map((h) => h.worker)])) {
      const pid = Number(idPattern.exec(worker ?? '')?.[1]);
      assert.ok(workerPids.has(pid), `a trial attempt was run by "${worker}", not by a namespaced worker (pids ${[...workerPids].join(', ')})`);
      pidsThatRan.add(pid);
    }
    assert.equal(pidsThatRan.size, 2, `both namespaced workers ran trials (saw pids ${[...pidsThatRan].join(', ')})`);

    // The broker's own view: worker connections come from the worker namespaces' LAN addresses only.
    const connz = (await (await fetch(`${monitorUrl}/connz`)).json()) as Connz;
    const workerIps = connz.connections.filter((c) => c.name === 'sweep-worker').map((c) => c.ip).sort();
    assert.deepEqual(workerIps, [lan!.members.get('worker1')!.ip, lan!.members.get('worker2')!.ip].sort());
    assert.ok(connz.connections.every((c) => c.ip !== '127.0.0.1'), `no client connected over loopback: ${JSON.stringify(connz.connections)}`);
  });
});
