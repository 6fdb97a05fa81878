import { z } from 'zod';
import { abandonRunning, attemptRecordSchema, budgetSpentMessage, closeAttempt, failedAttempts, type AttemptRecord } from './attempt-history.js';

/**
 * The trial state machine: the statuses, the terminal set and every transition of a trial record. Every writer
 * (coordinator launch, retry, cancel and reaper; the worker) applies `transition` inside a compare-and-set, so
 * what a status may become is decided here and nowhere else. Pure: no I/O; zod only for the record schemas.
 *
 *   QUEUED → RUNNING (claim) → COMPLETED | STOPPED (finish, stop) | PRUNED (prune) | FAILED (fail) | QUEUED (requeue, reap)
 *   QUEUED | RUNNING → FAILED (a claim that finds the retry budget spent, see attempt-history.ts)
 *   QUEUED | PENDING → STOPPED (cancel before it ran; RUNNING too once its heartbeat is stale);  FAILED | STOPPED → QUEUED (retry)
 *
 * PRUNED is the scheduler's early termination (a coordinator's PruneDecision, applied by the owning worker);
 * STOPPED stays the cancel's. Both are terminal; only PRUNED keeps its checkpoints (a later resume of pruned
 * trials starts from them).
 *
 * Ownership: the attempt number is a fencing token. Events of a running attempt (resume, progress, requeue,
 * finish, prune, fail) apply only while the record says RUNNING on that worker with that attempt; a worker whose
 * lease lapsed (a zombie) gets null and must stop at once.
 */

export const TRIAL_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'PRUNED', 'STOPPED', 'FAILED'] as const;
export const trialStatusSchema = z.enum(TRIAL_STATUSES);
export type TrialStatus = z.infer<typeof trialStatusSchema>;

export const TERMINAL_STATUSES: ReadonlySet<TrialStatus> = new Set<TrialStatus>(['COMPLETED', 'PRUNED', 'STOPPED', 'FAILED']);
export const isTerminal = (s: TrialStatus): boolean => TERMINAL_STATUSES.has(s);

export { ATTEMPT_OUTCOMES, attemptOutcomeSchema, attemptRecordSchema, type AttemptOutcome, type AttemptRecord } from './attempt-history.js';

/** The fields of a trial record that the state machine reads and writes. */
export const trialStateFieldsSchema = z.object({
  status: trialStatusSchema,
  attempt: z.number(),
  worker: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  heartbeatAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  history: z.array(attemptRecordSchema),
  epochs: z.array(z.object({ epoch: z.number() })),
  checkpoints: z.array(z.object({ epoch: z.number() })),
  /** Stream sequence of the job message the running attempt holds (the reaper checks it is still queued). */
  jobSeq: z.number().int().optional(),
  /** Where the current retry budget starts in `history` (a retry gives the trial a fresh budget); absent: 0. */
  budgetStart: z.number().int().nonnegative().optional(),
  result: z.unknown(),
  model: z.unknown(),
});
export type TrialStateFields = z.infer<typeof trialStateFieldsSchema>;

/** Who writes: a running attempt is named by its worker and its attempt number. */
export interface Owner {
  worker: string;
  attempt: number;
}

