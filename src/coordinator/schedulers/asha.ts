import { ashaDecisionRungs, type AshaSchedulerConfig } from '../../domain/scheduler.js';
import { fromScore, percentile, toScore } from './ranking.js';
import { GroupJudge } from './group-judge.js';
import { SeedLedger } from './seed-ledger.js';
import type { GroupDecision, GroupMembership } from './types.js';

/**
 * Asynchronous successive halving over groups (Ray Tune's AsyncHyperBandScheduler, one bracket). A group is
 * judged at a rung when its first seed reaches it, and again as each further seed does; its value is the mean over
 * the seeds there so far. The value is recorded at the rung (replacing the group's earlier value there), then:
 * fewer than η groups recorded there → CONTINUE; else the cutoff is
 * np.percentile(recorded scores, (1 - 1/η)·100) (scores: higher is better, NaN worst) and the group goes on iff
 * its score ≥ the cutoff (a NaN value always stops). Rules for the awkward cases: docs/schedulers.md.
 */
export class AshaScheduler extends GroupJudge {
  readonly kind = 'asha' as const;
  readonly rungs: readonly number[];
  /** Per rung, each group's latest score there (insertion order: the order groups first reached it). */
  private readonly recorded: Map<string, number>[];

  constructor(
    private readonly config: AshaSchedulerConfig,
    groups: GroupMembership,
  ) {
    super(new SeedLedger(groups));
    this.rungs = ashaDecisionRungs(config);
    this.recorded = this.rungs.map(() => new Map<string, number>());
  }

  protected dueEpochs(furthest: number): readonly number[] {
    return this.rungs.filter((rung) => rung <= furthest);
  }

  protected valueAt(group: string, rung: number): number | undefined {
    return this.ledger.groupValueAt(group, rung);
  }

  protected judge(group: string, rung: number, value: number): GroupDecision {
    const { goal, reduction_factor: eta } = this.config;
    const recorded = this.recorded[this.rungs.indexOf(rung)]!;
    const score = toScore(value, goal);
    recorded.set(group, score);
    const base = { scheduler: this.kind, group, epoch: rung, value, compared: recorded.size };
    if (recorded.size < eta) return { ...base, decision: 'CONTINUE', cutoff: null };
    const cutoff = percentile([...recorded.values()], (1 - 1 / eta) * 100);
    const stop = Number.isNaN(value) || score < cutoff;
    return { ...base, decision: stop ? 'STOP' : 'CONTINUE', cutoff: fromScore(cutoff, goal) };
  }
}
