import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import { connectBroker, type BrokerOptions } from '../transport/connection.js';
import { startEmbeddedServer, type EmbeddedServer } from '../transport/embedded-server.js';
import type { Logger } from '../log.js';

export interface BrokerHandle {
  nc: NatsConnection;
  url: string;
  /** The embedded server this process started, if any (stopped by close()). */
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

interface ServerFile {
  url: string;
  monitorUrl: string;
  pid: number;
}

export const natsStoreDir = (stateDir: string) => resolve(stateDir, 'nats');
const serverFile = (stateDir: string) => join(natsStoreDir(stateDir), 'server.json');

async function runningEmbedded(stateDir: string): Promise<ServerFile | null> {
  const file = serverFile(stateDir);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as ServerFile;
    const res = await fetch(`${info.monitorUrl}/healthz?js-enabled-only=true`, { signal: AbortSignal.timeout(1000) });
    if (res.status === 200) return info;
  } catch {
    // stale file: the server is gone
  }
  rmSync(file, { force: true });
  return null;
}

/** Drains the connection, but never waits on a broker that is down: close it after a few seconds. */
async function closeConnection(nc: NatsConnection): Promise<void> {
  const timer = new Promise<void>((r) => setTimeout(r, 3_000).unref());
  await Promise.race([nc.drain().catch(() => undefined), timer]);
  if (!nc.isClosed()) await nc.close().catch(() => undefined);
}

/**
 * Connects to --nats / NATS_URL, or else to the embedded default: the nats-server already serving this
 * directory's `.sweep/nats` store, or a new one started on it (so relaunching resumes the same state).
 */
export async function openBroker(
  opts: BrokerOptions,
  stateDir: string,
  log: Logger,
  clientName: string,
  embeddedMode: { detached?: boolean } = {},
): Promise<BrokerHandle> {
  if (opts.url) {
    const nc = await connectBroker(opts, clientName);
    return { nc, url: opts.url, embedded: null, close: () => closeConnection(nc) };
  }
  const existing = await runningEmbedded(stateDir);
  if (existing) {
    log.debug({ url: existing.url }, 'using the embedded nats-server already running here');
    const nc = await connectBroker({ url: existing.url }, clientName);
    return { nc, url: existing.url, embedded: null, close: () => closeConnection(nc) };
  }
  const storeDir = natsStoreDir(stateDir);
  mkdirSync(storeDir, { recursive: true });
  const server = await startEmbeddedServer({ storeDir, detached: embeddedMode.detached ?? false });
  const info: ServerFile = { url: server.url, monitorUrl: server.monitorUrl, pid: server.pid };
  writeFileSync(serverFile(stateDir), JSON.stringify(info));
  log.info({ url: server.url, store: storeDir }, 'started embedded nats-server');
  const nc = await connectBroker({ url: server.url }, clientName);
  const owned = !embeddedMode.detached;
  return {
    nc,
    url: server.url,
    embedded: owned ? server : null,
    close: async () => {
      await closeConnection(nc);
      if (owned) {
        await server.stop();
        rmSync(serverFile(stateDir), { force: true });
      }
    },
  };
}

const workersFile = (stateDir: string) => join(natsStoreDir(stateDir), 'workers.json');

/** Remembers the pids of detached local workers so that `sweep down` can stop them too. */
export function recordDetachedWorkers(stateDir: string, pids: number[]): void {
  let known: number[] = [];
  try {
    known = JSON.parse(readFileSync(workersFile(stateDir), 'utf8')) as number[];
  } catch {
    // none yet
  }
  writeFileSync(workersFile(stateDir), JSON.stringify([...known, ...pids]));
}

/** Stops detached local workers (they drain: a running trial is requeued) and the detached embedded server. */
export async function stopEmbedded(stateDir: string): Promise<boolean> {
  try {
    for (const pid of JSON.parse(readFileSync(workersFile(stateDir), 'utf8')) as number[]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  } catch {
    // no detached workers recorded
  }
  rmSync(workersFile(stateDir), { force: true });
  const info = await runningEmbedded(stateDir);
  if (!info) return false;
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(serverFile(stateDir), { force: true });
  return true;
}
