import { z } from 'zod';
import { trialConfigSchema } from './trial-config.js';

/** One trial to run, as the coordinator publishes it on the job queue. */
export const jobMessageSchema = z.object({
  v: z.literal(1),
  sweepId: z.string().min(1),
  trialId: z.string().min(1),
  index: z.number().int().nonnegative(),
  maxDeliver: z.number().int().positive(),
  /** Save the training state every N epochs (0 = never); default 1. */
  checkpointEvery: z.number().int().nonnegative().optional(),
  /** Epoch ms when the coordinator published it (queue-latency metrics). */
  publishedAt: z.number().optional(),
  /** No record of this trial existed when it was published: its first delivery may defer the claim. */
  fresh: z.boolean().optional(),
  /**
   * The sweep has a scheduler (early termination): the worker reads this trial's PruneDecision at each epoch
   * boundary. Absent (false): it never does, so unscheduled sweeps pay no KV read per epoch.
   */
  scheduled: z.boolean().optional(),
  config: trialConfigSchema,
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** What names a job's trial: enough to record why a job this worker cannot read failed. */
export const jobEnvelopeSchema = jobMessageSchema.pick({ v: true, sweepId: true, trialId: true, index: true });
export type JobEnvelope = z.infer<typeof jobEnvelopeSchema>;
