import type { CommandTrainerConfig } from '../../domain/trial-config.js';

export type { CommandTrainerConfig };

export type { CommandParams } from '../../domain/command-template.js';

export type CommandLog = (level: 'debug' | 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export interface CommandRunOptions {
  /** A packed checkpoint directory (checkpoint-archive.ts) to resume from; null starts fresh. */
  resumeFrom: Uint8Array | null;
  /** The epoch `resumeFrom` holds the state after; 0 on a fresh start. */
  resumeEpoch: number;
  /** Pack the checkpoint directory after every N-th epoch (0 = never). */
  checkpointEvery: number;
  /** Metrics that must each appear in some epoch line of a run that exits 0 (the spec's declared `metrics`). */
  requiredMetrics?: readonly string[];
  /** A fresh, empty directory for this attempt, owned by the runner while it runs. */
  workDir: string;
  /** How long a stopped program has between SIGTERM and SIGKILL; default 10 s. */
  stopGraceMs?: number;
  log: CommandLog;
}

/**
 * One epoch line of the program: `epoch` (1-based) and any numeric metrics under the program's own names. Not
 * the domain's EpochMetrics: a user's program need not report loss, accuracy, val_auc and the rest.
 */
export interface CommandEpochMetrics {
  epoch: number;
  [metric: string]: number;
}

export interface CommandEpochReport {
  metrics: CommandEpochMetrics;
  /** The packed checkpoint directory, on checkpoint epochs whose directory is not empty. */
  state: { epoch: number; bytes: Uint8Array; sha256: string } | null;
}

export interface CommandOutcome {
  /** 'stopped': onEpoch asked to stop, and the program was terminated. */
  stopReason: 'completed' | 'stopped';
  /** The epoch lines this attempt reported, in order (epochs before a resume are not among them). */
  epochs: CommandEpochMetrics[];
  /** `$SWEEP_OUTPUT_DIR`: whatever else the program left for the worker. */
  outputDir: string;
  /** `$SWEEP_OUTPUT_DIR/model.onnx` when the program wrote it. */
  modelPath: string | null;
}

/** The same contract as the tfjs trainers' RunHandle, with the command runner's own outcome. */
export interface CommandRunHandle {
  /** Settles with the outcome, or 'aborted' after abort(); rejects with a SweepError (errors.ts) or onEpoch's error. */
  finished: Promise<CommandOutcome | 'aborted'>;
  /** Stop the program without a result (drain, lost lease): SIGTERM, SIGKILL after the grace. Idempotent. */
  abort(): void;
  /** The program's pid once spawned (setpriv execs it, so it is the program's own). */
  readonly pid: number | undefined;
}
