// Builders for the records tests put into the trial store or feed to pure functions: each gives a valid value
// with plain defaults, and a test spells out only the fields its assertions are about.
import type { AttemptRecord, TrialStateFields } from '../../src/domain/trial-state.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import type { EngineEpochMetrics } from '../../src/domain/metrics.js';
import type { TrialView } from '../../src/report/types.js';

const unclaimed = (): TrialStateFields => ({
  status: 'PENDING', attempt: 0, worker: null, startedAt: null, finishedAt: null, heartbeatAt: null, durationMs: null,
  error: null, history: [], epochs: [], checkpoints: [], result: null, model: null,
});

/**
 * The state-machine fields of a trial nobody has claimed: PENDING, attempt 0, no worker, no times, empty history,
 * epochs and checkpoints, no result or model. Fields the overrides bring besides these pass through (a test of
 * the generic state machine adds its own).
 */
export function aTrialState<T extends Partial<TrialStateFields>>(overrides?: T): TrialStateFields & T {
  return { ...unclaimed(), ...overrides } as TrialStateFields & T;
}

/** A trial record as stored in the trials bucket: trial `t` of sweep `s`, index 0, no params, seed 1, no config. */
export function aTrialRecord(overrides: Partial<TrialRecord> = {}): TrialRecord {
  return {
    ...unclaimed(),
    v: 1, sweepId: 's', trialId: 't', index: 0, params: {}, seed: 1,
    epochs: [], checkpoints: [], result: null, model: null, config: null, onnx: null,
    ...overrides,
  };
}

/** The fields that make a trial RUNNING on `worker` with attempt `attempt` (the owner of its writes); spread them. */
export function runningOn(worker: string, attempt: number): Pick<TrialStateFields, 'status' | 'worker' | 'attempt'> {
  return { status: 'RUNNING', worker, attempt };
}

/** One attempt in a record's history: running on `worker` since `startedAt`, from epoch 0. */
export function anAttempt(attempt: number, worker: string, startedAt: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return { attempt, worker, startedAt, endedAt: null, outcome: 'running', resumeEpoch: 0, ...overrides };
}

/** The metrics row of epoch `epoch`: loss 1, accuracy 0, val_loss 1, val_accuracy 0, val_auc 0.5, lr 0, 1 s, 1 image/s. */
export function anEpoch(epoch: number, overrides: Partial<EngineEpochMetrics> = {}): EngineEpochMetrics {
  return { epoch, loss: 1, accuracy: 0, val_loss: 1, val_accuracy: 0, val_auc: 0.5, lr: 0, seconds: 1, images_per_sec: 1, ...overrides };
}

/** A report row: COMPLETED trial `t`, no params, seed 1, no epochs, no best epoch or duration. */
export function aTrialView(overrides: Partial<TrialView> = {}): TrialView {
  return { id: 't', status: 'COMPLETED', params: {}, seed: 1, epochs: [], bestEpoch: null, durationMs: null, ...overrides };
}
