/**
 * The resolved configuration of one trial: what the spec expands into, what a job carries,
 * what the training engine consumes, and what a trial ID hashes. Plain JSON only.
 */

export type Scalar = string | number | boolean;

export type Regularizer = 'batchnorm' | 'batchnorm-every-conv' | 'dropout' | 'none';
export type OptimizerName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'rmsprop';
export type DatasetName = 'cifar10' | 'fashion-mnist' | 'synthetic';
export type Goal = 'max' | 'min';
export type MetricName = 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy' | 'val_auc';

/** Model hyper-parameters. Every key has a default, so a spec only names what it fixes or sweeps. */
export interface ModelParams {
  /**
   * 'vgg' trains a real model; 'sleep' only waits `sleep_ms` per epoch (dispatch benchmarks); 'spin' keeps its
   * thread busy for `sleep_ms` per epoch, as a real epoch does (tests of leases under long, blocking epochs).
   */
  family: 'vgg' | 'sleep' | 'spin';
  depth: number;                 // conv blocks; block i has two 3×3 convs of 32·2^i filters
  regularizer: Regularizer;
  dropout_rate: number;          // after each conv block, only when regularizer = dropout
  dense_dropout_rate: number;    // before the output layer, only when regularizer = dropout
  dense_units: number;
  sleep_ms: number;              // families 'sleep' and 'spin' only
}

export interface OptimizerParams {
  name: OptimizerName;
  learning_rate: number;
  momentum: number;              // momentum / nesterov / rmsprop
}

export interface ReduceLROnPlateauConfig {
  monitor: MetricName;
  factor: number;
  patience: number;
  min_lr: number;
  cooldown: number;
  min_delta: number;
}

export interface EarlyStoppingConfig {
  monitor: MetricName;
  patience: number;
  min_delta: number;
  restore_best_weights: boolean;
}

export interface TrainingParams {
  epochs: number;
  batch_size: number;
  reduce_lr_on_plateau: ReduceLROnPlateauConfig | null;
  early_stopping: EarlyStoppingConfig | null;
}

export interface SyntheticDatasetOptions {
  height: number;
  width: number;
  channels: number;
  classes: number;
  train_size: number;
  validation_size: number;
  noise: number;                 // 0..1, share of the pixel range that is noise
}

export interface DatasetConfig {
  name: DatasetName;
  /** 'test' validates on the official test split (as the seed study did); a number holds out that fraction of train. */
  validation: 'test' | number;
  normalize: 'scale' | 'standardize';   // scale: x/255; standardize: per-channel mean/std of the training split
  /** Stratified first-N subsets, for quick profiles. null = everything. */
  subset: { train: number | null; validation: number | null };
  synthetic: SyntheticDatasetOptions | null;
}

export interface Objective {
  metric: MetricName;
  goal: Goal;
}

export interface TrialConfig {
  /** Bumped when the meaning of a config changes, so old trial IDs are not reused for new semantics. */
  version: 1;
  model: ModelParams;
  optimizer: OptimizerParams;
  training: TrainingParams;
  dataset: DatasetConfig;
  /** The trial's seed: init, shuffling, dropout. */
  seed: number;
  /** The swept parameters of this trial by their spec names, for tables (e.g. {regularizer: 'dropout', depth: 2}). */
  params: Record<string, Scalar>;
}

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
  trials: Trial[];
}
