import { DeliverPolicy, type JetStreamManager, type NatsConnection } from 'nats';
import { z } from 'zod';
import { objectStream } from './names.js';

/**
 * What an object-store bucket holds, read from its stream rather than through nats.js's object API, so that the
 * collector sees what that API hides: deleted objects' metadata (tombstones, one per name ever deleted) and chunks
 * that no metadata names (a put cut short before its metadata was written, or a delete whose chunk purge was
 * refused or interrupted).
 */

/** The current metadata message of one object name (the stream keeps one per name: each write is a rollup). */
export interface StoredObject {
  bucket: string;
  name: string;
  nuid: string;
  bytes: number;
  deleted: boolean;
  /** Stream sequence and time of the metadata message. */
  metaSeq: number;
  storedAt: number;
  metaSubject: string;
}

/** The chunks stored under one nuid. */
export interface ChunkSet {
  bucket: string;
  nuid: string;
  subject: string;
  messages: number;
}

export interface BucketInventory {
  bucket: string;
  objects: StoredObject[];
  chunkSets: ChunkSet[];
}

/** The fields of nats.js's object metadata that the collector reads (it writes more). */
const metaSchema = z.object({ name: z.string(), nuid: z.string(), size: z.number().optional(), deleted: z.boolean().optional() });

const metaFilter = (bucket: string) => `$O.${bucket}.M.>`;
const chunkPrefix = (bucket: string) => `$O.${bucket}.C.`;

/** Every object name's metadata and every chunk subject of `bucket`. Unparseable metadata is skipped (and kept). */
export async function readBucketInventory(nc: NatsConnection, bucket: string): Promise<BucketInventory> {
  const jsm = await nc.jetstreamManager();
  const stream = objectStream(bucket);
  const info = await jsm.streams.info(stream, { subjects_filter: `$O.${bucket}.>` });
  const subjects = Object.entries(info.state.subjects ?? {});
  const prefix = chunkPrefix(bucket);
  const chunkSets = subjects
    .filter(([s, n]) => s.startsWith(prefix) && n > 0)
    .map(([subject, messages]) => ({ bucket, nuid: subject.slice(prefix.length), subject, messages }));
  const metaCount = subjects.filter(([s]) => s.startsWith(`$O.${bucket}.M.`)).length;
  const objects: StoredObject[] = [];
  if (metaCount > 0) {
    // nats-server 2.9 has no filter_subjects: one filter string, the last message of each metadata subject.
    const consumer = await nc.jetstream().consumers.get(stream, { filterSubjects: metaFilter(bucket), deliver_policy: DeliverPolicy.LastPerSubject });
    const iter = await consumer.fetch({ max_messages: metaCount, expires: 5_000 });
    for await (const m of iter) {
      const meta = metaSchema.safeParse(safeJson(m.data));
      if (meta.success) {
        objects.push({
          bucket,
          name: meta.data.name,
          nuid: meta.data.nuid,
          bytes: meta.data.size ?? 0,
          deleted: meta.data.deleted === true,
          metaSeq: m.seq,
          storedAt: Math.floor(m.info.timestampNanos / 1e6),
          metaSubject: m.subject,
        });
      }
      if (m.info.pending === 0) break;
    }
  }
  return { bucket, objects, chunkSets };
}

/**
 * Removes an object without a trace: its metadata first (only up to the message read, so a newer write of the same
 * name stays), then its chunks. nats.js's own delete leaves a tombstone per name instead, which only grows. A crash
 * in between leaves chunks that no metadata names, which the next collection removes.
 */
export async function removeObject(jsm: JetStreamManager, o: Pick<StoredObject, 'bucket' | 'metaSubject' | 'metaSeq' | 'nuid'>): Promise<void> {
  await jsm.streams.purge(objectStream(o.bucket), { filter: o.metaSubject, seq: o.metaSeq + 1 });
  await removeChunks(jsm, o.bucket, o.nuid);
}

/** The subject of an object name's metadata, as nats.js names it (base64url with padding). */
export function metaSubjectOf(bucket: string, name: string): string {
  return `$O.${bucket}.M.${Buffer.from(name, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`;
}

/** Removes a tombstone: the metadata message of a deleted object, only up to the one read. */
export async function removeTombstone(jsm: JetStreamManager, o: StoredObject): Promise<void> {
  await jsm.streams.purge(objectStream(o.bucket), { filter: o.metaSubject, seq: o.metaSeq + 1 });
}

/** Removes the chunks of a nuid that no metadata names. */
export async function removeChunkSet(jsm: JetStreamManager, c: ChunkSet): Promise<void> {
  await removeChunks(jsm, c.bucket, c.nuid);
}

/** The time of the newest chunk under a nuid (ms), or null when none is left. */
export async function newestChunkAt(nc: NatsConnection, c: ChunkSet): Promise<number | null> {
  const jsm = await nc.jetstreamManager();
  const m = await jsm.streams.getMessage(objectStream(c.bucket), { last_by_subj: c.subject }).catch(() => null);
  return m ? m.time.getTime() : null;
}

/**
 * Checks that this user may purge each of `streams`, changing nothing: a purge of a subject that holds no message.
 * The broker refuses it with a permissions violation (thrown) to a user without the right.
 */
export async function assertMayPurge(nc: NatsConnection, streams: readonly string[], nothingSubject: (stream: string) => string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const s of streams) await jsm.streams.purge(s, { filter: nothingSubject(s) });
}

async function removeChunks(jsm: JetStreamManager, bucket: string, nuid: string): Promise<void> {
  await jsm.streams.purge(objectStream(bucket), { filter: `${chunkPrefix(bucket)}${nuid}` });
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return null;
  }
}
