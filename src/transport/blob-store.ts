import { createHash } from 'node:crypto';
import { NatsError, type NatsConnection, type ObjectStore } from 'nats';
import type { BlobRef } from '../domain/blobs.js';
import { SweepError } from '../domain/errors.js';

/** Stored bytes that fail their digest: reading them again gives the same bytes. */
export class BlobIntegrityError extends SweepError {}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A JetStream object store bucket holding blobs that are verified against their sha256 on every read. */
export class BlobStore {
  private constructor(private readonly os: ObjectStore) {}

  static async open(nc: NatsConnection, bucket: string): Promise<BlobStore> {
    return new BlobStore(await nc.jetstream().views.os(bucket));
  }

  async put(name: string, data: Uint8Array): Promise<BlobRef> {
    const digest = sha256(data);
    await this.os.putBlob({ name, description: `sha256=${digest}` }, data);
    return { name, sha256: digest, bytes: data.byteLength };
  }

  /** The blob's bytes, or null when absent; BlobIntegrityError when its bytes do not hash to `expectedSha256`. */
  async get(name: string, expectedSha256: string): Promise<Uint8Array | null> {
    let data: Uint8Array | null;
    try {
      data = await this.os.getBlob(name);
    } catch (e) {
      // A broker failure (timeout, disconnect) is not a verdict on the bytes.
      if (e instanceof NatsError) throw e;
      // The object store verifies its own digest and throws on mismatch: treat as corrupt, not absent.
      throw new BlobIntegrityError(`${name}: ${(e as Error).message}`, { cause: e });
    }
    if (data === null) return null;
    const got = sha256(data);
    if (got !== expectedSha256) throw new BlobIntegrityError(`${name}: sha256 ${got.slice(0, 12)}… does not match the recorded ${expectedSha256.slice(0, 12)}…`);
    return data;
  }

  async delete(name: string): Promise<void> {
    try {
      await this.os.delete(name);
    } catch {
      // already gone
    }
  }
}
