import type { SeedLedger } from './seed-ledger.js';
import type { EpochResult, GroupDecision, GroupScheduler, SchedulerKind, TrialEnd } from './types.js';

/**
 * What ASHA and median stopping share: results and ends go into the seed ledger, and a group is judged at each
 * epoch it is due at, in order, once all its seeds got there (or ended), until a STOP, which is final.
 */
export abstract class GroupJudge implements GroupScheduler {
  abstract readonly kind: SchedulerKind;
  private readonly stopped = new Set<string>();

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

  /** The next epoch `group` is to be judged at, or null when it has none left. */
  protected abstract dueEpoch(group: string): number | null;
  /** `group` was taken at `epoch` (judged, or skipped for want of a value): move it on to its next due epoch. */
  protected abstract passed(group: string, epoch: number): void;
  /** The group's value at `epoch`; undefined when none of its seeds has one. */
  protected abstract valueAt(group: string, epoch: number): number | undefined;
  protected abstract judge(group: string, epoch: number, value: number): GroupDecision;

  private advance(group: string): GroupDecision[] {
    const decisions: GroupDecision[] = [];
    for (let epoch = this.dueEpoch(group); epoch !== null && this.ledger.isComplete(group, epoch); epoch = this.dueEpoch(group)) {
      this.passed(group, epoch);
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
