import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync, closeSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { freePort } from './free-port.js';
import { writePrivateFile } from './private-file.js';
import { SweepError } from '../domain/errors.js';

export class NatsServerMissingError extends SweepError {}

export interface EmbeddedServerOptions {
  /** JetStream store directory; reusing it resumes the previous state. */
  storeDir: string;
  binary?: string;
  /** Detach the server from this process (keeps running after we exit). */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Fixed ports (a restart on the same ports lets clients reconnect); default: free ones. */
  port?: number;
  monitorPort?: number;
  /** Server-to-client PING interval (nats-server default 2 min): a silent client is dropped after ~interval × (max + 1). */
  pingIntervalS?: number;
  /** Unanswered PINGs before the server drops a client (nats-server default 2). */
  pingMaxOutstanding?: number;
  /**
   * Clients must present this token (in the config file, mode 0600: argv would show it to `ps`).
   * Without one the server accepts any local client.
   */
  token?: string;
}

export interface EmbeddedServer {
  url: string;
  port: number;
  monitorPort: number;
  monitorUrl: string;
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, for chaos tests. */
  kill(): void;
}

const INSTALL_HINT =
  'install it with `sudo apt-get install -y nats-server` (Debian/Ubuntu) or download it from the NATS releases, ' +
  'or set NATS_SERVER_BIN=/path/to/nats-server, or point sweep at an existing broker with --nats nats://host:4222';

/** $NATS_SERVER_BIN, then PATH, then /usr/sbin and /usr/local/bin. */
export function findNatsServerBinary(explicit?: string): string {
  const candidates = [
    explicit,
    process.env.NATS_SERVER_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'nats-server')),
    '/usr/sbin/nats-server',
    '/usr/local/bin/nats-server',
  ].filter((c): c is string => !!c);
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  throw new NatsServerMissingError(`nats-server not found (looked at $NATS_SERVER_BIN, PATH, /usr/sbin): ${INSTALL_HINT}`);
}

/** Where a nats-server we started should be: its store and ports (and binary, when not the default one). */
export interface EmbeddedServerIdentity {
  storeDir: string;
  port: number;
  monitorPort: number;
  binary?: string;
}

/**
 * Whether process `pid` is a nats-server this user started on this store and these ports, by Linux's /proc: the
 * process's owner is our uid, its executable is the nats-server binary we would run (`findNatsServerBinary`; one
 * replaced by an upgrade since it started still counts), and its command line has our `-sd`, `-p` and `-m`. Reads
 * only /proc: nothing connects to anything. `why` says what did not match (for a log line).
 */
export function embeddedServerProcess(pid: number, expected: EmbeddedServerIdentity): { ours: true } | { ours: false; why: string } {
  if (!(Number.isInteger(pid) && pid > 1)) return { ours: false, why: `no valid pid (${String(pid)})` };
  const proc = `/proc/${pid}`;
  let owner: number;
  try {
    owner = statSync(proc).uid;
  } catch {
    return { ours: false, why: statSync('/proc/self', { throwIfNoEntry: false }) ? `process ${pid} is not running` : 'no /proc to check its process' };
  }
  const uid = process.getuid?.();
  if (uid !== undefined && owner !== uid) return { ours: false, why: `process ${pid} belongs to uid ${owner}, not to us (uid ${uid})` };
  let exe: string;
  let wanted: string;
  try {
    exe = readlinkSync(`${proc}/exe`).replace(/ \(deleted\)$/, '');
    wanted = realpathSync(findNatsServerBinary(expected.binary));
  } catch (e) {
    return { ours: false, why: `cannot read the executable of process ${pid}: ${(e as Error).message}` };
  }
  if (exe !== wanted) return { ours: false, why: `process ${pid} runs ${exe}, not ${wanted}` };
  let argv: string[];
  try {
    argv = readFileSync(`${proc}/cmdline`, 'utf8').split('\0');
  } catch (e) {
    return { ours: false, why: `cannot read the command line of process ${pid}: ${(e as Error).message}` };
  }
  const arg = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const store = arg('-sd');
  if (store === undefined || resolve(store) !== resolve(expected.storeDir)) return { ours: false, why: `process ${pid} serves store ${store ?? '(none)'}, not ${resolve(expected.storeDir)}` };
  if (arg('-p') !== String(expected.port) || arg('-m') !== String(expected.monitorPort)) {
    return { ours: false, why: `process ${pid} listens on ports ${arg('-p') ?? '?'}/${arg('-m') ?? '?'}, not ${expected.port}/${expected.monitorPort}` };
  }
  return { ours: true };
}

