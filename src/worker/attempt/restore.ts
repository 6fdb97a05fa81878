import type { Logger } from '../../log.js';
import type { CheckpointRef } from '../../domain/blobs.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { CheckpointStore } from '../../transport/checkpoint-store.js';
import type { AttemptLease } from './lease.js';

export interface Restored {
  /** The training state to resume from, or null to train from scratch. */
  resumeFrom: Uint8Array | null;
  resumeEpoch: number;
  /** The checkpoints the record keeps (none newer than the one resumed from). */
  checkpoints: CheckpointRef[];
  /** The recorded epochs up to resumeEpoch. */
  epochs: EpochMetrics[];
}

/**
 * Resumes from the newest checkpoint that verifies (or from scratch) and, for an attempt that has epochs or
 * checkpoints to trim, says so in the record (fenced), then deletes the checkpoints it passed over. `claimed` are the checkpoints the record held at the claim.
 */
export async function restore(lease: AttemptLease, claimed: CheckpointRef[], store: CheckpointStore, log: Logger): Promise<Restored> {
  const { resumeFrom, resumeEpoch, checkpoints } = await newestValid(claimed, store, log);
  const record = lease.current;
  const epochs = record.epochs.filter((e) => e.epoch <= resumeEpoch);
  // A fresh trial's claim already says all this: only a resumed attempt has epochs and checkpoints to trim.
  if (resumeEpoch > 0 || record.epochs.length > 0 || checkpoints !== record.checkpoints) {
    await lease.write({ type: 'resume', owner: lease.owner, resumeEpoch, epochs: [...epochs], checkpoints });
    // The record no longer names the checkpoints passed over (corrupt, or newer than a corrupt one): delete them.
    await store.deleteAll(claimed.filter((c) => !checkpoints.some((k) => k.name === c.name)));
  }
  return { resumeFrom, resumeEpoch, checkpoints, epochs };
}

/** The newest checkpoint that verifies, or a start from scratch; `checkpoints` comes back as it was when there are none. */
async function newestValid(
  checkpoints: CheckpointRef[],
  store: CheckpointStore,
  log: Logger,
): Promise<{ resumeFrom: Uint8Array | null; resumeEpoch: number; checkpoints: CheckpointRef[] }> {
  if (checkpoints.length === 0) return { resumeFrom: null, resumeEpoch: 0, checkpoints };
  const restored = await store.loadNewestValid(checkpoints, (ref, reason) =>
    log.warn({ checkpoint: ref.name, reason }, 'checkpoint unusable: trying the one before it'),
  );
  if (!restored) {
    log.warn('no usable checkpoint: training from scratch');
    return { resumeFrom: null, resumeEpoch: 0, checkpoints: [] };
  }
  return { resumeFrom: restored.bytes, resumeEpoch: restored.ref.epoch, checkpoints: checkpoints.filter((c) => c.epoch <= restored.ref.epoch) };
}
