import type { TrialConfig } from '../../domain/trial-config.js';
import { SweepError } from '../../domain/errors.js';
import { trainSleep } from '../../training/sleep-trainer.js';
import { NO_DATA } from '../../training/datasets/dataset-cache.js';
import { resultRecord } from '../trial-records.js';
import { isCheckpointEpoch, type TrainerOutcome } from './protocol.js';
import type { EpochReport, RunHandle } from './trainer-process.js';

/** Control flow, not a failure: the run stops and the job is requeued. */
class InlineRunAborted extends SweepError {
  override readonly retryable = true;
}

/**
 * Runs a 'sleep' trial on the worker's own event loop: it only awaits timers, so it never blocks leases, and
 * dispatch benchmarks of thousands of 0 ms trials pay no process round trips. Same contract as TrainerProcess.run.
 */
export function runInline(config: TrialConfig, resumeFrom: Uint8Array | null, checkpointEvery: number, onEpoch: (r: EpochReport) => Promise<boolean>): RunHandle {
  let aborted = false;
  let stop = false;
  const finished = trainSleep({
    config,
    dataset: NO_DATA,
    ...(resumeFrom ? { resumeFrom } : {}),
    hooks: {
      shouldStop: () => {
        if (aborted) throw new InlineRunAborted('inline run aborted');
        return stop;
      },
      onEpochEnd: async (metrics, saveState) => {
        const state = isCheckpointEpoch(metrics.epoch, checkpointEvery) ? await saveState() : null;
        stop = await onEpoch({ metrics, state });
      },
    },
  }).then(
    (result): TrainerOutcome | 'aborted' => (aborted ? 'aborted' : { stopReason: result.stopReason, epochs: result.epochs, result: resultRecord(result, NO_DATA), weights: null }),
    (e: unknown): 'aborted' => {
      if (e instanceof InlineRunAborted) return 'aborted';
      throw e;
    },
  );
  return { finished, abort: () => (aborted = true) };
}