/** Whether the server's monitoring port answers /healthz with JetStream up (one bounded request). */
export async function isHealthy(monitorUrl: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function waitHealthy(monitorUrl: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = logTail(logFile);
      throw new NatsServerStartError(`nats-server exited with code ${child.exitCode} before it was ready; see ${logFile}${tail ? `; from its log:\n${tail}` : ''}`, /address already in use/i.test(tail));
    }
    try {
      // Bounded: whatever else holds the port may accept and never answer, which would outlast the deadline.
      const res = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not become healthy within ${timeoutMs} ms; see ${logFile}`);
}

/** Characters a token may have: those of base64url/hex and a few more, never a quote, backslash or newline. */
const TOKEN_CHARS = /^[A-Za-z0-9_.~+/=-]+$/;

/** The path of the config file startEmbeddedServer writes when it needs one (it holds the token: mode 0600). */
export const embeddedConfigFile = (storeDir: string) => join(storeDir, 'nats-server.conf');

/**
 * nats-server 2.9 takes ping_interval/ping_max and authorization only from a config file: write one next to the
 * store (mode 0600, as it may hold the token) when any is set and return the extra arguments; the other settings
 * stay on the command line.
 */
function configArgs(opts: EmbeddedServerOptions): string[] {
  const { pingIntervalS, pingMaxOutstanding, token } = opts;
  if (pingIntervalS === undefined && pingMaxOutstanding === undefined && token === undefined) return [];
  if (pingIntervalS !== undefined && !(pingIntervalS > 0)) throw new RangeError(`pingIntervalS must be > 0, got ${pingIntervalS}`);
  if (pingMaxOutstanding !== undefined && !(Number.isInteger(pingMaxOutstanding) && pingMaxOutstanding >= 1)) {
    throw new RangeError(`pingMaxOutstanding must be a whole number ≥ 1, got ${pingMaxOutstanding}`);
  }
  if (token !== undefined && !TOKEN_CHARS.test(token)) {
    throw new RangeError('token must be non-empty and use only letters, digits and _.~+/=-');
  }
  const lines = [
    ...(pingIntervalS !== undefined ? [`ping_interval: "${Math.max(1, Math.round(pingIntervalS * 1000))}ms"`] : []),
    ...(pingMaxOutstanding !== undefined ? [`ping_max: ${pingMaxOutstanding}`] : []),
    ...(token !== undefined ? [`authorization {\n  token: "${token}"\n}`] : []),
  ];
  const file = embeddedConfigFile(opts.storeDir);
  writePrivateFile(file, lines.join('\n') + '\n');
  return ['-c', file];
}

/**
 * A server this process owns must not outlive it even when it ends through process.exit() or an uncaught error;
 * its own process group keeps a terminal's Ctrl-C away from it, so nothing else would stop it.
 */
function stopWithThisProcess(child: ChildProcess): void {
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
}

/** nats-server exited before it was ready; `portTaken`: a port chosen as free was taken before it bound it. */
export class NatsServerStartError extends SweepError {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

/** A nats-server log's fatal and error lines (the banner before them says nothing), else its last lines. */
export function logTail(logFile: string, lines = 5): string {
  try {
    const all = readFileSync(logFile, 'utf8').trimEnd().split('\n');
    const errors = all.filter((l) => /\[(FTL|ERR)\]/.test(l));
    return (errors.length > 0 ? errors : all).slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Ports chosen as free can be taken by another process before nats-server binds them: then it starts again on new ones. */
const PORT_RACE_TRIES = 3;

/** Starts nats-server with JetStream on free loopback ports (requiring `token` if given) and waits for /healthz. */
export async function startEmbeddedServer(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  for (let tries = 1; ; tries++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      const ownPorts = opts.port === undefined || opts.monitorPort === undefined;
      if (!(e instanceof NatsServerStartError && e.portTaken && ownPorts && tries < PORT_RACE_TRIES)) throw e;
    }
  }
}

async function startOnce(opts: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const binary = findNatsServerBinary(opts.binary);
  mkdirSync(opts.storeDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const logFile = join(opts.storeDir, 'nats-server.log');
  const config = configArgs(opts);
  const out = openSync(logFile, 'a');
  // Its own process group always, so that a terminal's Ctrl-C reaches only us and we stop it after our workers.
  const child = spawn(
    binary,
    [...config, '-js', '-sd', opts.storeDir, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)],
    { stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  if (!opts.detached) stopWithThisProcess(child);
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  try {
    await waitHealthy(monitorUrl, child, opts.readyTimeoutMs ?? 15_000, logFile);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  if (opts.detached) child.unref();
  let stopped: Promise<void> | null = null;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    monitorUrl,
    pid: child.pid ?? -1,
    kill() {
      child.kill('SIGKILL');
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}
