import { z } from 'zod';

/**
 * A trial's attempts, one entry each, and the retry budget read from them. The budget (spec execution.max_deliver)
 * counts attempts that failed, not deliveries: a drain, a lease takeover, a reap and an abandoned attempt that
 * trained an epoch past where it resumed are free; an error, a trainer crash and an attempt abandoned without
 * finishing an epoch (a crash loop) count.
 */

export const ATTEMPT_OUTCOMES = ['running', 'completed', 'pruned', 'failed', 'requeued', 'stopped', 'abandoned'] as const;
export const attemptOutcomeSchema = z.enum(ATTEMPT_OUTCOMES);
export type AttemptOutcome = z.infer<typeof attemptOutcomeSchema>;

/** Why an attempt was abandoned, when nobody saw it fail: another delivery took over from a live owner, or the reaper. */
export const ABANDON_CAUSES = ['takeover', 'reap'] as const;

export const attemptRecordSchema = z.object({
  attempt: z.number(),
  worker: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  outcome: attemptOutcomeSchema,
  resumeEpoch: z.number(),
  /** The last epoch this attempt recorded (absent: none past resumeEpoch). */
  lastEpoch: z.number().optional(),
  /** Set on an abandoned attempt whose owner was not seen to die (such an attempt costs no retry). */
  abandonedBy: z.enum(ABANDON_CAUSES).optional(),
  error: z.string().optional(),
  /** From the coordinator's publish to this attempt's start. */
  queueLatencyMs: z.number().optional(),
});
export type AttemptRecord = z.infer<typeof attemptRecordSchema>;

/** Whether an ended attempt spends one unit of the retry budget. */
export function countsAsFailure(h: AttemptRecord): boolean {
  switch (h.outcome) {
    case 'failed':
      return true;
    case 'requeued':
      // A drain requeues without an error; a retryable failure requeues with one.
      return h.error !== undefined;
    case 'abandoned':
      return h.abandonedBy === undefined && (h.lastEpoch ?? h.resumeEpoch) <= h.resumeEpoch;
    default:
      return false;
  }
}

export const failedAttempts = (history: readonly AttemptRecord[]): number => history.filter(countsAsFailure).length;

/** What a FAILED record says when its budget ran out: the count, the budget, and the last error seen. */
export function budgetSpentMessage(history: readonly AttemptRecord[], budget: number): string {
  const failed = history.filter(countsAsFailure);
  const last = [...failed].reverse().find((h) => h.error !== undefined)?.error;
  const crashes = failed.filter((h) => h.outcome === 'abandoned').length;
  return (
    `gave up after ${failed.length} failed attempt(s) (execution.max_deliver: ${budget})` +
    (crashes > 0 ? `; ${crashes} ended without finishing an epoch (worker died or lost)` : '') +
    (last ? `; last error: ${last}` : '')
  );
}

/** Closes this attempt with `outcome`; any other attempt still marked running (a dead worker's) is abandoned. */
export function closeAttempt(history: AttemptRecord[], attempt: number, outcome: AttemptOutcome, at: string, error?: string): AttemptRecord[] {
  return history.map((h) => {
    if (h.attempt === attempt) return { ...h, outcome, endedAt: at, ...(error ? { error } : {}) };
    if (h.outcome === 'running') return { ...h, outcome: 'abandoned', endedAt: at };
    return h;
  });
}

/** Every attempt still marked running is abandoned (its owner is gone, or another took over). */
export function abandonRunning(history: AttemptRecord[], at: string, extra: Partial<Pick<AttemptRecord, 'abandonedBy' | 'error'>> = {}): AttemptRecord[] {
  return history.map((h) => (h.outcome === 'running' ? { ...h, outcome: 'abandoned', endedAt: at, ...extra } : h));
}
