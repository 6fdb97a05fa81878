import type { MedianSchedulerConfig } from '../../domain/scheduler.js';
import { fromScore, median, toScore } from './ranking.js';
import { GroupJudge } from './group-judge.js';
import { SeedLedger } from './seed-ledger.js';
import type { GroupDecision, GroupMembership } from './types.js';

/**
 * Median stopping over groups (Ray Tune's MedianStoppingRule, adapted): at each epoch e ≥ grace_epochs, once a
 * group has completed e (every seed reported e or ended), its running mean over epochs 1..e (mean over seeds per
 * epoch first) is compared with the median of the running means at e of the OTHER groups that completed e. Fewer
 * than min_groups such other groups → CONTINUE; else it stops iff its running mean is worse than that median (a
 * NaN running mean always stops). Each group is judged once per epoch. Rules for the awkward cases:
 * docs/schedulers.md.
 */
export class MedianStoppingScheduler extends GroupJudge {
  readonly kind = 'median' as const;
  /** Per group, the next epoch to judge it at. */
  private readonly next = new Map<string, number>();
  /** Running means once read by a decision: frozen from then on, so every later decision sees the same number. */
  private readonly runningMeans = new Map<string, Map<number, number | undefined>>();

  constructor(
    private readonly config: MedianSchedulerConfig,
    groups: GroupMembership,
  ) {
    super(new SeedLedger(groups));
    for (const group of this.ledger.groups()) {
      this.next.set(group, Math.max(1, config.grace_epochs));
      this.runningMeans.set(group, new Map());
    }
  }

  protected dueEpoch(group: string): number | null {
    return this.next.get(group) ?? null;
  }

  protected passed(group: string, epoch: number): void {
    this.next.set(group, epoch + 1);
  }

  protected valueAt(group: string, epoch: number): number | undefined {
    return this.runningMean(group, epoch);
  }

  protected judge(group: string, epoch: number, value: number): GroupDecision {
    const { goal, min_groups: minGroups } = this.config;
    const others: number[] = [];
    for (const other of this.ledger.groups()) {
      if (other === group || !this.ledger.isComplete(other, epoch)) continue;
      const mean = this.runningMean(other, epoch);
      if (mean !== undefined) others.push(toScore(mean, goal));
    }
    const base = { scheduler: this.kind, group, epoch, value, compared: others.length };
    if (others.length < minGroups) return { ...base, decision: 'CONTINUE', cutoff: null };
    const cutoff = median(others);
    const stop = Number.isNaN(value) || toScore(value, goal) < cutoff;
    return { ...base, decision: stop ? 'STOP' : 'CONTINUE', cutoff: fromScore(cutoff, goal) };
  }

  private runningMean(group: string, epoch: number): number | undefined {
    const cache = this.runningMeans.get(group)!;
    if (!cache.has(epoch)) cache.set(epoch, this.ledger.runningMean(group, epoch));
    return cache.get(epoch);
  }
}
