import type { NatsConnection } from 'nats';
import { EVENTS_STREAM, eventSubject, sweepEventsFilter } from './names.js';
import { decodeJson, encodeJson, trialEventSchema, type TrialEvent } from './codecs.js';

/**
 * Trial events go to SWEEP_EVENTS with a core publish: the stream stores them, and the trial record in KV
 * (written with CAS) stays the source of truth, so an event lost in a broker crash costs only a progress line.
 */
export function publishEvent(nc: NatsConnection, event: TrialEvent): void {
  nc.publish(eventSubject(event.sweepId, event.trialId), encodeJson(event));
}

/** Every stored event of a sweep, oldest first (events published while the broker was down are not there). */
export async function readSweepEvents(nc: NatsConnection, sweepId: string, onMalformed?: (err: Error) => void): Promise<TrialEvent[]> {
  const total = (await (await nc.jetstreamManager()).streams.info(EVENTS_STREAM)).state.messages;
  if (total === 0) return [];
  // A string, not an array: nats-server 2.9 has no filter_subjects.
  const consumer = await nc.jetstream().consumers.get(EVENTS_STREAM, { filterSubjects: sweepEventsFilter(sweepId) });
  const events: TrialEvent[] = [];
  // One fetch of up to every message in the stream; it ends early once the filtered ones are drained.
  const iter = await consumer.fetch({ max_messages: total, expires: 2_000 });
  for await (const m of iter) {
    try {
      events.push(decodeJson<TrialEvent>(m.data, trialEventSchema, `event ${m.subject}`));
    } catch (err) {
      onMalformed?.(err as Error);
    }
    if (m.info.pending === 0) break;
  }
  return events;
}
