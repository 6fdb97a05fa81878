import type { SweepRecord } from '../domain/sweep-record.js';

/**
 * Whether a sweep has a scheduler (early termination), from its stored record, for the jobs a coordinator
 * publishes again without the spec (retry, reaper): they carry `JobMessage.scheduled` as launch's do, or their
 * trials would never read their PruneDecisions. The record's `scheduler` when it has one, else its stored spec's
 * `scheduler` block; absent, null or `none`: no scheduler.
 */
export function sweepIsScheduled(record: SweepRecord): boolean {
  const fields = record as { scheduler?: unknown; spec?: unknown };
  if (fields.scheduler !== undefined) return isScheduler(fields.scheduler);
  const spec = typeof fields.spec === 'object' && fields.spec !== null ? (fields.spec as { scheduler?: unknown }) : {};
  return isScheduler(spec.scheduler);
}

function isScheduler(v: unknown): boolean {
  if (v === undefined || v === null || v === 'none') return false;
  if (typeof v === 'object') return (v as { type?: unknown }).type !== 'none';
  return typeof v === 'string';
}
