import { millis, type JetStreamManager, type NatsConnection } from 'nats';
import { ALL_STREAMS, JOBS_STREAM, consumerName } from './names.js';
import { isConsumerNotFound, isStreamNotFound } from './jetstream-errors.js';

/** What a worker learns by binding: the lease of its pool's consumer, which the coordinator set (spec execution.ack_wait_s). */
export interface BoundQueue {
  ackWaitMs: number;
}

export interface BindOptions {
  /** Told what is missing when the first look finds something missing (then again every `remindMs`). */
  onWaiting?: (missing: string) => void;
  /** Stop waiting (a drain): resolves null. */
  shouldStop?: () => boolean;
  remindMs?: number;
}

/**
 * A worker's start: looks up every stream, bucket and its pool's consumer, and waits until all of them exist,
 * creating and changing nothing (its broker user may only read them; the coordinator creates them at launch).
 * Null when `shouldStop` ended the wait.
 */
export async function bindResources(nc: NatsConnection, pool: string, opts: BindOptions = {}): Promise<BoundQueue | null> {
  const jsm = await nc.jetstreamManager();
  let delay = 250;
  let remindAt = 0;
  for (;;) {
    const found = await lookUp(jsm, pool);
    if (typeof found !== 'string') return found;
    if (opts.shouldStop?.()) return null;
    if (Date.now() >= remindAt) {
      opts.onWaiting?.(found);
      remindAt = Date.now() + (opts.remindMs ?? 30_000);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 5_000);
    if (opts.shouldStop?.()) return null;
  }
}

/** The pool's queue when everything exists, else a description of the first thing missing. */
async function lookUp(jsm: JetStreamManager, pool: string): Promise<BoundQueue | string> {
  for (const stream of ALL_STREAMS) {
    try {
      await jsm.streams.info(stream);
    } catch (e) {
      if (isStreamNotFound(e)) return `stream ${stream}`;
      throw e;
    }
  }
  const name = consumerName(pool);
  try {
    return { ackWaitMs: await readPoolAckWaitMs(jsm, pool) };
  } catch (e) {
    if (isConsumerNotFound(e)) return `consumer ${name} of stream ${JOBS_STREAM}`;
    throw e;
  }
}

/** The pool consumer's ack_wait now (unset means JetStream's default of 30 s). */
export async function readPoolAckWaitMs(jsm: JetStreamManager, pool: string): Promise<number> {
  const info = await jsm.consumers.info(JOBS_STREAM, consumerName(pool));
  return info.config.ack_wait === undefined ? 30_000 : millis(info.config.ack_wait);
}
