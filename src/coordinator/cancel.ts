import type { NatsConnection } from 'nats';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { purgeSweepJobs } from '../transport/job-queue.js';
import { isTerminal, type TrialRecord } from '../transport/codecs.js';
import { UnknownSweepError } from './sweep-view.js';

export interface CancelOutcome {
  purgedJobs: number;
  stoppedTrials: number;
}

/**
 * Marks the sweep CANCELLED (running trials see it at their next epoch boundary and stop), removes its queued
 * jobs, and records every trial that never started as STOPPED.
 */
export async function cancelSweep(nc: NatsConnection, id: string): Promise<CancelOutcome> {
  const rec = await (await SweepStore.open(nc)).setStatus(id, 'CANCELLED');
  if (!rec) throw new UnknownSweepError(`no sweep "${id}" on this broker; see \`sweep list\``);
  const purgedJobs = await purgeSweepJobs(nc, id);
  const trials = await TrialStore.open(nc);
  let stoppedTrials = 0;
  const at = new Date().toISOString();
  for (const t of rec.trials ?? []) {
    const res = await trials.mutate(id, t.id, (cur): TrialRecord | null => {
      if (cur && (isTerminal(cur.status) || cur.status === 'RUNNING')) return null;
      return {
        v: 1, sweepId: id, trialId: t.id, index: t.index, status: 'STOPPED', params: cur?.params ?? {}, seed: cur?.seed ?? 0,
        attempt: cur?.attempt ?? 0, worker: null, epochs: cur?.epochs ?? [], startedAt: cur?.startedAt ?? null, finishedAt: at,
        heartbeatAt: null, durationMs: null, error: 'cancelled before it ran', history: cur?.history ?? [],
        checkpoints: cur?.checkpoints ?? [], result: null, config: cur?.config ?? null, model: null, onnx: null,
      };
    });
    if (res.changed) stoppedTrials++;
  }
  return { purgedJobs, stoppedTrials };
}
