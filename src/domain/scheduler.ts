import { z } from 'zod';
import { anyMetricNameSchema, goalSchema } from './trial-config.js';

/**
 * Early termination, as a resolved spec's `scheduler` block (defaults filled in) and as the coordinator's
 * decisions. The coordinator decides per configuration group (all seeds of one configuration) and never writes
 * a trial's status: it writes a PruneDecision per trial, and the trial's owning worker applies it at its next
 * epoch boundary through the state machine's `prune`.
 */

/** Asynchronous successive halving: rungs at grace_epochs × reduction_factor^k, up to max_epochs. */
export const ashaSchedulerSchema = z.object({
  type: z.literal('asha'),
  metric: anyMetricNameSchema,
  goal: goalSchema,
  grace_epochs: z.number().int().positive(),
  reduction_factor: z.number().int().min(2),
  max_epochs: z.number().int().positive(),
});

/**
 * The epochs at which ASHA judges groups: grace_epochs × reduction_factor^k for k = 0, 1, … while < max_epochs.
 * A rung AT max_epochs is left out: a group that got there has nothing left to save.
 */
export function ashaDecisionRungs(config: Pick<z.infer<typeof ashaSchedulerSchema>, 'grace_epochs' | 'reduction_factor' | 'max_epochs'>): number[] {
  const { grace_epochs: grace, reduction_factor: eta, max_epochs: max } = config;
  if (!(grace >= 1) || !(eta >= 2) || !Number.isFinite(max)) return [];
  const rungs: number[] = [];
  for (let epoch = grace; epoch < max; epoch *= eta) rungs.push(epoch);
  return rungs;
}

/** Median stopping: a group stops when its running mean is worse than the median of the other groups' at that epoch. */
export const medianSchedulerSchema = z.object({
  type: z.literal('median'),
  metric: anyMetricNameSchema,
  goal: goalSchema,
  grace_epochs: z.number().int().positive(),
  min_groups: z.number().int().positive(),
});

export const schedulerConfigSchema = z.discriminatedUnion('type', [ashaSchedulerSchema, medianSchedulerSchema]);
export type AshaSchedulerConfig = z.infer<typeof ashaSchedulerSchema>;
export type MedianSchedulerConfig = z.infer<typeof medianSchedulerSchema>;
/** null (the spec's `none`, the default): every trial runs to its end. */
export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

/** The coordinator's decision to stop one trial, stored in KV `sweep-decisions` under `<sweepId>.<trialId>`. */
export const pruneDecisionSchema = z.object({
  v: z.literal(1),
  sweepId: z.string(),
  trialId: z.string(),
  /** The configuration group the decision was made for (all its seeds get one). */
  group: z.string(),
  scheduler: z.enum(['asha', 'median']),
  /** The epoch (rung) at which the group was judged; the worker stops at its first epoch boundary ≥ this. */
  epoch: z.number().int().positive(),
  /** The group's value at that epoch (mean over its seeds) and the cutoff it failed; null where not finite (JSON has no NaN). */
  value: z.number().nullable(),
  cutoff: z.number().nullable(),
  at: z.string(),
});
export type PruneDecision = z.infer<typeof pruneDecisionSchema>;