export type TrialTransition<R extends TrialStateFields> =
  /**
   * A delivery of the trial's job. `liveSince`: a RUNNING record whose heartbeat is newer has a live owner (its
   * attempt is taken over, not counted as a failure, and a delivery of any other job than its `jobSeq` is dropped:
   * null). `maxFailures`: the retry budget; when the attempts that failed have spent it, and no live owner holds the
   * trial, the claim writes FAILED instead of RUNNING.
   */
  | { type: 'claim'; worker: string; delivery: number; at: string; jobSeq?: number; queueLatencyMs?: number; liveSince?: string; maxFailures?: number }
  | { type: 'resume'; owner: Owner; resumeEpoch: number; epochs: R['epochs']; checkpoints: R['checkpoints'] }
  | { type: 'progress'; owner: Owner; at: string; epochs?: R['epochs']; checkpoints?: R['checkpoints'] }
  | { type: 'requeue'; owner: Owner; at: string; error: string | null }
  | { type: 'finish'; owner: Owner; at: string; status: 'COMPLETED' | 'STOPPED'; epochs: R['epochs']; result: R['result']; model: R['model'] }
  /**
   * The scheduler stopped the trial early (a PruneDecision, applied by its owner at an epoch boundary): PRUNED with
   * the epochs it trained and the trainer's partial result (null when it did not train), no model, and the
   * record's checkpoints kept (deleted when the sweep ends, not here).
   */
  | { type: 'prune'; owner: Owner; at: string; epochs: R['epochs']; result: R['result'] }
  | { type: 'fail'; owner: Owner; at: string; error: string }
  /** Deliveries ran out without a report (workers died): no attempt of its own. */
  | { type: 'give-up'; at: string; error: string }
  /** Cancel: a trial that has not run, or (with `staleBefore`) a RUNNING one whose heartbeat is older: its owner is gone. */
  | { type: 'cancel'; at: string; error: string; staleBefore?: string }
  /** The owner stopped without a result because the sweep was cancelled (a drain that came with or after the cancel). */
  | { type: 'stop'; owner: Owner; at: string }
  | { type: 'retry'; statuses: readonly TrialStatus[] }
  /** The sweep ended: a PRUNED trial's kept checkpoints are let go (the coordinator then deletes the objects). */
  | { type: 'release-checkpoints' }
  /** A RUNNING trial whose heartbeat is older than `staleBefore` and whose job is gone (the reaper republishes it). */
  | { type: 'reap'; at: string; staleBefore: string; jobSeq: number | undefined };

/** True while `owner` holds the trial: RUNNING, on its worker, with its attempt. */
export function owns(record: TrialStateFields, owner: Owner): boolean {
  return record.status === 'RUNNING' && record.worker === owner.worker && record.attempt === owner.attempt;
}

/**
 * The record after `event`, or null when the event does not apply (terminal already, or not this owner's to
 * write). Never mutates its input.
 */
export function transition<R extends TrialStateFields>(record: R, event: TrialTransition<R>): R | null {
  switch (event.type) {
    case 'claim':
      return isTerminal(record.status) ? null : claim(record, event);
    case 'resume':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        epochs: event.epochs,
        checkpoints: event.checkpoints,
        history: record.history.map((h) => (h.attempt === event.owner.attempt && h.outcome === 'running' ? { ...h, resumeEpoch: event.resumeEpoch } : h)),
      };
    case 'progress': {
      if (!owns(record, event.owner)) return null;
      const last = event.epochs?.at(-1)?.epoch;
      return {
        ...record,
        heartbeatAt: event.at,
        ...(event.epochs ? { epochs: event.epochs } : {}),
        ...(event.checkpoints ? { checkpoints: event.checkpoints } : {}),
        ...(last !== undefined
          ? { history: record.history.map((h) => (h.attempt === event.owner.attempt && h.outcome === 'running' ? { ...h, lastEpoch: last } : h)) }
          : {}),
      };
    }
    case 'requeue':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        status: 'QUEUED',
        worker: null,
        heartbeatAt: event.at,
        error: event.error,
        history: closeAttempt(record.history, event.owner.attempt, 'requeued', event.at, event.error ?? undefined),
      };
    case 'finish':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        status: event.status,
        epochs: event.epochs,
        result: event.result,
        model: event.model,
        // A STOPPED trial keeps its newest checkpoint, so that `sweep retry` resumes it.
        checkpoints: event.status === 'STOPPED' ? record.checkpoints.slice(0, 1) : [],
        finishedAt: event.at,
        heartbeatAt: event.at,
        durationMs: elapsed(record.startedAt, event.at),
        error: null,
        history: closeAttempt(record.history, event.owner.attempt, event.status === 'COMPLETED' ? 'completed' : 'stopped', event.at),
      };
    case 'prune':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        status: 'PRUNED',
        epochs: event.epochs,
        result: event.result,
        model: null,
        finishedAt: event.at,
        heartbeatAt: event.at,
        durationMs: elapsed(record.startedAt, event.at),
        error: null,
        history: closeAttempt(record.history, event.owner.attempt, 'pruned', event.at),
      };
    case 'fail':
      if (!owns(record, event.owner)) return null;
      // The owner keeps only the newest checkpoint of a FAILED trial (`sweep retry` resumes from it).
      return { ...failed(record, event.at, event.error, event.owner.attempt), checkpoints: record.checkpoints.slice(0, 1) };
    case 'give-up':
      return isTerminal(record.status) ? null : failed(record, event.at, event.error, null);
    case 'cancel': {
      if (isTerminal(record.status)) return null;
      if (record.status === 'RUNNING') {
        const stale = event.staleBefore !== undefined && (record.heartbeatAt === null || record.heartbeatAt < event.staleBefore);
        if (!stale) return null;
      }
      return {
        ...record, status: 'STOPPED', worker: null, finishedAt: event.at, heartbeatAt: null, durationMs: null, error: event.error,
        history: abandonRunning(record.history, event.at, { error: event.error }),
      };
    }
    case 'stop':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        status: 'STOPPED',
        finishedAt: event.at,
        heartbeatAt: event.at,
        durationMs: elapsed(record.startedAt, event.at),
        error: 'cancelled while it ran',
        checkpoints: record.checkpoints.slice(0, 1),
        history: closeAttempt(record.history, event.owner.attempt, 'stopped', event.at),
      };
    case 'retry':
      if (!event.statuses.includes(record.status) || !isTerminal(record.status)) return null;
      return { ...record, status: 'QUEUED', worker: null, finishedAt: null, budgetStart: record.history.length };
    case 'release-checkpoints':
      return record.status === 'PRUNED' && record.checkpoints.length > 0 ? { ...record, checkpoints: [] } : null;
    case 'reap': {
      if (record.status !== 'RUNNING' || record.jobSeq !== event.jobSeq) return null;
      if (record.heartbeatAt !== null && record.heartbeatAt >= event.staleBefore) return null;
      return {
        ...record,
        // QUEUED already fences the old owner out; the next claim numbers the new attempt.
        status: 'QUEUED',
        worker: null,
        heartbeatAt: event.at,
        history: abandonRunning(record.history, event.at, { abandonedBy: 'reap', error: 'reaped: heartbeat stale and job gone' }),
      };
    }
  }
}

