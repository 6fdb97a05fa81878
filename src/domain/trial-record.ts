import { z } from 'zod';
import { blobRefSchema, checkpointRefSchema } from './blobs.js';
import { epochMetricsSchema, samplePredictionSchema } from './metrics.js';
import { anyOnnxRecordSchema } from './onnx.js';
import { scalarSchema, trialConfigSchema } from './trial-config.js';
import { trialStateFieldsSchema } from './trial-state.js';

/** What a finished run leaves besides its epochs: the final evaluation on the validation split. */
export const trialResultRecordSchema = z.object({
  stopReason: z.string(),
  bestEpoch: z.number(),
  weightsSha256: z.string(),
  backend: z.string(),
  classNames: z.array(z.string()),
  confusionMatrix: z.array(z.array(z.number())),
  /** NaN (a class without validation samples; the sleep trainer) is written as null by JSON. */
  perClassAccuracy: z.array(z.number().nullable()),
  samples: z.array(samplePredictionSchema),
  /** Pixels of the sample images (uint8 NHWC). */
  sampleImages: z
    .object({ shape: z.tuple([z.number(), z.number(), z.number()]), pixels: z.array(z.array(z.number())) })
    .optional(),
});
export type TrialResultRecord = z.infer<typeof trialResultRecordSchema>;

/** A trial's record: the state machine's fields (status, attempt, worker, times, history, jobSeq), and what it trained. */
export const trialRecordSchema = trialStateFieldsSchema.extend({
  v: z.literal(1),
  sweepId: z.string(),
  trialId: z.string(),
  index: z.number(),
  params: z.record(z.string(), scalarSchema),
  seed: z.number(),
  epochs: z.array(epochMetricsSchema),
  /** Newest first; at most KEEP_CHECKPOINTS. */
  checkpoints: z.array(checkpointRefSchema),
  // result, config and onnx were not checked before; records without them read as null.
  result: trialResultRecordSchema.nullable().default(null),
  /** The resolved config, so export and reports need no spec file. */
  config: trialConfigSchema.nullable().default(null),
  /** Final trained weights in the sweep-models store; for a command trial, the model.onnx its program wrote. */
  model: blobRefSchema.nullable(),
  onnx: anyOnnxRecordSchema.nullable().default(null),
});
export type TrialRecord = z.infer<typeof trialRecordSchema>;

/** The record of a trial nobody has claimed yet: QUEUED, attempt 0, nothing trained, no config known. */
export function unstartedTrialRecord(t: { sweepId: string; trialId: string; index: number }): TrialRecord {
  return {
    v: 1, sweepId: t.sweepId, trialId: t.trialId, index: t.index, status: 'QUEUED', params: {}, seed: 0, attempt: 0,
    worker: null, epochs: [], startedAt: null, finishedAt: null, heartbeatAt: null, durationMs: null, error: null,
    history: [], checkpoints: [], result: null, config: null, model: null, onnx: null,
  };
}
