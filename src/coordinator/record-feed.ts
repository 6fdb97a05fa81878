import type { TrialRecord } from '../domain/trial-record.js';
import { isTerminal } from '../domain/trial-state.js';
import type { EpochResult, TrialEnd } from './schedulers/index.js';

/** A scheduler input read off a trial record (the group is the caller's). */
export type RecordInput = ({ kind: 'result' } & Omit<EpochResult, 'group'>) | ({ kind: 'end' } & Omit<TrialEnd, 'group'>);

/**
 * Turns successive values of trial records into scheduler inputs, each once: every epoch a record gained (or that a
 * later attempt trained again), with the attempt that trained it, and the end of a trial when its record turned
 * terminal. Records are the facts the scheduler decides on: each was written by the trial's owning attempt under
 * its fence, and unlike epoch events none is lost.
 */
export class RecordFeed {
  /** Per trial, per epoch: the attempt whose value was fed. */
  private readonly fed = new Map<string, Map<number, number>>();
  /** Per trial, the attempt whose end was fed. */
  private readonly ended = new Map<string, number>();

  constructor(private readonly metric: string) {}

  inputs(r: TrialRecord): RecordInput[] {
    const out: RecordInput[] = [];
    let fed = this.fed.get(r.trialId);
    if (!fed) this.fed.set(r.trialId, (fed = new Map<number, number>()));
    for (const m of r.epochs) {
      const attempt = trainedBy(r, m.epoch);
      const before = fed.get(m.epoch);
      if (before !== undefined && before >= attempt) continue;
      fed.set(m.epoch, attempt);
      const raw = (m as Record<string, unknown>)[this.metric];
      out.push({ kind: 'result', trialId: r.trialId, epoch: m.epoch, attempt, value: typeof raw === 'number' ? raw : NaN });
    }
    if (isTerminal(r.status) && (this.ended.get(r.trialId) ?? -1) < r.attempt) {
      this.ended.set(r.trialId, r.attempt);
      const last = r.epochs.at(-1);
      const raw = last ? (last as Record<string, unknown>)[this.metric] : undefined;
      out.push({
        kind: 'end', trialId: r.trialId, lastEpoch: last?.epoch ?? 0, attempt: r.attempt,
        lastValue: typeof raw === 'number' && Number.isFinite(raw) ? raw : null,
      });
    }
    return out;
  }
}

/**
 * The attempt that trained `epoch`: the newest attempt that resumed before it (each attempt trains on from where it
 * resumed, and a resume drops the record's later epochs); the record's attempt when the history says nothing.
 */
function trainedBy(r: TrialRecord, epoch: number): number {
  for (let i = r.history.length - 1; i >= 0; i--) {
    const h = r.history[i]!;
    if (h.resumeEpoch < epoch) return h.attempt;
  }
  return r.attempt;
}