function claim<R extends TrialStateFields>(record: R, event: Extract<TrialTransition<R>, { type: 'claim' }>): R | null {
  const live = record.status === 'RUNNING' && event.liveSince !== undefined && record.heartbeatAt !== null && record.heartbeatAt > event.liveSince;
  // A live owner's job is the trial's current job: a delivery of any other never claims.
  if (live && record.jobSeq !== undefined && event.jobSeq !== undefined && record.jobSeq !== event.jobSeq) return null;
  const closed = abandonRunning(record.history, event.at, live ? { abandonedBy: 'takeover' } : {});
  const budgeted = budgetedHistory({ history: closed, budgetStart: record.budgetStart });
  if (!live && event.maxFailures !== undefined && failedAttempts(budgeted) >= event.maxFailures) {
    return failed({ ...record, history: closed }, event.at, budgetSpentMessage(budgeted, event.maxFailures), null);
  }
  // A delivery's count still counts when an earlier attempt died before writing anything.
  const attempt = Math.max(record.attempt + 1, event.delivery);
  const history: AttemptRecord[] = [...closed];
  history.push({
    attempt,
    worker: event.worker,
    startedAt: event.at,
    endedAt: null,
    outcome: 'running',
    resumeEpoch: 0,
    ...(event.queueLatencyMs !== undefined ? { queueLatencyMs: event.queueLatencyMs } : {}),
  });
  const next: R = {
    ...record,
    status: 'RUNNING',
    attempt,
    worker: event.worker,
    startedAt: record.startedAt ?? event.at,
    finishedAt: null,
    heartbeatAt: event.at,
    durationMs: null,
    history,
    result: null,
    model: null,
  };
  // The job this attempt holds, never an earlier attempt's.
  if (event.jobSeq !== undefined) next.jobSeq = event.jobSeq;
  else delete next.jobSeq;
  return next;
}

function failed<R extends TrialStateFields>(record: R, at: string, error: string, attempt: number | null): R {
  const history = attempt !== null ? closeAttempt(record.history, attempt, 'failed', at, error) : abandonRunning(record.history, at);
  return { ...record, status: 'FAILED', finishedAt: at, heartbeatAt: at, durationMs: elapsed(record.startedAt, at), error, history };
}

const elapsed = (startedAt: string | null, at: string): number => Date.parse(at) - Date.parse(startedAt ?? at);

/** The attempts that count against the trial's current retry budget (since its last retry). */
export const budgetedHistory = (record: Pick<TrialStateFields, 'history' | 'budgetStart'>): AttemptRecord[] => record.history.slice(record.budgetStart ?? 0);
