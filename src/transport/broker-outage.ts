import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, NatsError } from 'nats';
import { SweepError } from '../domain/errors.js';
import { secondsSetting } from '../domain/settings.js';

/**
 * How long a command rides out a broker that stopped answering (a restart, a failover) before it gives up:
 * SWEEP_BROKER_OUTAGE_S, default 2 minutes. A restarted nats-server replays its streams before JetStream answers.
 */
export const brokerOutageMs = (env: NodeJS.ProcessEnv = process.env) => secondsSetting('SWEEP_BROKER_OUTAGE_S', 120, env);

/** The broker did not answer within the outage limit; `what` was not done, and can be run again. */
export class BrokerOutageError extends SweepError {
  override readonly retryable: boolean = true;
}

const AWAY_CODES: ReadonlySet<string> = new Set<string>([ErrorCode.Timeout, ErrorCode.NoResponders]);

/**
 * An error that says the broker is away for now, not that the request was wrong: no answer in time (the connection
 * is reconnecting), no responder (JetStream not up yet after a restart), or JetStream's own 503.
 */
export function isBrokerAway(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  if (AWAY_CODES.has(err.code)) return true;
  return err.api_error?.code === 503;
}

/**
 * Runs `step` again, with backoff, while it fails because the broker is away, for up to `limitMs`. Only for steps
 * that are idempotent (each attempt may have done part of its work). `onWait` hears of each failed attempt.
 */
export async function ridingOutBrokerOutage<T>(
  what: string,
  step: () => Promise<T>,
  opts: { limitMs?: number; onWait?: (err: NatsError, waitedMs: number) => void } = {},
): Promise<T> {
  const limitMs = opts.limitMs ?? brokerOutageMs();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!isBrokerAway(e)) throw e;
      const waited = Date.now() - started;
      if (waited >= limitMs) {
        throw new BrokerOutageError(
          `the broker did not answer for ${Math.round(waited / 1000)} s while ${what} (${(e as NatsError).message}); nothing was lost: ` +
            'run the same command again once the broker is back (or raise SWEEP_BROKER_OUTAGE_S)',
          { cause: e },
        );
      }
      opts.onWait?.(e as NatsError, waited);
      await sleep(Math.min(250 * 2 ** attempt, 5_000, limitMs - waited));
    }
  }
}
