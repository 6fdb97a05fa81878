import type { TrialConfig } from '../../domain/trial-config.js';
import type { StopReason } from '../../training/types.js';
import type { BackendName } from '../../domain/backends.js';
import type { EngineEpochMetrics } from '../../domain/metrics.js';
import type { TrialResultRecord } from '../../domain/trial-record.js';
import type { PatchStatuses } from '../../runtime-patches.js';

/**
 * Messages between a worker and its trainer process (one child process per slot, see trainer-process.ts).
 * Every message carries `v`; a side that receives a version it does not speak fails the trainer instead of
 * guessing. Binary payloads (checkpoints, weights) travel as Uint8Array through Node's structured-clone IPC.
 */
export const TRAINER_PROTOCOL_VERSION = 1;

export type ToTrainer =
  | { v: 1; type: 'init'; backend: BackendName; dataDir: string | null }
  /** `moduleCode`: the bundle of config.module (model family 'module'), which the trainer loads before it builds. */
  | { v: 1; type: 'train'; runId: number; config: TrialConfig; resumeFrom: Uint8Array | null; checkpointEvery: number; moduleCode?: string }
  /** The worker handled an epoch (checkpoint stored, record written): go on, or stop at this epoch boundary. */
  | { v: 1; type: 'epoch-ack'; runId: number; stop: boolean }
  /** Stop the run at the next batch boundary, writing nothing (drain, lost lease). */
  | { v: 1; type: 'abort'; runId: number };

export interface TrainerFailure {
  name: string;
  message: string;
  /** Retrying cannot help (bad config, unknown dataset): fail the trial at once. */
  unrecoverable: boolean;
}

export interface TrainerOutcome {
  stopReason: StopReason;
  epochs: EngineEpochMetrics[];
  result: TrialResultRecord;
  /** Final weights (serialized by the trainer: a model cannot cross a process); null for stopped runs. */
  weights: Uint8Array | null;
}

export type FromTrainer =
  /** `patches`: the trainer's runtime patches and native bridges (fused batch norm, oneDNN), for the worker's /metrics. */
  | { v: 1; type: 'ready'; backend: string; patches: PatchStatuses }
  | { v: 1; type: 'init-failed'; error: TrainerFailure }
  | { v: 1; type: 'log'; level: 'debug' | 'info' | 'warn'; msg: string }
  | { v: 1; type: 'epoch'; runId: number; metrics: EngineEpochMetrics; state: { epoch: number; bytes: Uint8Array; sha256: string } | null }
  | { v: 1; type: 'done'; runId: number; outcome: TrainerOutcome }
  | { v: 1; type: 'aborted'; runId: number }
  | { v: 1; type: 'failed'; runId: number; error: TrainerFailure };

export function isProtocolMessage(m: unknown): m is { v: number; type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && typeof (m as { v?: unknown }).v === 'number';
}

/** Whether the state after `epoch` is checkpointed (`checkpointEvery` 0 = never), for the trainer and inline runs alike. */
export const isCheckpointEpoch = (epoch: number, checkpointEvery: number): boolean => checkpointEvery > 0 && epoch % checkpointEvery === 0;
