import { ashaDecisionRungs, type AshaSchedulerConfig } from '../../domain/scheduler.js';
import { fromScore, percentile, toScore } from './ranking.js';
import { GroupJudge } from './group-judge.js';
import { SeedLedger } from './seed-ledger.js';
import type { GroupDecision, GroupMembership } from './types.js';

/**
 * Asynchronous successive halving over groups (Ray Tune's AsyncHyperBandScheduler, one bracket). A group is
 * judged at a rung once every seed has reported that epoch or ended; its value is the mean over its seeds. The
 * value is recorded at the rung, then: fewer than η values recorded there → CONTINUE; else the cutoff is
 * np.percentile(recorded scores, (1 - 1/η)·100) (scores: higher is better, NaN worst) and the group goes on iff
 * its score ≥ the cutoff (a NaN value always stops). Rules for the awkward cases: docs/schedulers.md.
 */
export class AshaScheduler extends GroupJudge {
  readonly kind = 'asha' as const;
  readonly rungs: readonly number[];
  /** Scores recorded at each rung, in the order groups were judged there. */
  private readonly recorded: number[][];
  /** Per group, the index in `rungs` of the next rung to judge it at. */
  private readonly next = new Map<string, number>();

  constructor(
    private readonly config: AshaSchedulerConfig,
    groups: GroupMembership,
  ) {
    super(new SeedLedger(groups));
    this.rungs = ashaDecisionRungs(config);
    this.recorded = this.rungs.map(() => []);
    for (const group of this.ledger.groups()) this.next.set(group, 0);
  }

  protected dueEpoch(group: string): number | null {
    return this.rungs[this.next.get(group) ?? 0] ?? null;
  }

  protected passed(group: string): void {
    this.next.set(group, (this.next.get(group) ?? 0) + 1);
  }

  protected valueAt(group: string, rung: number): number | undefined {
    return this.ledger.groupValueAt(group, rung);
  }

  protected judge(group: string, rung: number, value: number): GroupDecision {
    const { goal, reduction_factor: eta } = this.config;
    const recorded = this.recorded[this.rungs.indexOf(rung)]!;
    const score = toScore(value, goal);
    recorded.push(score);
    const base = { scheduler: this.kind, group, epoch: rung, value, compared: recorded.length };
    if (recorded.length < eta) return { ...base, decision: 'CONTINUE', cutoff: null };
    const cutoff = percentile(recorded, (1 - 1 / eta) * 100);
    const stop = Number.isNaN(value) || score < cutoff;
    return { ...base, decision: stop ? 'STOP' : 'CONTINUE', cutoff: fromScore(cutoff, goal) };
  }
}
