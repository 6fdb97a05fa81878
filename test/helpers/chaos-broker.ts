import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/transport/embedded-server.js';
import { connectBroker } from '../../src/transport/connection.js';

/** A real nats-server that can be SIGKILLed and restarted on the same ports and store (clients reconnect). */
export class RestartableBroker {
  private server: EmbeddedServer;
  private readonly conns: NatsConnection[] = [];

  private constructor(
    server: EmbeddedServer,
    readonly storeDir: string,
  ) {
    this.server = server;
  }

  static async start(): Promise<RestartableBroker> {
    const storeDir = mkdtempSync(join(tmpdir(), 'sweep-chaos-nats-'));
    return new RestartableBroker(await startEmbeddedServer({ storeDir }), storeDir);
  }

  get url(): string {
    return this.server.url;
  }

  async connect(name = 'chaos-test'): Promise<NatsConnection> {
    const nc = await connectBroker({ url: this.url }, name);
    this.conns.push(nc);
    return nc;
  }

  /** SIGKILL, wait `downMs`, start again on the same ports with the same store. */
  async crashAndRestart(downMs: number): Promise<void> {
    const { port, monitorPort } = this.server;
    this.server.kill();
    await this.server.stop(); // resolves once the killed process has exited
    await new Promise((r) => setTimeout(r, downMs));
    this.server = await startEmbeddedServer({ storeDir: this.storeDir, port, monitorPort });
  }

  async stop(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close().catch(() => undefined)));
    await this.server.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
