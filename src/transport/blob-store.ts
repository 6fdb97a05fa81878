import { createHash } from 'node:crypto';
import { NatsError, type JetStreamManager, type NatsConnection, type ObjectStore } from 'nats';
import type { BlobRef } from '../domain/blobs.js';
import { SweepError } from '../domain/errors.js';
import { objectStream } from './names.js';
import { secondsSetting } from '../domain/settings.js';
import { metaSubjectOf, removeObject } from './object-inventory.js';

/** Stored bytes that fail their digest, or whose chunks are gone: reading them again gives the same. */
export class BlobIntegrityError extends SweepError {}

/** A read that received nothing for the stall limit: the broker may answer next time (retryable). */
export class BlobReadStalledError extends SweepError {
  override readonly retryable = true;
}

/** No chunk for this long ends a read (SWEEP_BLOB_READ_STALL_S, default 30 s): it measures progress, not size. */
export function blobReadStallMs(env: NodeJS.ProcessEnv = process.env): number {
  return secondsSetting('SWEEP_BLOB_READ_STALL_S', 30, env);
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A JetStream object store bucket holding blobs that are verified against their sha256 on every read. */
export class BlobStore {
  private constructor(
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
    private readonly stallMs: number,
  ) {}

  static async open(nc: NatsConnection, bucket: string): Promise<BlobStore> {
    return new BlobStore(await nc.jetstream().views.os(bucket), await nc.jetstreamManager(), bucket, blobReadStallMs());
  }

  async put(name: string, data: Uint8Array): Promise<BlobRef> {
    const digest = sha256(data);
    await this.os.putBlob({ name, description: `sha256=${digest}` }, data);
    return { name, sha256: digest, bytes: data.byteLength };
  }

  /**
   * The blob's bytes, or null when absent; BlobIntegrityError when its bytes do not hash to `expectedSha256` or its
   * chunks are not all in the store (a delete or put cut short by a broker failover can leave its metadata without
   * them: nats.js would then wait for them forever); BlobReadStalledError when no chunk came for the stall limit.
   */
  async get(name: string, expectedSha256: string): Promise<Uint8Array | null> {
    let data: Uint8Array | null;
    try {
      const info = await this.os.info(name);
      if (info === null || info.deleted) return null;
      if (info.size > 0) await this.assertChunksStored(name, info.nuid, info.chunks);
      data = await this.read(name);
    } catch (e) {
      // A broker failure (timeout, disconnect, a stalled read) is not a verdict on the bytes.
      if (e instanceof NatsError || e instanceof SweepError) throw e;
      // The object store verifies its own digest and throws on mismatch: treat as corrupt, not absent.
      throw new BlobIntegrityError(`${name}: ${(e as Error).message}`, { cause: e });
    }
    if (data === null) return null;
    const got = sha256(data);
    if (got !== expectedSha256) throw new BlobIntegrityError(`${name}: sha256 ${got.slice(0, 12)}… does not match the recorded ${expectedSha256.slice(0, 12)}…`);
    return data;
  }

  private async assertChunksStored(name: string, nuid: string, chunks: number): Promise<void> {
    const subject = `$O.${this.bucket}.C.${nuid}`;
    const stored = (await this.jsm.streams.info(objectStream(this.bucket), { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    if (stored < chunks) throw new BlobIntegrityError(`${name}: ${stored} of its ${chunks} chunks are in the store`);
  }

  /** Reads the object's chunks, giving up (and unsubscribing) when none comes for the stall limit. */
  private async read(name: string): Promise<Uint8Array | null> {
    const r = await this.os.get(name);
    if (r === null) return null;
    const reader = r.data.getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(() => resolve('stalled'), this.stallMs)));
      const next = await Promise.race([reader.read(), stalled]).finally(() => clearTimeout(timer));
      if (next === 'stalled') {
        await reader.cancel().catch(() => undefined);
        throw new BlobReadStalledError(`${name}: no data from the object store for ${Math.round(this.stallMs / 1000)} s`);
      }
      if (next.done) break;
      if (next.value.length > 0) parts.push(next.value);
    }
    const error = await r.error;
    if (error) throw error;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Removes the object, leaving no tombstone (see removeObject). A user who may not purge this bucket (a worker, on
   * models) falls back to nats.js's delete, which hides the object and leaves its chunks to `sweep gc`.
   */
  async delete(name: string): Promise<void> {
    try {
      const info = await this.os.info(name);
      if (info === null || info.deleted) return;
      try {
        await removeObject(this.jsm, { bucket: this.bucket, metaSubject: metaSubjectOf(this.bucket, name), metaSeq: info.revision, nuid: info.nuid });
      } catch {
        await this.os.delete(name);
      }
    } catch {
      // already gone, or the broker is unavailable: what is left is collected later
    }
  }
}
