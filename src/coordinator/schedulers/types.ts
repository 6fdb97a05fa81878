/**
 * The inputs and outputs of the pure early-termination schedulers (docs/schedulers.md). A scheduler judges
 * configuration GROUPS (all seeds of one configuration go on or stop together), never single trials: a group's
 * value at an epoch is the mean over its seeds' values at that epoch.
 *
 * Pure and deterministic: no I/O, no clock, no randomness. The coordinator feeds the epochs it reads off the trial
 * records (coordinator/record-feed.ts); the same inputs in the same order give the same decisions.
 */

/** Which trials form each group (the sweep's trial list): group key → its trials' IDs (seeds). */
export type GroupMembership = ReadonlyMap<string, readonly string[]>;

/** One trial's scheduler metric at one epoch (from its trial record). */
export interface EpochResult {
  trialId: string;
  /** The trial's group; must agree with the membership given at construction (a result that does not is ignored). */
  group: string;
  /** 1-based epoch the value was measured after. */
  epoch: number;
  /** The attempt that trained the epoch (the trial record's fencing token). */
  attempt: number;
  /** The scheduler's metric at that epoch. NaN (a diverged run, or the metric missing) ranks worst. */
  value: number;
}

/**
 * A trial that stopped training for good (completed, stopped, pruned, failed, given up): it will report no later
 * epochs, so it no longer holds its group back, and its last value counts at every later epoch.
 */
export interface TrialEnd {
  trialId: string;
  group: string;
  /** The last epoch it trained (0: none). */
  lastEpoch: number;
  /** The metric at `lastEpoch`; null when it trained no epoch or the metric is unknown. */
  lastValue: number | null;
  /**
   * The attempt that ended (optional). A later result from a higher attempt (a retried trial) reopens the trial.
   * Left out: the highest attempt seen for the trial so far.
   */
  attempt?: number;
}

export type SchedulerKind = 'asha' | 'median';
export type Verdict = 'CONTINUE' | 'STOP';

/** A group judged at one epoch. A STOP is final: the coordinator writes a PruneDecision for each of the group's trials. */
export interface GroupDecision {
  scheduler: SchedulerKind;
  group: string;
  decision: Verdict;
  /** The epoch judged at (ASHA: the rung). */
  epoch: number;
  /**
   * The group's value: ASHA the mean over its seeds at the rung; median stopping its running mean over epochs
   * 1..epoch. In the metric's own units; NaN when a seed's value was NaN (such a group is STOPped when judged).
   */
  value: number;
  /**
   * The value the group had to meet (goal max: value ≥ cutoff; min: value ≤ cutoff), in the metric's units;
   * null when too few values to judge (CONTINUE). ±Infinity only when compared values were NaN or infinite.
   */
  cutoff: number | null;
  /** How many group values the cutoff came from: ASHA the rung's recorded values (this group's included); median the other groups'. */
  compared: number;
}

/** One input in stream order, for replaying a scheduler (`feed`). */
export type SchedulerInput = ({ kind: 'result' } & EpochResult) | ({ kind: 'end' } & TrialEnd);

/** An early-termination rule over groups. Both methods return only the decisions newly made by that input. */
export interface GroupScheduler {
  readonly kind: SchedulerKind;
  onResult(r: EpochResult): GroupDecision[];
  onTrialEnd(e: TrialEnd): GroupDecision[];
  /** True once the group got a STOP (it stays stopped; its later results and ends are ignored). */
  isStopped(group: string): boolean;
}
