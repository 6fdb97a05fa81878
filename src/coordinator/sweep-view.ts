import type { NatsConnection } from 'nats';
import { SweepError } from '../domain/errors.js';
import { anyOnnxCheckOf } from '../domain/onnx.js';
import { schedulerConfigSchema, type SchedulerConfig } from '../domain/scheduler.js';
import type { SweepRecord } from '../domain/sweep-record.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import type { SweepView, TrialView } from '../report/types.js';

export class UnknownSweepError extends SweepError {}

export function trialView(r: TrialRecord): TrialView {
  return {
    id: r.trialId,
    status: r.status,
    params: r.params,
    seed: r.seed,
    epochs: r.epochs,
    bestEpoch: r.result?.bestEpoch ?? null,
    durationMs: r.durationMs,
    plannedEpochs: r.config?.training.epochs ?? null,
    ...(r.error ? { error: r.error } : {}),
    ...(r.result
      ? {
          classNames: r.result.classNames,
          confusionMatrix: r.result.confusionMatrix,
          samples: r.result.samples,
          ...(r.result.sampleImages ? { sampleImages: r.result.sampleImages } : {}),
        }
      : {}),
    ...(r.onnx ? { onnx: anyOnnxCheckOf(r.onnx) } : {}),
  };
}

/** The sweep's early-termination scheduler: its record's `scheduler` when valid; null for none or older records. */
function schedulerOf(sweep: SweepRecord): SchedulerConfig | null {
  const parsed = schedulerConfigSchema.safeParse((sweep as { scheduler?: unknown }).scheduler);
  return parsed.success ? parsed.data : null;
}

export function sweepView(sweep: SweepRecord, records: Iterable<TrialRecord>): SweepView {
  const listed = sweep.trials ? new Set(sweep.trials.map((t) => t.id)) : null;
  const trials = [...records].filter((r) => !listed || listed.has(r.trialId)).sort((a, b) => a.index - b.index);
  return {
    id: sweep.id,
    name: sweep.name,
    objective: { ...sweep.objective },
    scheduler: schedulerOf(sweep),
    profileNote: sweep.profileNote ?? null,
    trials: trials.map(trialView),
  };
}

/** Reads a sweep and its trial records from KV. `id` may be omitted when exactly one sweep exists… or the newest is meant. */
export async function loadSweepView(nc: NatsConnection, id: string | undefined): Promise<{ sweep: SweepRecord; view: SweepView }> {
  const sweeps = await SweepStore.open(nc);
  let sweep: SweepRecord | undefined;
  if (id) {
    sweep = (await sweeps.get(id))?.value;
    if (!sweep) {
      const known = (await sweeps.list()).map((s) => s.id);
      throw new UnknownSweepError(`no sweep "${id}" on this broker` + (known.length ? `; known sweeps: ${known.join(', ')}` : '; launch one with `sweep launch <spec>`'));
    }
  } else {
    const all = await sweeps.list();
    sweep = all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    if (!sweep) throw new UnknownSweepError('no sweeps on this broker yet; launch one with `sweep launch <spec>`');
  }
  const records = await (await TrialStore.open(nc)).snapshot(sweep.id);
  return { sweep, view: sweepView(sweep, records.values()) };
}
