import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { findNatsServerBinary } from '../../src/transport/embedded-server.js';
import { freePort } from '../../src/transport/free-port.js';

/** One server of a test cluster: its client URL, and its process (restartable on the same store and ports). */
export interface ClusterNode {
  name: string;
  url: string;
  process: ChildProcess;
}

/**
 * A JetStream cluster of real nats-server processes on loopback (own ports, temp stores), formed through routes;
 * resolves once a client sees every member and JetStream answers.
 */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'sweep-cluster-'));
  private readonly conns: NatsConnection[] = [];

  private constructor(private readonly configs: string[]) {}

  static async start(size = 3): Promise<TestCluster> {
    const clientPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    const cluster = new TestCluster([]);
    for (let i = 0; i < size; i++) {
      const store = join(cluster.dir, `n${i + 1}`);
      mkdirSync(store, { recursive: true });
      const config = join(cluster.dir, `n${i + 1}.conf`);
      writeFileSync(
        config,
        `server_name: n${i + 1}\nlisten: 127.0.0.1:${clientPorts[i]}\njetstream { store_dir: "${store}" }\n` +
          `cluster { name: sweep-test, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes}] }\n`,
      );
      cluster.configs.push(config);
      cluster.nodes.push({ name: `n${i + 1}`, url: `nats://127.0.0.1:${clientPorts[i]}`, process: cluster.spawn(i) });
    }
    await cluster.ready();
    return cluster;
  }

  get urls(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  async connect(): Promise<NatsConnection> {
    const nc = await connect({ servers: this.nodes.map((n) => n.url), maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: true });
    this.conns.push(nc);
    return nc;
  }

  /** SIGKILL one node (no goodbye to its peers). */
  kill(name: string): Promise<void> {
    const node = this.node(name);
    if (node.process.exitCode !== null || node.process.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      node.process.once('exit', () => resolve());
      node.process.kill('SIGKILL');
    });
  }

  /** Starts a killed node again on its store and ports. */
  restart(name: string): void {
    const i = this.nodes.findIndex((n) => n.name === name);
    this.nodes[i]!.process = this.spawn(i);
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  async stop(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close().catch(() => undefined)));
    await Promise.all(this.nodes.map((n) => this.kill(n.name)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(i: number): ChildProcess {
    const log = openSync(join(this.dir, `n${i + 1}.log`), 'a');
    const child = spawn(findNatsServerBinary(), ['-c', this.configs[i]!], { stdio: ['ignore', log, log] });
    closeSync(log);
    return child;
  }

  /** Every member known to a client, and the JetStream meta leader elected. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    const nc = await this.connect();
    while (Date.now() < deadline) {
      const members = new Set(nc.info?.connect_urls ?? []).size;
      const jsReady = members >= this.nodes.length && (await nc.jetstreamManager().then((m) => m.getAccountInfo()).then(() => true, () => false));
      if (jsReady) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the test cluster did not form within 30 s (logs in ${this.dir})`);
  }
}
