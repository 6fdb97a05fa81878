import type { EpochResult, GroupMembership, TrialEnd } from './types.js';

/**
 * What the schedulers know of each seed (trial): its deduplicated per-epoch values and whether it ended. Shared by
 * both rules; the rules decide when to judge, the ledger says what a group's value is.
 *
 * Dedup, per (trialId, epoch):
 * - a result from a lower attempt than the highest already seen for that trial is ignored (a zombie);
 * - a result from a higher attempt replaces the stored value only while no decision has used it (a retrained
 *   epoch never counts twice, and a decision, once made, rests on values that never change);
 * - a second result from the same attempt (a redelivered event) is ignored: the first stays.
 *
 * A seed counts at an epoch once it trained that far, or once it ended before it (its last value counts there).
 * Values at an epoch a seed did not report are carried forward from its latest epoch before it. Reading a value
 * for a decision marks it used.
 */

interface Entry {
  attempt: number;
  value: number;
  used: boolean;
}

interface EndMark {
  lastEpoch: number;
  lastValue: number | null;
  attempt: number;
}

interface Seed {
  group: string;
  maxAttempt: number;
  entries: Map<number, Entry>;
  /** The epochs of `entries`, ascending. */
  epochs: number[];
  end: EndMark | null;
}

export class SeedLedger {
  private readonly seeds = new Map<string, Seed>();
  private readonly members = new Map<string, readonly string[]>();

  constructor(groups: GroupMembership) {
    for (const [group, trialIds] of groups) {
      this.members.set(group, [...trialIds]);
      for (const trialId of trialIds) {
        const other = this.seeds.get(trialId);
        if (other) throw new Error(`trial ${trialId} is in two groups (${other.group}, ${group})`);
        this.seeds.set(trialId, { group, maxAttempt: -Infinity, entries: new Map(), epochs: [], end: null });
      }
    }
  }

  /** The groups, in the membership's order. */
  groups(): string[] {
    return [...this.members.keys()];
  }

  /** The group `trialId` belongs to, or undefined when the membership does not name it. */
  groupOf(trialId: string): string | undefined {
    return this.seeds.get(trialId)?.group;
  }

  /** Stores a result; false when the dedup rules (or an unknown trial, group or epoch) leave the ledger unchanged. */
  record(r: EpochResult): boolean {
    const seed = this.seeds.get(r.trialId);
    if (!seed || seed.group !== r.group || !Number.isInteger(r.epoch) || r.epoch < 1) return false;
    if (r.attempt < seed.maxAttempt) return false;
    seed.maxAttempt = r.attempt;
    // A retried trial (a higher attempt than the one that ended) trains again: it holds its group back again.
    if (seed.end && r.attempt > seed.end.attempt) seed.end = null;
    const entry = seed.entries.get(r.epoch);
    if (entry) {
      if (entry.used || r.attempt <= entry.attempt) return false;
      entry.attempt = r.attempt;
      entry.value = r.value;
      return true;
    }
    seed.entries.set(r.epoch, { attempt: r.attempt, value: r.value, used: false });
    insertSorted(seed.epochs, r.epoch);
    return true;
  }

  /** Marks a trial ended; false when unknown, of another group, or already ended. */
  end(e: TrialEnd): boolean {
    const seed = this.seeds.get(e.trialId);
    if (!seed || seed.group !== e.group || seed.end) return false;
    const lastEpoch = Number.isInteger(e.lastEpoch) && e.lastEpoch > 0 ? e.lastEpoch : 0;
    seed.end = { lastEpoch, lastValue: lastEpoch > 0 ? e.lastValue : null, attempt: e.attempt ?? seed.maxAttempt };
    return true;
  }

  /** Whether any seed of `group` trained `epoch` or a later one (a group whose seeds all ended before it never reaches it). */
  isReached(group: string, epoch: number): boolean {
    return this.furthestReached(group) >= epoch;
  }

  /** The furthest epoch any seed of `group` is known to have trained (0: none). */
  furthestReached(group: string): number {
    let furthest = 0;
    for (const trialId of this.members.get(group) ?? []) furthest = Math.max(furthest, furthestEpoch(this.seeds.get(trialId)!));
    return furthest;
  }

  /**
   * How many seeds of `group` have a value that counts at `epoch`: those that trained `epoch` (or a later one)
   * and those that ended before it with a value. A seed still training below `epoch` does not count yet.
   */
  countingAt(group: string, epoch: number): number {
    let n = 0;
    for (const trialId of this.members.get(group) ?? []) if (countsAt(this.seeds.get(trialId)!, epoch)) n += 1;
    return n;
  }

  /**
   * The group's value at `epoch`: the mean over the seeds that count there (`countingAt`) of each one's value
   * there, carried forward from its latest earlier epoch when it has none there. Undefined when no seed counts.
   * Marks every value read as used.
   */
  groupValueAt(group: string, epoch: number): number | undefined {
    let sum = 0;
    let n = 0;
    for (const trialId of this.members.get(group) ?? []) {
      const seed = this.seeds.get(trialId)!;
      if (!countsAt(seed, epoch)) continue;
      const v = valueAt(seed, epoch);
      if (v === undefined) continue;
      sum += v;
      n += 1;
    }
    return n === 0 ? undefined : sum / n;
  }

  /** The mean of the group's values at epochs 1..epoch (those it has one at); undefined when none. Marks them used. */
  runningMean(group: string, epoch: number): number | undefined {
    let sum = 0;
    let n = 0;
    for (let t = 1; t <= epoch; t++) {
      const v = this.groupValueAt(group, t);
      if (v === undefined) continue;
      sum += v;
      n += 1;
    }
    return n === 0 ? undefined : sum / n;
  }
}

/** Whether the seed's value counts at `epoch`: it trained that far, or it ended (and so has its last value) before. */
function countsAt(seed: Seed, epoch: number): boolean {
  if (furthestEpoch(seed) < epoch && !seed.end) return false;
  return seed.epochs[0] !== undefined && seed.epochs[0] <= epoch ? true : seed.end !== null && seed.end.lastValue !== null && seed.end.lastEpoch <= epoch;
}

/** The furthest epoch a seed is known to have trained: its latest result, or the last epoch its end names. */
function furthestEpoch(seed: Seed): number {
  const latest = seed.epochs[seed.epochs.length - 1] ?? 0;
  return seed.end && seed.end.lastValue !== null ? Math.max(latest, seed.end.lastEpoch) : latest;
}

/**
 * The seed's value at `epoch`: its result there, else its latest result before it, else its end's last value
 * when the end lies at or before `epoch` (whichever is the later epoch; a stored result wins a tie).
 */
function valueAt(seed: Seed, epoch: number): number | undefined {
  const at = latestAtOrBefore(seed.epochs, epoch);
  const end = seed.end;
  const endCounts = end !== null && end.lastValue !== null && end.lastEpoch <= epoch && (at === undefined || end.lastEpoch > at);
  if (endCounts) return end.lastValue ?? undefined;
  if (at === undefined) return undefined;
  const entry = seed.entries.get(at)!;
  entry.used = true;
  return entry.value;
}

/** The greatest element of ascending `sorted` that is ≤ `x`. */
function latestAtOrBefore(sorted: readonly number[], x: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : sorted[lo - 1];
}

function insertSorted(sorted: number[], x: number): void {
  let i = sorted.length;
  while (i > 0 && sorted[i - 1]! > x) i -= 1;
  sorted.splice(i, 0, x);
}
