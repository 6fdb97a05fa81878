import { coerceError } from '../../log.js';
import type { JobMessage } from '../../domain/job.js';
import type { PruneDecision } from '../../domain/scheduler.js';
import type { RunnerContext } from './context.js';

/**
 * This trial's PruneDecision, read at an epoch boundary (`epoch`; 0 before the first): one KV get, made only for
 * jobs of a sweep with a scheduler, so unscheduled sweeps (0 ms dispatch benchmarks) pay no round trip per epoch.
 * A decision applies at once, even to a seed that has not reached the decision's epoch yet (a later seed of a
 * group stopped on its first seeds, or a requeued one): its group is stopped, so training it further saves
 * nothing. A read that fails (broker trouble, a value this worker cannot decode) is logged and training goes on:
 * the next boundary reads again.
 */
export async function pruneDecisionAt(job: JobMessage, epoch: number, ctx: Pick<RunnerContext, 'decisions' | 'log'>): Promise<PruneDecision | null> {
  if (job.scheduled !== true) return null;
  try {
    return await ctx.decisions.get(job.sweepId, job.trialId);
  } catch (e) {
    ctx.log.warn({ sweepId: job.sweepId, trialId: job.trialId, epoch, err: coerceError(e).message }, 'prune decision not read: training goes on');
    return null;
  }
}
