// What the two hostile-output tests share: a sweep launched on a real broker, and trial records written the way a
// worker (or the program it ran) could write them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { TestBroker } from '../helpers/nats-server.js';
import { aTrialRecord, anAttempt, anEpoch } from '../helpers/trial-record-builder.js';
import { sleepSpec } from '../helpers/chaos-specs.js';
import { launchSweep } from '../../src/coordinator/launch.js';
import { parseSpec } from '../../src/spec/index.js';
import type { ExpandedSweep } from '../../src/spec/types.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

const AN_HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

/** Launches a two-trial sleep sweep (nobody runs it) on the broker's default pool. */
export async function launchIdleSweep(broker: TestBroker, name: string): Promise<ExpandedSweep> {
  const sweep = parseSpec(sleepSpec(name, { sleepMs: 1, epochs: 1, maxDeliver: 3, ackWaitS: 30, repeats: 2 }), `${name}.yaml`);
  await launchSweep(broker.nc, sweep, { sweepId: sweep.id, specFile: `${name}.yaml`, pool: 'default' });
  return sweep;
}

/** Writes trial `index` of the sweep as a finished record with these fields (status, error, params, epochs…). */
export async function writeRecord(broker: TestBroker, sweep: ExpandedSweep, index: number, o: Partial<TrialRecord>): Promise<void> {
  const t = sweep.trials[index]!;
  const record = aTrialRecord({
    sweepId: sweep.id, trialId: t.id, index: t.index, config: JSON.parse(JSON.stringify(t.config)) as TrialRecord['config'], seed: t.config.seed,
    params: { sleep_ms: 1 }, attempt: 1, startedAt: AN_HOUR_AGO(), finishedAt: AN_HOUR_AGO(), durationMs: 1000,
    history: [anAttempt(1, 'w-1', AN_HOUR_AGO(), { outcome: o.status === 'FAILED' ? 'failed' : 'completed', endedAt: AN_HOUR_AGO() })],
    ...o,
  });
  const res = await broker.store.mutate(sweep.id, t.id, () => record);
  assert.ok(res.changed, `wrote trial ${t.id}`);
}

export { anEpoch };

/** A fresh working directory for a CLI call (no `.sweep/` of the repository), removed by the returned function. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-hostile-output-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
