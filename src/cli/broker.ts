import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import { BrokerAuthError, connectBroker, type BrokerOptions } from '../transport/connection.js';
import { startEmbeddedServer, type EmbeddedServer } from '../transport/embedded-server.js';
import { writePrivateFile } from '../transport/private-file.js';
import type { Logger } from '../log.js';
import { brokerEnv } from './global-options.js';

export interface BrokerHandle {
  nc: NatsConnection;
  url: string;
  /** The embedded server this process started, if any (stopped by close()). */
  embedded: EmbeddedServer | null;
  /** The embedded default's token file, which local workers read (explicit credentials reach them by brokerEnv). */
  tokenFile: string | null;
  close(): Promise<void>;
}

interface ServerFile {
  url: string;
  monitorUrl: string;
  pid: number;
  /** 'token': clients must present the token in natsTokenFile (absent in the server.json of older versions: no auth). */
  auth?: 'token';
}

export const natsStoreDir = (stateDir: string) => resolve(stateDir, 'nats');
const serverFile = (stateDir: string) => join(natsStoreDir(stateDir), 'server.json');
/** The embedded default's token (mode 0600): only this directory's CLI calls and local workers read it. */
export const natsTokenFile = (stateDir: string) => join(natsStoreDir(stateDir), 'token');

/** The token of this directory's embedded server, or null when its file is missing, unreadable or empty. */
function readEmbeddedToken(stateDir: string): string | null {
  try {
    return readFileSync(natsTokenFile(stateDir), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Connects to this directory's embedded server with its token (an explicit --nats-token / --nats-token-file wins;
 * a server of an older version, which has no token, accepts any). A refusal is one line saying where the token is.
 */
async function connectEmbedded(
  url: string,
  opts: BrokerOptions,
  stateDir: string,
  clientName: string,
): Promise<{ nc: NatsConnection; tokenFile: string | null }> {
  const token = readEmbeddedToken(stateDir);
  const explicit = opts.token ? { token: opts.token } : opts.tokenFile ? { tokenFile: opts.tokenFile } : null;
  const tokenFile = !explicit && token ? natsTokenFile(stateDir) : null;
  try {
    const nc = await connectBroker({ url, inboxPrefix: opts.inboxPrefix, ...(explicit ?? (token ? { token } : {})) }, clientName);
    return { nc, tokenFile };
  } catch (e) {
    if (!(e instanceof BrokerAuthError)) throw e;
    const file = natsTokenFile(stateDir);
    const why = explicit
      ? `the token given by ${opts.token ? '--nats-token / NATS_TOKEN' : `--nats-token-file / NATS_TOKEN_FILE (${opts.tokenFile})`} is not its token, which is in ${file} (mode 0600): drop that option`
      : token
        ? `its token is in ${file} (mode 0600) but was refused`
        : `its token file ${file} is missing or unreadable`;
    throw new BrokerAuthError(
      `the embedded nats-server of ${resolve(stateDir)} refused the connection: authorization violation; ${why} — ` +
        'run sweep from the directory that started it, or `sweep down` and relaunch',
      { cause: e },
    );
  }
}

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
    return { nc, url: opts.url, embedded: null, tokenFile: null, close: () => closeConnection(nc) };
  }
  const existing = await runningEmbedded(stateDir);
  if (existing) {
    log.debug({ url: existing.url }, 'using the embedded nats-server already running here');
    const { nc, tokenFile } = await connectEmbedded(existing.url, opts, stateDir, clientName);
    return { nc, url: existing.url, embedded: null, tokenFile, close: () => closeConnection(nc) };
  }
  const storeDir = natsStoreDir(stateDir);
  mkdirSync(storeDir, { recursive: true });
  // A fresh token per server, in the config file (mode 0600; never argv, which `ps` shows) and in the token file.
  const token = randomBytes(32).toString('base64url');
  const server = await startEmbeddedServer({ storeDir, detached: embeddedMode.detached ?? false, token });
  writePrivateFile(natsTokenFile(stateDir), token + '\n');
  const info: ServerFile = { url: server.url, monitorUrl: server.monitorUrl, pid: server.pid, auth: 'token' };
  writeFileSync(serverFile(stateDir), JSON.stringify(info));
  log.info({ url: server.url, store: storeDir }, 'started embedded nats-server');
  let connected: { nc: NatsConnection; tokenFile: string | null };
  try {
    connected = await connectEmbedded(server.url, opts, stateDir, clientName);
  } catch (e) {
    if (!embeddedMode.detached) {
      await server.stop();
      forgetEmbedded(stateDir);
    }
    throw e;
  }
  const { nc, tokenFile } = connected;
  const owned = !embeddedMode.detached;
  return {
    nc,
    url: server.url,
    embedded: owned ? server : null,
    tokenFile,
    close: async () => {
      await closeConnection(nc);
      if (owned) {
        await server.stop();
        forgetEmbedded(stateDir);
      }
    },
  };
}

/** Once its server is gone: its address and token are of no more use. */
function forgetEmbedded(stateDir: string): void {
  rmSync(serverFile(stateDir), { force: true });
  rmSync(natsTokenFile(stateDir), { force: true });
}

/** The environment of local workers: the broker credentials, and the path of the token file (never the token). */
export function localWorkerEnv(handle: BrokerHandle, broker: BrokerOptions): Record<string, string> {
  return { ...brokerEnv(broker), ...(handle.tokenFile ? { NATS_TOKEN_FILE: handle.tokenFile } : {}) };
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
  forgetEmbedded(stateDir);
  return true;
}
