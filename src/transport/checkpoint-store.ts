import type { NatsConnection } from 'nats';
import { CHECKPOINTS_BUCKET } from './names.js';
import { BlobIntegrityError, BlobStore } from './blob-store.js';
import type { CheckpointRef } from '../domain/blobs.js';

/** Carries the attempt, so no other attempt (a zombie whose lease lapsed) can overwrite or delete it by name. */
export const checkpointName = (sweepId: string, trialId: string, attempt: number, epoch: number) => `${sweepId}/${trialId}/a${attempt}/epoch-${epoch}`;

/** How many checkpoints of a trial are kept: the newest, and one to fall back to if it is corrupt. */
export const KEEP_CHECKPOINTS = 2;

/** Per-epoch training state in the `sweep-checkpoints` object store. */
export class CheckpointStore {
  private constructor(private readonly blobs: BlobStore) {}

  static async open(nc: NatsConnection): Promise<CheckpointStore> {
    return new CheckpointStore(await BlobStore.open(nc, CHECKPOINTS_BUCKET));
  }

  /**
   * Writes epoch `epoch`; returns the refs to keep (newest first) and those to drop. The caller deletes the dropped
   * ones only after the trial record stops referring to them, so a crash in between never leaves the record
   * pointing at a deleted fallback.
   */
  async save(
    sweepId: string,
    trialId: string,
    attempt: number,
    epoch: number,
    bytes: Uint8Array,
    previous: CheckpointRef[],
  ): Promise<{ keep: CheckpointRef[]; drop: CheckpointRef[] }> {
    const ref: CheckpointRef = { ...(await this.blobs.put(checkpointName(sweepId, trialId, attempt, epoch), bytes)), epoch };
    const all = [ref, ...previous.filter((p) => p.name !== ref.name)].sort((a, b) => b.epoch - a.epoch);
    return { keep: all.slice(0, KEEP_CHECKPOINTS), drop: all.slice(KEEP_CHECKPOINTS) };
  }

  /**
   * The newest checkpoint whose bytes verify, trying each ref newest first; `onSkip` hears why one was passed
   * over. Null when none is usable (the trial then starts from scratch). A broker error is thrown.
   */
  async loadNewestValid(
    refs: CheckpointRef[],
    onSkip: (ref: CheckpointRef, reason: string) => void,
  ): Promise<{ ref: CheckpointRef; bytes: Uint8Array } | null> {
    for (const ref of [...refs].sort((a, b) => b.epoch - a.epoch)) {
      try {
        const bytes = await this.blobs.get(ref.name, ref.sha256);
        if (bytes) return { ref, bytes };
        onSkip(ref, 'missing from the object store');
      } catch (e) {
        // Only bad bytes disqualify a checkpoint. A broker failure (timeout, refusal) says nothing about them, and
        // skipping on it would start the trial over and drop its checkpoints for good: the attempt fails instead,
        // and the job is retried.
        if (!(e instanceof BlobIntegrityError)) throw e;
        onSkip(ref, e.message);
      }
    }
    return null;
  }

  async deleteAll(refs: CheckpointRef[]): Promise<void> {
    for (const r of refs) await this.blobs.delete(r.name);
  }
}
