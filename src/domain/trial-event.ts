import { z } from 'zod';
import { epochMetricsSchema } from './metrics.js';
import { TRIAL_STATUSES, trialStatusSchema, type TrialStatus } from './trial-state.js';

const eventBase = { v: z.literal(1), sweepId: z.string(), trialId: z.string(), worker: z.string(), at: z.string() };

/** The statuses a v1 `finished` event may carry: those that existed before PRUNED (what v1 decoders know). */
const V1_FINISHED_STATUSES = TRIAL_STATUSES.filter((s): s is Exclude<TrialStatus, 'PRUNED'> => s !== 'PRUNED');

/**
 * What workers publish on the events stream as a trial runs. Versioned per event: a `finished` event with a status
 * that v1 decoders do not know (PRUNED) is `v: 2`, everything else stays `v: 1`, so an older reader rejects that
 * one line (and keeps the rest of its batch, see transport/events.ts) instead of misreading it.
 */
export const trialEventSchema = z.discriminatedUnion('type', [
  z.object({ ...eventBase, type: z.literal('started'), attempt: z.number(), resumeEpoch: z.number(), queueLatencyMs: z.number().optional() }),
  z.object({ ...eventBase, type: z.literal('epoch'), attempt: z.number().optional(), metrics: epochMetricsSchema, totalEpochs: z.number() }),
  z.discriminatedUnion('v', [
    z.object({ ...eventBase, type: z.literal('finished'), status: z.enum(V1_FINISHED_STATUSES), error: z.string().optional() }),
    z.object({ ...eventBase, v: z.literal(2), type: z.literal('finished'), status: trialStatusSchema, error: z.string().optional() }),
  ]),
]);
export type TrialEvent = z.infer<typeof trialEventSchema>;
export type FinishedEvent = Extract<TrialEvent, { type: 'finished' }>;

/** The version of a `finished` event with this status: 2 for a status v1 decoders do not know. */
export const finishedEventVersion = (status: TrialStatus): 1 | 2 => (status === 'PRUNED' ? 2 : 1);
