import type { NatsConnection } from 'nats';
import { coerceError, type Logger } from '../log.js';
import { secondsSetting } from '../domain/settings.js';
import { collectGarbage, type GarbageReport } from './collect-garbage.js';
import { startPeriodicPass } from './periodic-pass.js';

/** Time between the collector's passes while a coordinator follows a sweep: SWEEP_GC_INTERVAL_S, default 10 minutes. */
export const gcIntervalMs = (env: NodeJS.ProcessEnv = process.env) => secondsSetting('SWEEP_GC_INTERVAL_S', 600, env);

export interface GcPass {
  /** One pass now (after any in progress). */
  collectNow(): Promise<GarbageReport>;
  stop(): Promise<void>;
}

/**
 * The coordinator's garbage collection while it follows a sweep: every interval, the sweep's objects that no record
 * references are removed (see garbage-rules.ts), with chunks that no object's metadata names. A failed pass is
 * logged and the next one runs.
 */
export function startGcPass(nc: NatsConnection, opts: { sweepId: string; log: Logger; intervalMs?: number }): GcPass {
  const pass = () => collectSweepGarbage(nc, opts.sweepId, opts.log);
  const passes = startPeriodicPass(opts.intervalMs ?? gcIntervalMs(), pass, (e) =>
    opts.log.warn({ component: 'gc', sweepId: opts.sweepId, err: coerceError(e).message }, 'garbage collection pass failed: trying again at the next one'),
  );
  return { collectNow: () => passes.runNow(), stop: () => passes.stop() };
}

/** One collection of a sweep's garbage (and of chunks no metadata names), logged when it removed anything. */
export async function collectSweepGarbage(nc: NatsConnection, sweepId: string, log: Logger): Promise<GarbageReport> {
  const report = await collectGarbage(nc, { sweepId, dryRun: false });
  if (report.removed > 0) log.info({ component: 'gc', sweepId, removed: report.removed, bytes: report.bytes }, `storage: removed ${report.removed} object(s) no record references`);
  return report;
}
