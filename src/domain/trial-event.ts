import { z } from 'zod';
import { epochMetricsSchema } from './metrics.js';
import { trialStatusSchema } from './trial-state.js';

const eventBase = { v: z.literal(1), sweepId: z.string(), trialId: z.string(), worker: z.string(), at: z.string() };

/** What workers publish on the events stream as a trial runs. */
export const trialEventSchema = z.discriminatedUnion('type', [
  z.object({ ...eventBase, type: z.literal('started'), attempt: z.number(), resumeEpoch: z.number(), queueLatencyMs: z.number().optional() }),
  z.object({ ...eventBase, type: z.literal('epoch'), attempt: z.number().optional(), metrics: epochMetricsSchema, totalEpochs: z.number() }),
  z.object({ ...eventBase, type: z.literal('finished'), status: trialStatusSchema, error: z.string().optional() }),
]);
export type TrialEvent = z.infer<typeof trialEventSchema>;
