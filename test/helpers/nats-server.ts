import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startEmbeddedServer, type EmbeddedServer, type EmbeddedServerOptions } from '../../src/transport/embedded-server.js';
import { connectBroker } from '../../src/transport/connection.js';

export interface TestBroker {
  server: EmbeddedServer;
  url: string;
  storeDir: string;
  connect(name?: string): Promise<NatsConnection>;
  stop(): Promise<void>;
}

/** A real nats-server with JetStream on free ports and a temp store, for one test suite. */
export async function startTestBroker(options: Omit<EmbeddedServerOptions, 'storeDir'> = {}): Promise<TestBroker> {
  const storeDir = mkdtempSync(join(tmpdir(), 'sweep-nats-'));
  const server = await startEmbeddedServer({ ...options, storeDir });
  const conns: NatsConnection[] = [];
  return {
    server,
    url: server.url,
    storeDir,
    async connect(name = 'test') {
      const nc = await connectBroker({ url: server.url }, name);
      conns.push(nc);
      return nc;
    },
    async stop() {
      await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
