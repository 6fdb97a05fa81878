import { installNatsClientPatches } from './nats-client-patches.js';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type ConnectionOptions } from 'nats';

/** How to reach a broker. Every field has a flag and an environment variable (see `sweep --help`). */
export interface BrokerOptions {
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  credsFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function brokerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BrokerOptions {
  return {
    url: env.NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    credsFile: env.NATS_CREDS,
    tlsCa: env.NATS_CA,
    tlsCert: env.NATS_CERT,
    tlsKey: env.NATS_KEY,
  };
}

export class BrokerConnectError extends Error {
  override name = 'BrokerConnectError';
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
  if (opts.user) options.user = opts.user;
  if (opts.password) options.pass = opts.password;
  if (opts.token) options.token = opts.token;
  if (opts.credsFile) options.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
  if (opts.tlsCa || opts.tlsCert || opts.tlsKey) {
    options.tls = {
      ...(opts.tlsCa ? { caFile: opts.tlsCa } : {}),
      ...(opts.tlsCert ? { certFile: opts.tlsCert } : {}),
      ...(opts.tlsKey ? { keyFile: opts.tlsKey } : {}),
    };
  }
  installNatsClientPatches();
  try {
    return await connect(options);
  } catch (e) {
    throw new BrokerConnectError(
      `cannot connect to NATS at ${servers.join(', ')}: ${(e as Error).message}. ` +
        'Check --nats / NATS_URL and the credentials, or omit --nats to use the embedded default.',
      { cause: e },
    );
  }
}
