import { NatsError } from 'nats';
import { SweepError } from '../domain/errors.js';
import { INBOX_PREFIXES } from './broker-roles.js';

/** The broker refused this NATS user a subject: the credentials are not those of the role the command runs as. */
export class BrokerPermissionError extends SweepError {
  override readonly retryable: boolean = false;
}

/**
 * `e` (or an error in its cause chain) as a BrokerPermissionError when it is the broker's permissions violation,
 * naming the subject and what to do; null for any other error.
 */
export function asBrokerPermissionError(e: unknown): BrokerPermissionError | null {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth++) {
    if (!(cur instanceof NatsError) || !cur.isPermissionError()) continue;
    const ctx = cur.permissionContext;
    if (ctx && ctx.operation !== 'publish') {
      return new BrokerPermissionError(
        `NATS refused this user permission to subscribe to ${ctx.subject}: replies come on the inbox prefix, by default ` +
          `${INBOX_PREFIXES.worker} for \`sweep worker\` and ${INBOX_PREFIXES.coordinator} for every other command; use the ` +
          "role's own credentials (docs/security.md), or set --nats-inbox-prefix / NATS_INBOX_PREFIX to one this user may subscribe to",
        { cause: e },
      );
    }
    return new BrokerPermissionError(
      `NATS refused this user permission to publish to ${ctx?.subject ?? 'a subject'}: \`sweep worker\` needs the worker's ` +
        "credentials, every other command the coordinator's (docs/security.md lists each role's subjects); check --nats-user / NATS_USER",
      { cause: e },
    );
  }
  return null;
}
