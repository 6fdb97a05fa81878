import type { JobMessage } from '../domain/job.js';
import { unstartedTrialRecord, type TrialRecord, type TrialResultRecord } from '../domain/trial-record.js';
import type { Dataset } from '../training/datasets/types.js';
import type { TrainResult } from '../training/types.js';

/**
 * The record a job's trial starts from: the stored one, or a blank QUEUED one when none exists yet, with the
 * job's config (the trial ID hashes it, so they agree). Status changes go through src/domain/trial-state.ts.
 */
export function recordForJob(cur: TrialRecord | null, job: JobMessage): TrialRecord {
  return {
    ...(cur ?? unstartedTrialRecord(job)),
    sweepId: job.sweepId,
    trialId: job.trialId,
    index: job.index,
    params: job.config.params,
    seed: job.config.seed,
    config: job.config,
  };
}

export function resultRecord(result: TrainResult, dataset: Dataset): TrialResultRecord {
  const [h, w, c] = dataset.shape;
  const size = h * w * c;
  return {
    stopReason: result.stopReason,
    bestEpoch: result.bestEpoch,
    weightsSha256: result.weightsSha256,
    backend: result.backend,
    classNames: dataset.classNames,
    confusionMatrix: result.confusionMatrix,
    perClassAccuracy: result.perClassAccuracy,
    samples: result.samples,
    ...(result.samples.length > 0 && size > 0
      ? {
          sampleImages: {
            shape: dataset.shape,
            pixels: result.samples.map((s) => Array.from(dataset.validation.images.subarray(s.index * size, (s.index + 1) * size))),
          },
        }
      : {}),
  };
}
