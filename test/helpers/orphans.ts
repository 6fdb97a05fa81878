import type { NatsConnection } from 'nats';
import { collectGarbage } from '../../src/coordinator/collect-garbage.js';
import { waitFor } from './chaos-processes.js';

/**
 * What of a sweep no record references, ignoring the grace period: its unnamed objects and tombstones, and, with
 * `chunks`, the broker's chunks that no metadata names (a put cut short; only a coordinator's pass removes those).
 * One line per item, `kind bucket/name: reason`.
 */
export async function unreferencedObjects(nc: NatsConnection, sweepId: string, opts: { chunks: boolean }): Promise<string[]> {
  const report = await collectGarbage(nc, { sweepId, dryRun: true, graceMs: 0 });
  return report.garbage.filter((g) => opts.chunks || g.kind !== 'chunks').map((g) => `${g.kind} ${g.bucket}/${g.name}: ${g.reason}`);
}

/**
 * Waits (up to `timeoutMs`) until nothing of the sweep is unreferenced, and returns what is left then: an owner
 * deletes what it dropped just after the record write that drops it, so a check right after a trial ends may see it.
 */
export async function orphansLeft(nc: NatsConnection, sweepId: string, opts: { chunks: boolean; timeoutMs?: number }): Promise<string[]> {
  let last: string[] = [];
  await waitFor('no unreferenced objects', async () => {
    last = await unreferencedObjects(nc, sweepId, opts);
    return last.length === 0;
  }, opts.timeoutMs ?? 10_000).catch(() => undefined);
  return last;
}
