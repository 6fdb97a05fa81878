import type { SweepRecord } from '../domain/sweep-record.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { trialId as trialIdOf } from '../spec/trial-id.js';
import type { JobTrial } from './jobs.js';
import { reexpandSweepTrials, type SpecTrials } from './trusted-spec-trials.js';

/**
 * Whether a trial record may become a job: `trusted` with the job's trial, or why not. `tampered`: the record
 * contradicts what the coordinator wrote. `unverifiable`: the sweep record cannot tell (see reexpandSweepTrials).
 */
export type TrialTrust = { trusted: true; trial: JobTrial } | { trusted: false; kind: 'tampered' | 'unverifiable'; reason: string };

/**
 * The one check between a trial record, which any worker may write, and a job, which runs code on every worker of
 * the pool: a job is republished (reaper, retry) only for a config that is the trial's own, i.e. one that hashes to
 * the record's trial ID (IDs are content hashes of the config, spec/trial-id.ts), of a trial the sweep record lists.
 * Only the coordinator writes sweep records. The index comes from the sweep record too, never from the worker's.
 */
export class TrustedTrials {
  private members: SpecTrials | null = null;

  private constructor(
    private readonly sweepId: string,
    private readonly sweep: SweepRecord | null,
  ) {}

  /** The trials of `sweep` (null: the sweep has no record, so nothing is trusted). */
  static of(sweepId: string, sweep: SweepRecord | null): TrustedTrials {
    return new TrustedTrials(sweepId, sweep);
  }

  /** The same sweep record as before (its trial list or re-expanded spec can be reused). */
  sameAs(sweep: SweepRecord | null): boolean {
    return sweep === null ? this.sweep === null : this.sweep !== null && this.sweep.specHash === sweep.specHash && this.sweep.updatedAt === sweep.updatedAt && this.sweep.trialCount === sweep.trialCount;
  }

  check(r: Pick<TrialRecord, 'sweepId' | 'trialId' | 'config'>): TrialTrust {
    if (!this.sweep) return { trusted: false, kind: 'unverifiable', reason: `sweep ${this.sweepId} has no sweep record` };
    if (r.sweepId !== this.sweepId) return { trusted: false, kind: 'tampered', reason: `it names sweep ${r.sweepId}` };
    if (!r.config) return { trusted: false, kind: 'unverifiable', reason: 'its record holds no config' };
    const hashed = trialIdOf(r.config);
    if (hashed !== r.trialId) return { trusted: false, kind: 'tampered', reason: `its config hashes to trial ID ${hashed}, not to ${r.trialId}` };
    const members = this.membership();
    if ('refused' in members) return { trusted: false, kind: 'unverifiable', reason: members.refused };
    const index = members.trials.get(r.trialId);
    if (index === undefined) return { trusted: false, kind: 'tampered', reason: `it is not one of the trials of sweep ${this.sweepId}` };
    return { trusted: true, trial: { trialId: r.trialId, index, config: r.config } };
  }

  /** The sweep record's trial list, else (over 10,000 trials) its spec re-expanded, once. */
  private membership(): SpecTrials {
    if (this.members) return this.members;
    const listed = this.sweep!.trials;
    this.members = listed ? { trials: new Map(listed.map((t) => [t.id, t.index])) } : reexpandSweepTrials(this.sweep!);
    return this.members;
  }
}

/** The warning line for a record that is not republished: it names the trial and the sweep. */
export function distrustMessage(trialId: string, sweepId: string, t: Extract<TrialTrust, { trusted: false }>): string {
  return t.kind === 'tampered'
    ? `trial ${trialId} of sweep ${sweepId}: its record is tampered (${t.reason}): no job is published for it`
    : `trial ${trialId} of sweep ${sweepId}: not republished, because its config cannot be checked (${t.reason}); relaunch the spec to give it a job`;
}
