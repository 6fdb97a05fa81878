import type { AttemptRecord, BlobRefRecord, JobMessage, TrialRecord, TrialResultRecord } from '../transport/codecs.js';
import type { Dataset } from '../training/datasets/types.js';
import type { TrainResult } from '../training/types.js';

/** Pure transitions of a trial record; the runner applies them with compare-and-set. */

const now = () => new Date().toISOString();

/**
 * `delivery` is the broker's delivery count: an attempt killed before it wrote its (deferred) claim left no
 * record, yet it still counts.
 */
export function claimedRecord(cur: TrialRecord | null, job: JobMessage, worker: string, delivery = 1): TrialRecord {
  // Epochs and checkpoints survive a redelivery: the runner resumes from the newest checkpoint that verifies.
  const attempt = Math.max((cur?.attempt ?? 0) + 1, delivery);
  const at = now();
  const history: AttemptRecord[] = (cur?.history ?? []).map((h) =>
    h.outcome === 'running' ? { ...h, outcome: 'abandoned', endedAt: at } : h,
  );
  history.push({
    attempt, worker, startedAt: at, endedAt: null, outcome: 'running', resumeEpoch: 0,
    ...(job.publishedAt !== undefined ? { queueLatencyMs: Math.max(0, Date.parse(at) - job.publishedAt) } : {}),
  });
  return {
    v: 1,
    sweepId: job.sweepId,
    trialId: job.trialId,
    index: job.index,
    status: 'RUNNING',
    params: job.config.params,
    seed: job.config.seed,
    attempt,
    worker,
    epochs: cur?.epochs ?? [],
    startedAt: cur?.startedAt ?? at,
    finishedAt: null,
    heartbeatAt: at,
    durationMs: null,
    error: cur?.error ?? null,
    history,
    checkpoints: cur?.checkpoints ?? [],
    result: null,
    config: job.config,
    model: null,
    onnx: null,
  };
}

/** Where the attempt really starts: the checkpoint it restored (or 0), with the epochs before it kept. */
export function resumedRecord(cur: TrialRecord, worker: string, resumeEpoch: number): TrialRecord {
  return {
    ...cur,
    epochs: cur.epochs.filter((e) => e.epoch <= resumeEpoch),
    history: cur.history.map((h) => (h.outcome === 'running' && h.worker === worker ? { ...h, resumeEpoch } : h)),
  };
}

function closeAttempt(history: AttemptRecord[], worker: string, outcome: AttemptRecord['outcome'], error?: string): AttemptRecord[] {
  const at = now();
  return history.map((h) =>
    h.outcome === 'running' && h.worker === worker ? { ...h, outcome, endedAt: at, ...(error ? { error } : {}) } : h,
  );
}

/**
 * Closes the history of a trial that reached a terminal status. The finishing worker's newest attempt gets
 * `outcome` even when a duplicate delivery had marked it abandoned meanwhile (it still finished first); every
 * attempt still marked running (a killed worker's, or a duplicate whose result will be discarded) is abandoned.
 */
function closeHistory(history: AttemptRecord[], worker: string | null, outcome: AttemptRecord['outcome'], error?: string): AttemptRecord[] {
  const at = now();
  const mine = history.reduce((last, h) => (worker !== null && h.worker === worker && (h.outcome === 'running' || h.outcome === 'abandoned') ? h.attempt : last), -1);
  return history.map((h) => {
    if (h.attempt === mine) return { ...h, outcome, endedAt: at, ...(error ? { error } : {}) };
    if (h.outcome === 'running') return { ...h, outcome: 'abandoned', endedAt: at };
    return h;
  });
}

export function resultRecord(result: TrainResult, dataset: Dataset): TrialResultRecord {
  const [h, w, c] = dataset.shape;
  const size = h * w * c;
  return {
    stopReason: result.stopReason,
    bestEpoch: result.bestEpoch,
    weightsSha256: result.weightsSha256,
    backend: result.backend,
    classNames: dataset.classNames,
    confusionMatrix: result.confusionMatrix,
    perClassAccuracy: result.perClassAccuracy,
    samples: result.samples,
    ...(result.samples.length > 0 && size > 0
      ? {
          sampleImages: {
            shape: dataset.shape,
            pixels: result.samples.map((s) => Array.from(dataset.validation.images.subarray(s.index * size, (s.index + 1) * size))),
          },
        }
      : {}),
  };
}

export function finishedRecord(
  cur: TrialRecord,
  worker: string,
  status: 'COMPLETED' | 'STOPPED',
  result: TrainResult,
  dataset: Dataset,
  model: BlobRefRecord | null,
): TrialRecord {
  const at = now();
  return {
    ...cur,
    status,
    model,
    checkpoints: [],
    epochs: result.epochs,
    finishedAt: at,
    heartbeatAt: at,
    durationMs: Date.parse(at) - Date.parse(cur.startedAt ?? at),
    error: null,
    history: closeHistory(cur.history, worker, status === 'COMPLETED' ? 'completed' : 'stopped'),
    result: resultRecord(result, dataset),
  };
}

/** `worker` is null when the trial is given up without running (its deliveries ran out): no attempt of its own. */
export function failedRecord(cur: TrialRecord, worker: string | null, error: string): TrialRecord {
  const at = now();
  return {
    ...cur,
    status: 'FAILED',
    finishedAt: at,
    heartbeatAt: at,
    durationMs: Date.parse(at) - Date.parse(cur.startedAt ?? at),
    error,
    history: closeHistory(cur.history, worker, 'failed', error),
  };
}

export function requeuedRecord(cur: TrialRecord, worker: string, error: string | null): TrialRecord {
  return {
    ...cur,
    status: 'QUEUED',
    worker: null,
    heartbeatAt: now(),
    error,
    history: closeAttempt(cur.history, worker, 'requeued', error ?? undefined),
  };
}
