import type { NatsConnection } from 'nats';
import { readSweepEvents } from '../../../src/transport/events.js';
import { SweepStore } from '../../../src/transport/sweep-store.js';
import type { TrialStore } from '../../../src/transport/trial-store.js';
import { orphansLeft } from '../orphans.js';

export interface TrialTally {
  sweepId: string;
  trialId: string;
  epochsTrained: number;
  faults: number;
  duplicate: boolean;
}

/**
 * The checks after a run, one line per violation:
 * - every trial of every sweep (as its sweep record lists them) is terminal, COMPLETED exactly once, with each of
 *   its epochs once in its record and the weights of its fault-free run (`reference`); none FAILED (no trial's own
 *   code fails in a torture run);
 * - no trial trained more epochs than `epochs` plus one checkpoint interval (1) per fault that hit it;
 * - no object is left that no record references.
 */
export async function checkInvariants(
  nc: NatsConnection,
  store: TrialStore,
  o: { sweepIds: string[]; epochs: (sweepId: string) => number; faults: (key: string) => number; reference: ReadonlyMap<string, string> },
): Promise<{ violations: string[]; tallies: TrialTally[]; orphans: number }> {
  const violations: string[] = [];
  const tallies: TrialTally[] = [];
  let orphans = 0;
  const sweeps = await SweepStore.open(nc);
  for (const sweepId of o.sweepIds) {
    const listed = (await sweeps.get(sweepId))?.value.trials ?? [];
    const records = await store.snapshot(sweepId);
    const events = await readSweepEvents(nc, sweepId);
    const epochs = o.epochs(sweepId);
    if (listed.length === 0) violations.push(`${sweepId}: the sweep record lists no trials`);
    for (const { id } of listed) {
      const key = `${sweepId}/${id}`;
      const r = records.get(id);
      if (!r) {
        violations.push(`${key}: no record`);
        continue;
      }
      const completed = r.history.filter((h) => h.outcome === 'completed').length;
      // A cancel's STOPPED finish before a retry is not a result; a second COMPLETED (or PRUNED) one is.
      const finished = events.filter((e) => e.type === 'finished' && e.trialId === id && (e.status === 'COMPLETED' || e.status === 'PRUNED')).length;
      const trained = events.filter((e) => e.type === 'epoch' && e.trialId === id).length;
      const faults = o.faults(key);
      tallies.push({ sweepId, trialId: id, epochsTrained: trained, faults, duplicate: completed > 1 || finished > 1 });
      if (r.status !== 'COMPLETED') violations.push(`${key}: ended ${r.status}${r.error ? ` (${r.error})` : ''}, not COMPLETED; history ${JSON.stringify(r.history)}`);
      if (completed !== 1) violations.push(`${key}: ${completed} completed attempts: ${JSON.stringify(r.history)}`);
      if (finished > 1) violations.push(`${key}: ${finished} finished events with a result`);
      if (r.history.some((h) => h.outcome === 'running')) violations.push(`${key}: an attempt is left running: ${JSON.stringify(r.history)}`);
      const want = Array.from({ length: epochs }, (_, i) => i + 1);
      if (JSON.stringify(r.epochs.map((e) => e.epoch)) !== JSON.stringify(want)) violations.push(`${key}: epochs ${JSON.stringify(r.epochs.map((e) => e.epoch))}, expected 1..${epochs}`);
      if (trained > epochs + faults) violations.push(`${key}: trained ${trained} epochs with ${faults} fault(s) (at most ${epochs + faults}): ${JSON.stringify(r.history)}`);
      const expected = o.reference.get(id);
      if (r.status === 'COMPLETED' && r.result?.weightsSha256 !== expected) violations.push(`${key}: weights ${r.result?.weightsSha256 ?? 'none'}, the fault-free run's ${expected ?? 'unknown'}`);
    }
    const left = await orphansLeft(nc, sweepId, { chunks: false, timeoutMs: 15_000 });
    orphans += left.length;
    for (const l of left) violations.push(`${sweepId}: unreferenced ${l}`);
  }
  return { violations, tallies, orphans };
}
