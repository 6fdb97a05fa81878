import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { BrokerOptions } from '../transport/connection.js';
import { INBOX_PREFIXES, type BrokerRole } from '../transport/broker-roles.js';

export interface GlobalOptions {
  nats?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsTokenFile?: string;
  natsCreds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  natsInboxPrefix?: string;
  stateDir: string;
  verbose?: boolean;
}

export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated; default: an embedded nats-server').env('NATS_URL'))
    .addOption(new Option('--nats-user <user>', 'NATS user').env('NATS_USER'))
    .addOption(new Option('--nats-password <password>', 'NATS password').env('NATS_PASSWORD'))
    .addOption(new Option('--nats-token <token>', 'NATS token').env('NATS_TOKEN'))
    .addOption(new Option('--nats-token-file <file>', 'file holding the NATS token, read at connect time (--nats-token wins)').env('NATS_TOKEN_FILE'))
    .addOption(new Option('--nats-creds <file>', 'NATS credentials file (JWT + nkey)').env('NATS_CREDS'))
    .addOption(new Option('--tls-ca <file>', 'CA certificate for TLS to NATS').env('NATS_CA'))
    .addOption(new Option('--tls-cert <file>', 'client certificate for TLS to NATS').env('NATS_CERT'))
    .addOption(new Option('--tls-key <file>', 'client key for TLS to NATS').env('NATS_KEY'))
    .addOption(
      new Option('--nats-inbox-prefix <prefix>', 'prefix of reply subjects (default: _INBOX_worker for `sweep worker`, else _INBOX_coordinator; see docs/security.md)').env(
        'NATS_INBOX_PREFIX',
      ),
    )
    .addOption(new Option('--state-dir <dir>', 'where the embedded default keeps its store and logs').default('.sweep').env('SWEEP_STATE_DIR'))
    .addOption(
      new Option(
        '--verbose',
        'print stack traces with errors; on a terminal, print log lines (as short human lines) instead of writing them to <state-dir>/logs/',
      ).env('SWEEP_VERBOSE'),
    );
}

/**
 * The broker options of a command. Each flag already falls back to its environment variable (`.env()` above), so
 * this only renames; it imports no broker code, which keeps `sweep --help` from loading the NATS client.
 */
export function brokerOptions(g: GlobalOptions, role: BrokerRole = 'coordinator'): BrokerOptions {
  return {
    inboxPrefix: g.natsInboxPrefix ?? INBOX_PREFIXES[role],
    url: g.nats,
    user: g.natsUser,
    password: g.natsPassword,
    token: g.natsToken,
    tokenFile: g.natsTokenFile,
    credsFile: g.natsCreds,
    tlsCa: g.tlsCa,
    tlsCert: g.tlsCert,
    tlsKey: g.tlsKey,
  };
}

/** Environment through which a local worker inherits the broker credentials and inbox prefix (not argv: `ps` shows argv). */
export function brokerEnv(b: BrokerOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const add = (name: string, v: string | undefined) => {
    if (v) env[name] = v;
  };
  add('NATS_USER', b.user);
  add('NATS_PASSWORD', b.password);
  add('NATS_TOKEN', b.token);
  add('NATS_TOKEN_FILE', b.tokenFile && resolve(b.tokenFile));
  add('NATS_CREDS', b.credsFile);
  add('NATS_CA', b.tlsCa);
  add('NATS_CERT', b.tlsCert);
  add('NATS_KEY', b.tlsKey);
  // Local workers connect with these credentials, so they take the same user's inbox prefix too.
  add('NATS_INBOX_PREFIX', b.inboxPrefix);
  return env;
}
