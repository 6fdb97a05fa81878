import type { SeedLedger } from './seed-ledger.js';
import type { EpochResult, GroupDecision, GroupScheduler, SchedulerKind, TrialEnd } from './types.js';

/**
 * What ASHA and median stopping share: results and ends go into the seed ledger, and a group is judged at each
 * epoch it is due at as soon as its FIRST seed gets there, on the seeds that count there so far, and judged again
 * there each time another of its seeds arrives (or ends), until a STOP, which is final. Judging on arrival is what
 * makes early termination save work when a sweep has fewer workers than seeds: waiting for a group's last seed
 * would let its first seeds train to the end before anything was decided (docs/schedulers.md).
 */
export abstract class GroupJudge implements GroupScheduler {
  abstract readonly kind: SchedulerKind;
  private readonly stopped = new Set<string>();
  /** Per group, per epoch it was judged at: how many seeds that judgement rested on. */
  private readonly judgedWith = new Map<string, Map<number, number>>();

  protected constructor(protected readonly ledger: SeedLedger) {}

  onResult(r: EpochResult): GroupDecision[] {
    if (this.stopped.has(r.group) || !this.ledger.record(r)) return [];
    return this.advance(r.group);
  }

  onTrialEnd(e: TrialEnd): GroupDecision[] {
    if (this.stopped.has(e.group) || !this.ledger.end(e)) return [];
    return this.advance(e.group);
  }

  isStopped(group: string): boolean {
    return this.stopped.has(group);
  }

  /** The epochs `group` is to be judged at, ascending, up to and including `furthest`. */
  protected abstract dueEpochs(furthest: number): readonly number[];
  /** The group's value at `epoch`; undefined when none of its seeds has one. */
  protected abstract valueAt(group: string, epoch: number): number | undefined;
  protected abstract judge(group: string, epoch: number, value: number): GroupDecision;

  private advance(group: string): GroupDecision[] {
    const decisions: GroupDecision[] = [];
    let judged = this.judgedWith.get(group);
    if (!judged) this.judgedWith.set(group, (judged = new Map<number, number>()));
    for (const epoch of this.dueEpochs(this.ledger.furthestReached(group))) {
      const seeds = this.ledger.countingAt(group, epoch);
      if (seeds <= (judged.get(epoch) ?? 0)) continue;
      judged.set(epoch, seeds);
      const value = this.valueAt(group, epoch);
      if (value === undefined) continue;
      const decision = this.judge(group, epoch, value);
      decisions.push(decision);
      if (decision.decision === 'STOP') {
        this.stopped.add(group);
        break;
      }
    }
    return decisions;
  }
}
