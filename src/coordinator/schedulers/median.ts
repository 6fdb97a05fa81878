import type { MedianSchedulerConfig } from '../../domain/scheduler.js';
import { fromScore, median, toScore } from './ranking.js';
import { GroupJudge } from './group-judge.js';
import { SeedLedger } from './seed-ledger.js';
import type { GroupDecision, GroupMembership } from './types.js';

/**
 * Median stopping over groups (Ray Tune's MedianStoppingRule, adapted): at each epoch e ≥ grace_epochs, when a
 * seed of a group reaches e, the group's running mean over epochs 1..e (mean over the seeds counting there per
 * epoch first) is compared with the median of the running means at e of the OTHER groups that reached e. Fewer
 * than min_groups such other groups → CONTINUE; else it stops iff its running mean is worse than that median (a
 * NaN running mean always stops). A group is judged again at e as each further seed reaches it. Rules for the
 * awkward cases: docs/schedulers.md.
 */
export class MedianStoppingScheduler extends GroupJudge {
  readonly kind = 'median' as const;

  constructor(
    private readonly config: MedianSchedulerConfig,
    groups: GroupMembership,
  ) {
    super(new SeedLedger(groups));
  }

  protected dueEpochs(furthest: number): readonly number[] {
    const first = Math.max(1, this.config.grace_epochs);
    return Array.from({ length: Math.max(0, furthest - first + 1) }, (_, i) => first + i);
  }

  protected valueAt(group: string, epoch: number): number | undefined {
    return this.ledger.runningMean(group, epoch);
  }

  protected judge(group: string, epoch: number, value: number): GroupDecision {
    const { goal, min_groups: minGroups } = this.config;
    const others: number[] = [];
    for (const other of this.ledger.groups()) {
      if (other === group || !this.ledger.isReached(other, epoch)) continue;
      const mean = this.ledger.runningMean(other, epoch);
      if (mean !== undefined) others.push(toScore(mean, goal));
    }
    const base = { scheduler: this.kind, group, epoch, value, compared: others.length };
    if (others.length < minGroups) return { ...base, decision: 'CONTINUE', cutoff: null };
    const cutoff = median(others);
    const stop = Number.isNaN(value) || toScore(value, goal) < cutoff;
    return { ...base, decision: stop ? 'STOP' : 'CONTINUE', cutoff: fromScore(cutoff, goal) };
  }
}
