import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { NatsConnection } from 'nats';
import { findNatsServerBinary } from '../../src/transport/embedded-server.js';
import { freePort } from '../../src/transport/free-port.js';
import { connectBroker } from '../../src/transport/connection.js';
import { INBOX_PREFIXES, type BrokerRole } from '../../src/transport/broker-roles.js';
import { REPO_ROOT } from './cli.js';
import { atTestProcessEnd, removeDir } from './nats-server.js';

/** The permissions file the Kubernetes nats.conf includes: the broker runs with this very file. */
export const AUTHORIZATION_CONF = join(REPO_ROOT, 'deploy', 'k8s', 'base', 'nats', 'authorization.conf');
/** How nats-server logs a refusal (at its default log level), e.g. `Publish Violation - User "sweep-worker", Subject "…"`. */
const VIOLATION = /(Publish|Subscription) Violation/;

/**
 * A real nats-server with JetStream (free port, temp store) and the shipped per-role users of
 * deploy/k8s/base/nats/authorization.conf, each with a random password. Nothing is created on it: the coordinator's
 * connection does that, as in production.
 */
export class RoleBroker {
  /** A temp folder (config, store, server log), removed at stop. */
  dir = '';
  /** Each role's credentials, as the CLI reads them from its environment. */
  readonly users: Readonly<Record<BrokerRole, { NATS_USER: string; NATS_PASSWORD: string }>> = {
    // A letter first: nats-server parses a variable's value as a config value, and one like `5e3f…` breaks the parse.
    coordinator: { NATS_USER: 'sweep-coordinator', NATS_PASSWORD: `p${randomBytes(12).toString('hex')}` },
    worker: { NATS_USER: 'sweep-worker', NATS_PASSWORD: `p${randomBytes(12).toString('hex')}` },
  };
  url = '';
  private server: ChildProcess | null = null;
  private readonly conns: NatsConnection[] = [];
  private forgetAtEnd: () => void = () => undefined;

  get serverLog(): string {
    return join(this.dir, 'nats-server.log');
  }

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'sweep-roles-'));
    this.forgetAtEnd = atTestProcessEnd(() => {
      this.server?.kill('SIGKILL');
      removeDir(this.dir);
    });
    copyFileSync(AUTHORIZATION_CONF, join(this.dir, 'authorization.conf'));
    const port = await freePort();
    this.url = `nats://127.0.0.1:${port}`;
    writeFileSync(join(this.dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(this.dir, 'store')}" }\ninclude ./authorization.conf\n`);
    const log = openSync(this.serverLog, 'w');
    this.server = spawn(findNatsServerBinary(), ['-c', join(this.dir, 'nats.conf')], {
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH ?? '',
        SWEEP_COORDINATOR_USER: this.users.coordinator.NATS_USER,
        SWEEP_COORDINATOR_PASSWORD: this.users.coordinator.NATS_PASSWORD,
        SWEEP_WORKER_USER: this.users.worker.NATS_USER,
        SWEEP_WORKER_PASSWORD: this.users.worker.NATS_PASSWORD,
      },
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const nc = await this.connectAs('coordinator').catch(() => null);
      if (nc) break;
      if (Date.now() > deadline) throw new Error(`the nats-server did not start:\n${readFileSync(this.serverLog, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  /** A client connection with `role`'s credentials and inbox prefix, closed at stop. */
  async connectAs(role: BrokerRole, name = `test-${role}`): Promise<NatsConnection> {
    const nc = await connectBroker({ url: this.url, user: this.users[role].NATS_USER, password: this.users[role].NATS_PASSWORD, inboxPrefix: INBOX_PREFIXES[role] }, name);
    this.conns.push(nc);
    return nc;
  }

  /** The refusals the server logged so far. */
  violations(): string[] {
    return readFileSync(this.serverLog, 'utf8').split('\n').filter((l) => VIOLATION.test(l));
  }

  async stop(): Promise<void> {
    await Promise.all(this.conns.splice(0).map((c) => c.close().catch(() => undefined)));
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGKILL');
      await exited;
    }
    if (this.dir) removeDir(this.dir);
    this.forgetAtEnd();
  }
}

/** The RoleBroker of a describe() block: started in its before() hook, stopped in its after() hook. Call it first in the block. */
export function roleBrokerSuite(): RoleBroker {
  const broker = new RoleBroker();
  before(() => broker.start());
  after(() => broker.stop());
  return broker;
}
