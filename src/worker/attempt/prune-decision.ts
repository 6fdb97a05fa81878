import { coerceError } from '../../log.js';
import type { JobMessage } from '../../domain/job.js';
import type { PruneDecision } from '../../domain/scheduler.js';
import type { RunnerContext } from './context.js';

/**
 * This trial's PruneDecision when it applies at `epoch` (the epoch boundary the attempt is at): one KV get, made
 * only for jobs of a sweep with a scheduler, so unscheduled sweeps (0 ms dispatch benchmarks) pay no round trip
 * per epoch. A decision for a later epoch does not apply yet. A read that fails (broker trouble, a value this
 * worker cannot decode) is logged and training goes on: the next boundary reads again.
 */
export async function pruneDecisionAt(job: JobMessage, epoch: number, ctx: Pick<RunnerContext, 'decisions' | 'log'>): Promise<PruneDecision | null> {
  if (job.scheduled !== true) return null;
  try {
    const decision = await ctx.decisions.get(job.sweepId, job.trialId);
    return decision && decision.epoch <= epoch ? decision : null;
  } catch (e) {
    ctx.log.warn({ sweepId: job.sweepId, trialId: job.trialId, epoch, err: coerceError(e).message }, 'prune decision not read: training goes on');
    return null;
  }
}
