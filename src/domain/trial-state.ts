import { z } from 'zod';

/**
 * The trial state machine: the statuses, the terminal set and every transition of a trial record. Every writer
 * (coordinator launch, retry, cancel and reaper; the worker) applies `transition` inside a compare-and-set, so
 * what a status may become is decided here and nowhere else. Pure: no I/O; zod only for the record schemas.
 *
 *   QUEUED → RUNNING (claim) → COMPLETED | STOPPED (finish) | PRUNED (prune) | FAILED (fail) | QUEUED (requeue, reap)
 *   QUEUED | PENDING → STOPPED (cancel before it ran);  FAILED | STOPPED → QUEUED (retry)
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

export const ATTEMPT_OUTCOMES = ['running', 'completed', 'pruned', 'failed', 'requeued', 'stopped', 'abandoned'] as const;
export const attemptOutcomeSchema = z.enum(ATTEMPT_OUTCOMES);
export type AttemptOutcome = z.infer<typeof attemptOutcomeSchema>;

export const attemptRecordSchema = z.object({
  attempt: z.number(),
  worker: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  outcome: attemptOutcomeSchema,
  resumeEpoch: z.number(),
  error: z.string().optional(),
  /** From the coordinator's publish to this attempt's start. */
  queueLatencyMs: z.number().optional(),
});
export type AttemptRecord = z.infer<typeof attemptRecordSchema>;

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
  | { type: 'claim'; worker: string; delivery: number; at: string; jobSeq?: number; queueLatencyMs?: number }
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
  | { type: 'cancel'; at: string; error: string }
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
    case 'progress':
      if (!owns(record, event.owner)) return null;
      return {
        ...record,
        heartbeatAt: event.at,
        ...(event.epochs ? { epochs: event.epochs } : {}),
        ...(event.checkpoints ? { checkpoints: event.checkpoints } : {}),
      };
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
        checkpoints: [],
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
      return failed(record, event.at, event.error, event.owner.attempt);
    case 'give-up':
      return isTerminal(record.status) ? null : failed(record, event.at, event.error, null);
    case 'cancel':
      if (isTerminal(record.status) || record.status === 'RUNNING') return null;
      return { ...record, status: 'STOPPED', worker: null, finishedAt: event.at, heartbeatAt: null, durationMs: null, error: event.error };
    case 'retry':
      if (!event.statuses.includes(record.status) || !isTerminal(record.status)) return null;
      return { ...record, status: 'QUEUED', worker: null, finishedAt: null };
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
        history: record.history.map((h) => (h.outcome === 'running' ? { ...h, outcome: 'abandoned', endedAt: event.at, error: 'reaped: heartbeat stale and job gone' } : h)),
      };
    }
  }
}

function claim<R extends TrialStateFields>(record: R, event: Extract<TrialTransition<R>, { type: 'claim' }>): R {
  // A delivery's count still counts when an earlier attempt died before writing anything.
  const attempt = Math.max(record.attempt + 1, event.delivery);
  const history: AttemptRecord[] = record.history.map((h) => (h.outcome === 'running' ? { ...h, outcome: 'abandoned', endedAt: event.at } : h));
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
  const history = record.history.map((h): AttemptRecord => {
    if (attempt !== null && h.attempt === attempt) return { ...h, outcome: 'failed', endedAt: at, error };
    if (h.outcome === 'running') return { ...h, outcome: 'abandoned', endedAt: at };
    return h;
  });
  return { ...record, status: 'FAILED', finishedAt: at, heartbeatAt: at, durationMs: elapsed(record.startedAt, at), error, history };
}

/** Closes this attempt with `outcome`; any other attempt still marked running (a dead worker's) is abandoned. */
function closeAttempt(history: AttemptRecord[], attempt: number, outcome: AttemptOutcome, at: string, error?: string): AttemptRecord[] {
  return history.map((h) => {
    if (h.attempt === attempt) return { ...h, outcome, endedAt: at, ...(error ? { error } : {}) };
    if (h.outcome === 'running') return { ...h, outcome: 'abandoned', endedAt: at };
    return h;
  });
}

const elapsed = (startedAt: string | null, at: string): number => Date.parse(at) - Date.parse(startedAt ?? at);
