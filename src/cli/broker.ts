import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import { SweepError } from '../domain/errors.js';
import { BrokerAuthError, connectBroker, probeWrongToken, type BrokerOptions } from '../transport/connection.js';
import { embeddedServerProcess, isHealthy, startEmbeddedServer, type EmbeddedServer } from '../transport/embedded-server.js';
import { writePrivateFile } from '../transport/private-file.js';
import type { Logger } from '../log.js';
import { brokerEnv } from './global-options.js';
import { ensureStateDir } from './state-dir.js';

/** This directory's embedded server is ours but cannot be used as it is (not answering, or it takes any token). */
export class EmbeddedServerUnusableError extends SweepError {}

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

/** server.json as written by `openBroker`, or null when it is missing or not one (another version, a forgery). */
function readServerFile(stateDir: string): (ServerFile & { port: number; monitorPort: number }) | null {
  try {
    const info = JSON.parse(readFileSync(serverFile(stateDir), 'utf8')) as Partial<ServerFile>;
    const port = /^nats:\/\/127\.0\.0\.1:(\d+)$/.exec(String(info.url))?.[1];
    const monitorPort = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(String(info.monitorUrl))?.[1];
    if (port === undefined || monitorPort === undefined || typeof info.pid !== 'number') return null;
    return { url: info.url!, monitorUrl: info.monitorUrl!, pid: info.pid, ...(info.auth === 'token' ? { auth: 'token' as const } : {}), port: Number(port), monitorPort: Number(monitorPort) };
  } catch {
    return null;
  }
}

/**
 * The server that `.sweep/nats/server.json` names, when it proves to be the one this directory started: its pid is
 * alive, runs as our uid the nats-server binary we would run, on this store and these ports (/proc, see
 * embeddedServerProcess; nothing connects before that). Otherwise the file is stale (a reboot, a crashed server, a
 * reused pid, another user's server on the ports): it is removed and null returned, and a fresh server starts on
 * fresh ports. Nothing here connects to a server that failed those checks.
 */
function provenEmbedded(stateDir: string, log: Logger): (ServerFile & { port: number; monitorPort: number }) | null {
  const file = serverFile(stateDir);
  if (!existsSync(file)) return null;
  const info = readServerFile(stateDir);
  const identity = info ? embeddedServerProcess(info.pid, { storeDir: natsStoreDir(stateDir), port: info.port, monitorPort: info.monitorPort }) : { ours: false as const, why: 'it is not a server file' };
  if (identity.ours) return info;
  log.info({ file, why: identity.why }, `${file} is stale (${identity.why}): not reusing the server it names`);
  rmSync(file, { force: true });
  return null;
}

/**
 * The embedded server to reuse: proven ours (provenEmbedded), answering, and refusing a wrong token (its recorded
 * token is checked when the caller connects with it). A server that is ours but fails the last two is not replaced
 * by a second one on the same store: that is one line saying what to do.
 */
async function runningEmbedded(stateDir: string, log: Logger): Promise<ServerFile | null> {
  const info = provenEmbedded(stateDir, log);
  if (!info) return null;
  const stop = `stop it with \`sweep down\` (or kill ${info.pid}) and run again`;
  // Ours, so it answers unless it is hung: a few tries ride out a busy machine.
  let healthy = false;
  for (let i = 0; i < 5 && !healthy; i++) healthy = await isHealthy(info.monitorUrl, 1_000);
  if (!healthy) throw new EmbeddedServerUnusableError(`the embedded nats-server of ${resolve(stateDir)} (pid ${info.pid}) runs but does not answer on ${info.monitorUrl}: ${stop}`);
  const probe = await probeWrongToken(info.url);
  if (probe === 'refused') return info;
  throw new EmbeddedServerUnusableError(
    probe === 'accepted'
      ? `the embedded nats-server of ${resolve(stateDir)} (pid ${info.pid}) lets in clients without its token` +
          `${info.auth === 'token' ? '' : ' (an older version of sweep started it)'}: ${stop}, so that a new one starts with a token`
      : `the embedded nats-server of ${resolve(stateDir)} (pid ${info.pid}) does not accept connections on ${info.url}: ${stop}`,
  );
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
  ensureStateDir(stateDir, log);
  const existing = await runningEmbedded(stateDir, log);
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
  writePrivateFile(serverFile(stateDir), JSON.stringify(info));
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
export function stopEmbedded(stateDir: string, log: Logger): boolean {
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
  // Only a server proven ours (our uid, our binary, this store): never whatever process a stale file names.
  const info = provenEmbedded(stateDir, log);
  if (!info) return false;
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  forgetEmbedded(stateDir);
  return true;
}
