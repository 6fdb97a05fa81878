import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from './state/container.js';
import type { StopReason, TrainingState, TrainRequest, TrainResult } from './types.js';
import type { EngineEpochMetrics } from '../domain/metrics.js';

interface SleepState {
  kind: 'sleep';
  epochs: EngineEpochMetrics[];
}

/**
 * The 'sleep' family: waits `model.sleep_ms` per epoch and reports made-up but plausible metrics
 * without touching tfjs, so dispatch benchmarks measure the orchestrator, not training.
 */
export function trainSleep(req: TrainRequest): Promise<TrainResult> {
  return trainSynthetic(req, (ms) => sleep(ms));
}

/** Busy "batches" of the 'spin' family: short enough that a stop request is seen at once. */
const SPIN_BATCH_MS = 20;

/**
 * The 'spin' family: like 'sleep', but keeps its thread busy for `model.sleep_ms` per epoch, in 20 ms "batches"
 * with `betweenBatches` between them, as a real epoch does. Tests of leases and stops under long epochs use it.
 */
export function trainSpin(req: TrainRequest): Promise<TrainResult> {
  return trainSynthetic(req, async (ms) => {
    const end = performance.now() + ms;
    for (let now = performance.now(); now < end; now = performance.now()) {
      const batchEnd = Math.min(end, now + SPIN_BATCH_MS);
      while (performance.now() < batchEnd) {
        // busy: this thread does nothing else, as during a real training step
      }
      await req.hooks?.betweenBatches?.();
    }
  });
}

async function trainSynthetic(req: TrainRequest, pass: (ms: number) => Promise<unknown>): Promise<TrainResult> {
  const { config, hooks } = req;
  let epochs: EngineEpochMetrics[] = req.resumeFrom ? decodeSleepState(req.resumeFrom).epochs : [];
  const numClasses = Math.max(req.dataset.classNames.length, 1);
  let stopReason: StopReason = 'completed';
  for (let epoch = epochs.length + 1; epoch <= config.training.epochs; epoch++) {
    if (await hooks?.shouldStop?.()) {
      stopReason = 'stopped';
      break;
    }
    const started = performance.now();
    await pass(config.model.sleep_ms);
    const seconds = (performance.now() - started) / 1000;
    const progress = 1 - 1 / (epoch + 1);
    const metrics: EngineEpochMetrics = {
      epoch,
      loss: 2 / (epoch + 1),
      accuracy: progress,
      val_loss: 2.2 / (epoch + 1),
      val_accuracy: progress * 0.95,
      val_auc: 0.5 + progress * 0.45,
      lr: config.optimizer.learning_rate,
      seconds,
      images_per_sec: seconds > 0 ? req.dataset.train.count / seconds : 0,
    };
    epochs = [...epochs, metrics];
    const snapshot = epochs;
    await hooks?.onEpochEnd?.(metrics, (): Promise<TrainingState> => {
      const bytes = new TextEncoder().encode(JSON.stringify({ kind: 'sleep', epochs: snapshot } satisfies SleepState));
      return Promise.resolve({ epoch: snapshot.length, bytes, sha256: sha256Hex(bytes) });
    });
  }
  let bestEpoch = 0;
  epochs.forEach((m, i) => {
    if (bestEpoch === 0 || m.val_loss < epochs[bestEpoch - 1]!.val_loss) bestEpoch = i + 1;
  });
  return {
    stopReason,
    epochs,
    bestEpoch,
    confusionMatrix: Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0)),
    perClassAccuracy: new Array<number>(numClasses).fill(NaN),
    samples: [],
    weightsSha256: trajectorySha256(epochs),
    backend: 'none',
  };
}

/**
 * The family's "weights": a hash of its metric trajectory without the timings, so a run resumed from another
 * trial's checkpoint (another learning rate) or stopped short has other weights than its fault-free run.
 */
function trajectorySha256(epochs: readonly EngineEpochMetrics[]): string {
  const trajectory = epochs.map((m) => [m.epoch, m.loss, m.accuracy, m.val_loss, m.val_accuracy, m.val_auc, m.lr]);
  return sha256Hex(new TextEncoder().encode(JSON.stringify(trajectory)));
}

function decodeSleepState(bytes: Uint8Array): SleepState {
  let state: SleepState;
  try {
    state = JSON.parse(new TextDecoder().decode(bytes)) as SleepState;
  } catch {
    throw new Error('training state is not a sleep-family state (not JSON); was it saved by a vgg trial?');
  }
  if (state.kind !== 'sleep') throw new Error(`training state is of kind '${String(state.kind)}', expected 'sleep'`);
  return state;
}
