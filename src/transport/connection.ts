import { installNatsClientPatches } from './nats-client-patches.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createInbox, credsAuthenticator, NatsError, type NatsConnection, type ConnectionOptions } from 'nats';
import { SweepError } from '../domain/errors.js';
import { INBOX_PREFIX_PATTERN } from './broker-roles.js';

/** How to reach a broker. Every field has a flag and an environment variable (see `sweep --help`). */
export interface BrokerOptions {
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  /** A file holding the token, read at connect time (`token` wins when both are given). */
  tokenFile?: string;
  credsFile?: string;
  /** A creds file's contents (from --credentials-dir); wins over credsFile. */
  credsContent?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** PEM contents (from --credentials-dir), each winning over its file: a reconnect then reads no file. */
  tlsCaPem?: string;
  tlsCertPem?: string;
  tlsKeyPem?: string;
  /** Reply subjects start with this (see broker-roles.ts); the client's `_INBOX` when unset. */
  inboxPrefix?: string;
}

export function brokerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BrokerOptions {
  return {
    url: env.NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    tokenFile: env.NATS_TOKEN_FILE,
    credsFile: env.NATS_CREDS,
    tlsCa: env.NATS_CA,
    tlsCert: env.NATS_CERT,
    tlsKey: env.NATS_KEY,
    inboxPrefix: env.NATS_INBOX_PREFIX,
  };
}

export class BrokerConnectError extends SweepError {
  override readonly retryable: boolean = true;
}

/** The broker refused our credentials (or their absence): connecting again with the same ones cannot help. */
export class BrokerAuthError extends BrokerConnectError {
  override readonly retryable: boolean = false;
}

/** The token file given by --nats-token-file / NATS_TOKEN_FILE is missing, unreadable or empty. */
export class TokenFileError extends SweepError {
  override readonly badInput = true;
}

/** The token in `file` (surrounding whitespace trimmed); a clear error naming the file when it cannot be had. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TokenFileError(`cannot read the NATS token file ${file} (--nats-token-file / NATS_TOKEN_FILE): ${(e as Error).message}`, { cause: e });
  }
  const token = text.trim();
  if (!token) throw new TokenFileError(`the NATS token file ${file} (--nats-token-file / NATS_TOKEN_FILE) is empty`);
  return token;
}

/** --nats-inbox-prefix / NATS_INBOX_PREFIX is not a subject prefix. */
export class InboxPrefixError extends SweepError {
  override readonly badInput = true;
}

function checkedInboxPrefix(prefix: string): string {
  if (INBOX_PREFIX_PATTERN.test(prefix)) return prefix;
  throw new InboxPrefixError(
    `--nats-inbox-prefix / NATS_INBOX_PREFIX "${prefix}" is not a NATS subject prefix: use dot-separated tokens of letters, digits, '_' and '-' (no wildcards), e.g. _INBOX_worker`,
  );
}

/** AUTHORIZATION_VIOLATION (a wrong or missing token, user or password), or expired credentials. */
const isAuthorizationError = (e: unknown): boolean => e instanceof NatsError && e.isAuthError();

const inboxPrefixes = new WeakMap<NatsConnection, string>();

/** A fresh reply subject under the connection's inbox prefix (the one connectBroker was given, else `_INBOX`). */
export const newInbox = (nc: NatsConnection): string => createInbox(inboxPrefixes.get(nc));

/**
 * What a server at `url` does with a random token nobody has: `refused` (it requires a token, and that is not
 * it), `accepted` (it lets anyone in), or `unreachable`. One attempt, no reconnects, nothing published.
 */
export async function probeWrongToken(url: string, timeoutMs = 5_000): Promise<'refused' | 'accepted' | 'unreachable'> {
  installNatsClientPatches();
  try {
    const nc = await connect({ servers: url, name: 'sweep-token-probe', token: randomBytes(32).toString('base64url'), maxReconnectAttempts: 0, reconnect: false, timeout: timeoutMs });
    await nc.close().catch(() => undefined);
    return 'accepted';
  } catch (e) {
    return isAuthorizationError(e) ? 'refused' : 'unreachable';
  }
}

/** Connects with reconnects forever (brokers restart; workers must ride it out). */
export async function connectBroker(opts: BrokerOptions, name: string): Promise<NatsConnection> {
  const servers = (opts.url ?? 'nats://127.0.0.1:4222').split(',');
  const options: ConnectionOptions = {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    pingInterval: 10_000,
    timeout: 5_000,
    // The client otherwise builds an Error (a stack trace) per request to report call sites: at thousands of
    // KV writes and pulls per second that was the worker's largest CPU cost.
    noAsyncTraces: true,
  };
  if (opts.inboxPrefix) options.inboxPrefix = checkedInboxPrefix(opts.inboxPrefix);
  if (opts.user) options.user = opts.user;
  if (opts.password) options.pass = opts.password;
  if (opts.token) options.token = opts.token;
  else if (opts.tokenFile) options.token = readTokenFile(opts.tokenFile);
  if (opts.credsContent) options.authenticator = credsAuthenticator(new TextEncoder().encode(opts.credsContent));
  else if (opts.credsFile) options.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
  // A file is read again at each reconnect (nats.js), so a rotated certificate is picked up; contents are not.
  const tls = {
    ...(opts.tlsCaPem ? { ca: opts.tlsCaPem } : opts.tlsCa ? { caFile: opts.tlsCa } : {}),
    ...(opts.tlsCertPem ? { cert: opts.tlsCertPem } : opts.tlsCert ? { certFile: opts.tlsCert } : {}),
    ...(opts.tlsKeyPem ? { key: opts.tlsKeyPem } : opts.tlsKey ? { keyFile: opts.tlsKey } : {}),
  };
  if (Object.keys(tls).length > 0) options.tls = tls;
  installNatsClientPatches();
  try {
    const nc = await connect(options);
    if (options.inboxPrefix) inboxPrefixes.set(nc, options.inboxPrefix);
    return nc;
  } catch (e) {
    if (isAuthorizationError(e)) {
      const tokenFrom = opts.token ? ' (token from --nats-token / NATS_TOKEN)' : opts.tokenFile ? ` (token from ${opts.tokenFile})` : '';
      throw new BrokerAuthError(
        `NATS at ${servers.join(', ')} refused the connection: authorization violation${tokenFrom}. ` +
          'Check --nats-token / --nats-token-file / --nats-user and --nats-password / --nats-creds (or their NATS_* variables).',
        { cause: e },
      );
    }
    throw new BrokerConnectError(
      `cannot connect to NATS at ${servers.join(', ')}: ${(e as Error).message}. ` +
        'Check --nats / NATS_URL and the credentials, or omit --nats to use the embedded default.',
      { cause: e },
    );
  }
}
