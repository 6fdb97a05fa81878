import type { Objective, TrialConfig } from '../domain/trial-config.js';
import type { SchedulerConfig } from '../domain/scheduler.js';

export interface Trial {
  /** Content hash of the canonical TrialConfig (see spec/trial-id.ts). */
  id: string;
  index: number;
  config: TrialConfig;
}

export interface ExecutionSettings {
  max_deliver: number;
  ack_wait_ms: number;
  /** Save the training state to the object store every N epochs; 0 = never (dispatch benchmarks). */
  checkpoint_every: number;
  pool: string;
}

export interface ExportSettings {
  top: number;
  format: 'onnx';
}

/** A validated, expanded sweep. */
export interface ExpandedSweep {
  name: string;
  /** Sweep ID: name-derived and stable; the spec hash distinguishes versions. */
  id: string;
  specHash: string;
  /** The validated spec as written (before the quick profile and overrides): what specHash hashes. */
  spec: unknown;
  objective: Objective;
  export: ExportSettings | null;
  execution: ExecutionSettings;
  /** Early termination, defaults filled in (spec/defaults.ts schedulerOf); null: none, every trial runs to its end. */
  scheduler: SchedulerConfig | null;
  /** A module spec's bundle (spec/module-bundle.ts): stored by sha256 at launch, loaded by workers. */
  module?: { file: string; sha256: string; code: string } | null;
  /** How the trials differ from the spec as written (the quick profile's note, command-line overrides); null: they do not. */
  profileNote?: string | null;
  trials: Trial[];
}
