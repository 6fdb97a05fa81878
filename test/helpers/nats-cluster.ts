import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import { NatsServerStartError, findNatsServerBinary, logTail } from '../../src/transport/embedded-server.js';
import { freePorts } from '../../src/transport/free-port.js';
import { atTestProcessEnd, removeDir } from './nats-server.js';

/** One server of a test cluster: its client URL, and its process (restartable on the same store and ports). */
export interface ClusterNode {
  name: string;
  url: string;
  process: ChildProcess;
}

/** One try at starting a cluster, as TestClusterOptions.beforeSpawn sees it. */
export interface ClusterAttempt {
  /** 1, 2, …: a try after a port was taken has new ports and a new folder. */
  number: number;
  /** Client ports of n1…nN, then their route ports. */
  ports: number[];
  /** The temp folder of its configs, stores and logs. */
  dir: string;
}

export interface TestClusterOptions {
  /** Runs once the ports of a try are chosen, before its servers start (tests of this helper take a port here). */
  beforeSpawn?: (attempt: ClusterAttempt) => unknown;
}

/** The cluster's servers all run, but it did not form in time. */
export class ClusterNotFormedError extends Error {}

/** Starts on ports that another process took between choosing and binding are tried again on new ones. */
const PORT_RACE_TRIES = 3;
const FORM_TIMEOUT_MS = 30_000;

const CONNECT_OPTIONS: ConnectionOptions = { maxReconnectAttempts: -1, reconnectTimeWait: 250 };

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * A JetStream cluster of real nats-server processes on loopback (own ports, temp stores), formed through routes;
 * resolves once a client sees every member and JetStream answers. A start that fails leaves nothing running.
 */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'sweep-cluster-'));
  /** Its own, so that no route of another test's cluster (one that lost a port to us) joins this one. */
  private readonly clusterName = basename(this.dir);
  private readonly configs: string[] = [];
  private readonly conns: NatsConnection[] = [];
  private readonly forgetAtEnd = atTestProcessEnd(() => {
    for (const node of this.nodes) node.process.kill('SIGKILL');
    removeDir(this.dir);
  });

  private constructor(
    private readonly clientPorts: number[],
    private readonly routePorts: number[],
  ) {}

  static async start(size = 3, opts: TestClusterOptions = {}): Promise<TestCluster> {
    for (let number = 1; ; number++) {
      const ports = await freePorts(2 * size);
      const cluster = new TestCluster(ports.slice(0, size), ports.slice(size));
      try {
        await opts.beforeSpawn?.({ number, ports, dir: cluster.dir });
        cluster.launch();
        await cluster.ready();
        return cluster;
      } catch (e) {
        await cluster.stop();
        if (!(e instanceof NatsServerStartError && e.portTaken && number < PORT_RACE_TRIES)) throw e;
      }
    }
  }

  get urls(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  async connect(): Promise<NatsConnection> {
    const nc = await connect({ ...CONNECT_OPTIONS, servers: this.nodes.map((n) => n.url), waitOnFirstConnect: true });
    this.conns.push(nc);
    return nc;
  }

  /** SIGKILL one node (no goodbye to its peers). */
  kill(name: string): Promise<void> {
    const node = this.node(name);
    if (hasExited(node.process)) return Promise.resolve();
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

  /** Closes the connections, kills every node (resolves once they have exited) and removes the temp folder. */
  async stop(): Promise<void> {
    await Promise.all(this.conns.splice(0).map((c) => c.close().catch(() => undefined)));
    await Promise.all(this.nodes.map((n) => this.kill(n.name)));
    rmSync(this.dir, { recursive: true, force: true });
    this.forgetAtEnd();
  }

  private launch(): void {
    const routes = this.routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    for (let i = 0; i < this.clientPorts.length; i++) {
      const name = `n${i + 1}`;
      const store = join(this.dir, name);
      mkdirSync(store, { recursive: true });
      const config = join(this.dir, `${name}.conf`);
      writeFileSync(
        config,
        `server_name: ${name}\nlisten: 127.0.0.1:${this.clientPorts[i]}\njetstream { store_dir: "${store}" }\n` +
          `cluster { name: ${this.clusterName}, listen: 127.0.0.1:${this.routePorts[i]}, routes: [${routes}] }\n`,
      );
      this.configs.push(config);
      this.nodes.push({ name, url: `nats://127.0.0.1:${this.clientPorts[i]}`, process: this.spawn(i) });
    }
  }

  private spawn(i: number): ChildProcess {
    const log = openSync(this.logFile(i), 'a');
    const child = spawn(findNatsServerBinary(), ['-c', this.configs[i]!], { stdio: ['ignore', log, log] });
    closeSync(log);
    return child;
  }

  private logFile(i: number): string {
    return join(this.dir, `n${i + 1}.log`);
  }

  /** Every member known to a client, and the JetStream meta leader elected; throws as soon as a node has exited. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + FORM_TIMEOUT_MS;
    let nc: NatsConnection | null = null;
    while (Date.now() < deadline) {
      this.throwIfANodeExited();
      // Not waitOnFirstConnect: that would wait for ever on a cluster whose nodes all failed.
      nc ??= await connect({ ...CONNECT_OPTIONS, servers: this.nodes.map((n) => n.url), timeout: 1_000 }).catch(() => null);
      if (nc && !this.conns.includes(nc)) this.conns.push(nc);
      if (nc && (await this.formed(nc))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new ClusterNotFormedError(`the test cluster did not form within ${FORM_TIMEOUT_MS / 1000} s; from the logs:\n${this.logTails()}`);
  }

  private async formed(nc: NatsConnection): Promise<boolean> {
    // A client may have reached another process that took one of our ports before its node bound it.
    if (nc.info?.cluster !== this.clusterName) return false;
    const members = new Set(nc.info?.connect_urls ?? []).size;
    if (members < this.nodes.length) return false;
    return nc
      .jetstreamManager()
      .then((m) => m.getAccountInfo())
      .then(() => true, () => false);
  }

  private throwIfANodeExited(): void {
    const i = this.nodes.findIndex((n) => hasExited(n.process));
    if (i < 0) return;
    const { name, process: child } = this.nodes[i]!;
    // The message carries the log: stop() removes the folder it is in.
    const tail = logTail(this.logFile(i));
    throw new NatsServerStartError(
      `nats-server ${name} of the test cluster exited (${child.exitCode ?? child.signalCode}) before the cluster formed` +
        (tail ? `; from its log:\n${tail}` : ''),
      /address already in use/i.test(tail),
    );
  }

  private logTails(): string {
    return this.nodes.map((n, i) => `--- ${n.name}\n${logTail(this.logFile(i))}`).join('\n');
  }
}
