import { z } from 'zod';
import { objectiveSchema } from './trial-config.js';
import { schedulerConfigSchema } from './scheduler.js';

export const SWEEP_STATUSES = ['RUNNING', 'COMPLETED', 'CANCELLED'] as const;
export const sweepStatusSchema = z.enum(SWEEP_STATUSES);
export type SweepStatus = z.infer<typeof sweepStatusSchema>;

export const sweepRecordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  name: z.string(),
  specHash: z.string(),
  specFile: z.string(),
  /** The validated spec, so a relaunch with a changed spec can be shown what changed. */
  spec: z.unknown().optional(),
  objective: objectiveSchema,
  export: z.object({ top: z.number(), format: z.literal('onnx') }).nullable(),
  /** The resolved early-termination scheduler (null: none), so `attach` can schedule without the spec file; absent in older records (none). */
  scheduler: schedulerConfigSchema.nullable().optional(),
  /** How the trials differ from the spec as written (a profile's note, overrides); null or absent: they do not. */
  profileNote: z.string().nullable().optional(),
  /** The model module's bundle its trials run (stored as `modules/<sha256>.mjs`); null: none; absent in older records. */
  moduleBundle: z.object({ file: z.string(), sha256: z.string() }).nullable().optional(),
  trialCount: z.number(),
  status: sweepStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Canonical resolved trial list (id + swept params), for `leaderboard` and `status` without the spec file. */
  trials: z.array(z.object({ id: z.string(), index: z.number(), /** configGroup of its params (absent in records of older versions). */ group: z.string().optional() })).nullable(),
});
export type SweepRecord = z.infer<typeof sweepRecordSchema>;
