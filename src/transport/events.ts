import type { NatsConnection } from 'nats';
import { DeliverPolicy } from 'nats';
import { EVENTS_STREAM, eventSubject, sweepEventsFilter } from './names.js';
import { decodeJson, encodeJson, trialEventSchema, type TrialEvent } from './codecs.js';

/**
 * Trial events go to SWEEP_EVENTS with a core publish: the stream stores them, and the trial record in KV
 * (written with CAS) stays the source of truth, so an event lost in a broker crash costs only a progress line.
 */
export function publishEvent(nc: NatsConnection, event: TrialEvent): void {
  nc.publish(eventSubject(event.sweepId, event.trialId), encodeJson(event));
}

/** Replays (from the start) and follows the events of a sweep. */
export async function followEvents(
  nc: NatsConnection,
  sweepId: string,
  onEvent: (e: TrialEvent) => void,
  opts: { fromStart?: boolean; onMalformed?: (err: Error) => void } = {},
): Promise<{ stop: () => Promise<void> }> {
  const js = nc.jetstream();
  const consumer = await js.consumers.get(EVENTS_STREAM, {
    // a string, not an array: nats-server 2.9 has no filter_subjects
    filterSubjects: sweepEventsFilter(sweepId),
    // The ordered consumer starts at sequence 1 (everything) unless told to take only new events.
    ...(opts.fromStart === false ? { deliver_policy: DeliverPolicy.New } : {}),
  });
  const messages = await consumer.consume();
  const loop = (async () => {
    for await (const m of messages) {
      try {
        onEvent(decodeJson<TrialEvent>(m.data, trialEventSchema, `event ${m.subject}`));
      } catch (err) {
        opts.onMalformed?.(err as Error);
      }
    }
  })();
  return {
    stop: async () => {
      messages.stop();
      await loop.catch(() => undefined);
    },
  };
}
