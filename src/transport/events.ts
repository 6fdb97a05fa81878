import type { NatsConnection } from 'nats';
import type { z } from 'zod';
import { EVENTS_STREAM, eventBatchSubject, sweepEventsFilter } from './names.js';
import { decodeJson, encodeJson } from './codecs.js';
import { trialEventSchema, type TrialEvent } from '../domain/trial-event.js';

const NEWLINE = 0x0a;
/** Well under nats-server's default 1 MB max_payload. */
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Trial events go to SWEEP_EVENTS with core publishes, batched per sweep: one message carries every event a
 * worker produced in one turn of its event loop, as newline-separated JSON. With hundreds of short trials per
 * worker, a stored message per event cost the broker more than the trials themselves. Flushing at the end of the
 * turn, not on a timer, keeps an epoch's event from waiting behind the next epoch's (synchronous) training.
 * The trial record in KV (written with CAS) stays the source of truth, and the scheduler decides on records, not
 * on events: an event lost in a crash costs only a progress line.
 */
export class EventPublisher {
  private readonly pending = new Map<string, { parts: Uint8Array[]; bytes: number }>();
  private scheduled: NodeJS.Immediate | null = null;

  constructor(private readonly nc: NatsConnection) {}

  publish(event: TrialEvent): void {
    const bytes = encodeJson(event);
    const size = bytes.byteLength + 1;
    if ((this.pending.get(event.sweepId)?.bytes ?? 0) + size > MAX_BATCH_BYTES) this.flushSweep(event.sweepId);
    let batch = this.pending.get(event.sweepId);
    if (!batch) this.pending.set(event.sweepId, (batch = { parts: [], bytes: 0 }));
    batch.parts.push(bytes);
    batch.bytes += size;
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Publishes everything buffered (call before closing the connection). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    for (const sweepId of [...this.pending.keys()]) this.flushSweep(sweepId);
  }

  private flushSweep(sweepId: string): void {
    const batch = this.pending.get(sweepId);
    this.pending.delete(sweepId);
    if (!batch || batch.parts.length === 0) return;
    const out = new Uint8Array(batch.bytes);
    let at = 0;
    for (const part of batch.parts) {
      out.set(part, at);
      at += part.byteLength;
      out[at++] = NEWLINE;
    }
    this.nc.publish(eventBatchSubject(sweepId), out);
  }
}

/** Splits one stored events message (one or more newline-separated events) into validated events. */
export function decodeEventBatch(data: Uint8Array, where: string, onMalformed?: (err: Error) => void): TrialEvent[] {
  return decodeJsonLines(data, trialEventSchema, where, onMalformed);
}

/**
 * Newline-separated JSON, each line validated on its own: a line `schema` rejects (malformed, or an event of a
 * version this reader does not know) goes to onMalformed, and the other lines of the batch are kept.
 */
export function decodeJsonLines<S extends z.ZodType>(data: Uint8Array, schema: S, where: string, onMalformed?: (err: Error) => void): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== NEWLINE) continue;
    if (i > start) {
      try {
        out.push(decodeJson(data.subarray(start, i), schema, where));
      } catch (err) {
        onMalformed?.(err as Error);
      }
    }
    start = i + 1;
  }
  return out;
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
    events.push(...decodeEventBatch(m.data, `events ${m.subject} #${m.seq}`, onMalformed));
    if (m.info.pending === 0) break;
  }
  return events;
}
