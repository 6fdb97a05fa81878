import { z } from 'zod';
import { SweepError } from './errors.js';

/**
 * The resolved configuration of one trial: what the spec expands into, what a job carries,
 * what the training engine consumes, and what a trial ID hashes. Plain JSON only.
 *
 * These schemas check shape, not ranges: the spec schema (src/spec/schema.ts) checks what a user may write.
 */

export const REGULARIZERS = ['batchnorm', 'batchnorm-every-conv', 'dropout', 'none'] as const;
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop'] as const;
export const DATASET_NAMES = ['cifar10', 'fashion-mnist', 'synthetic'] as const;
export const GOALS = ['max', 'min'] as const;
export const METRIC_NAMES = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_auc'] as const;
/** The models the engine builds and trains itself (the spec's `model:`). */
export const BUILTIN_MODEL_FAMILIES = ['vgg', 'sleep', 'spin'] as const;
/**
 * 'module': the engine trains a model a user's module builds (the spec's `model: { module: ... }`, TrialConfig.module);
 * 'command': a user's own program trains (the spec's `trainer:`, TrialConfig.command).
 */
export const MODEL_FAMILIES = [...BUILTIN_MODEL_FAMILIES, 'module', 'command'] as const;
export const NORMALIZATIONS = ['scale', 'standardize'] as const;

export const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof scalarSchema>;

export const regularizerSchema = z.enum(REGULARIZERS);
export type Regularizer = z.infer<typeof regularizerSchema>;
export const optimizerNameSchema = z.enum(OPTIMIZER_NAMES);
export type OptimizerName = z.infer<typeof optimizerNameSchema>;
export const datasetNameSchema = z.enum(DATASET_NAMES);
export type DatasetName = z.infer<typeof datasetNameSchema>;
export const goalSchema = z.enum(GOALS);
export type Goal = z.infer<typeof goalSchema>;
/** The metrics the built-in trainers report (what their callbacks may monitor). */
export const metricNameSchema = z.enum(METRIC_NAMES);
export type MetricName = z.infer<typeof metricNameSchema>;
/** Any metric a trainer reports, built-in or a user's program (an objective, a scheduler's metric). */
export const anyMetricNameSchema = z.string().min(1);

/** Model hyper-parameters. Every key has a default, so a spec only names what it fixes or sweeps. */
export const modelParamsSchema = z.object({
  /**
   * 'vgg' trains a real model; 'sleep' only waits `sleep_ms` per epoch (dispatch benchmarks); 'spin' keeps its
   * thread busy for `sleep_ms` per epoch, as a real epoch does (tests of leases under long, blocking epochs).
   */
  family: z.enum(MODEL_FAMILIES),
  /** Conv blocks; block i has two 3×3 convs of 32·2^i filters. */
  depth: z.number(),
  regularizer: regularizerSchema,
  /** After each conv block, only when regularizer = dropout. */
  dropout_rate: z.number(),
  /** Before the output layer, only when regularizer = dropout. */
  dense_dropout_rate: z.number(),
  dense_units: z.number(),
  /** Families 'sleep' and 'spin' only. */
  sleep_ms: z.number(),
});
export type ModelParams = z.infer<typeof modelParamsSchema>;

export const optimizerParamsSchema = z.object({
  name: optimizerNameSchema,
  learning_rate: z.number(),
  /** momentum / nesterov / rmsprop */
  momentum: z.number(),
});
export type OptimizerParams = z.infer<typeof optimizerParamsSchema>;

export const reduceLROnPlateauConfigSchema = z.object({
  monitor: metricNameSchema,
  factor: z.number(),
  patience: z.number(),
  min_lr: z.number(),
  cooldown: z.number(),
  min_delta: z.number(),
});
export type ReduceLROnPlateauConfig = z.infer<typeof reduceLROnPlateauConfigSchema>;

export const earlyStoppingConfigSchema = z.object({
  monitor: metricNameSchema,
  patience: z.number(),
  min_delta: z.number(),
  restore_best_weights: z.boolean(),
});
export type EarlyStoppingConfig = z.infer<typeof earlyStoppingConfigSchema>;

export const trainingParamsSchema = z.object({
  epochs: z.number(),
  batch_size: z.number(),
  reduce_lr_on_plateau: reduceLROnPlateauConfigSchema.nullable(),
  early_stopping: earlyStoppingConfigSchema.nullable(),
});
export type TrainingParams = z.infer<typeof trainingParamsSchema>;

export const syntheticDatasetOptionsSchema = z.object({
  height: z.number(),
  width: z.number(),
  channels: z.number(),
  classes: z.number(),
  train_size: z.number(),
  validation_size: z.number(),
  /** 0..1, share of the pixel range that is noise. */
  noise: z.number(),
});
export type SyntheticDatasetOptions = z.infer<typeof syntheticDatasetOptionsSchema>;

export const datasetConfigSchema = z.object({
  name: datasetNameSchema,
  /** 'test' validates on the official test split (as the seed study did); a number holds out that fraction of train. */
  validation: z.union([z.literal('test'), z.number()]),
  /** scale: x/255; standardize: per-channel mean/std of the training split. */
  normalize: z.enum(NORMALIZATIONS),
  /** Stratified first-N subsets, for quick profiles. null = everything. */
  subset: z.object({ train: z.number().nullable(), validation: z.number().nullable() }),
  synthetic: syntheticDatasetOptionsSchema.nullable(),
});
export type DatasetConfig = z.infer<typeof datasetConfigSchema>;

export const objectiveSchema = z.object({
  metric: anyMetricNameSchema,
  goal: goalSchema,
});
export type Objective = z.infer<typeof objectiveSchema>;

/** A user's training program (the spec's `trainer:`), run by src/worker/command/ under its contract. */
export const commandTrainerConfigSchema = z.object({
  /** argv; `{name}` placeholders are replaced by the trial's parameters. */
  command: z.array(z.string()).min(1),
  /** Extra environment; values may hold placeholders too. */
  env: z.record(z.string(), z.string()),
  /** Working directory: absolute, resolved against the spec file's directory at expansion; null: the worker's own. */
  cwd: z.string().nullable(),
  /** Wall-clock limit of one attempt in seconds; null: none. */
  timeout_s: z.number().nullable(),
});
export type CommandTrainerConfig = z.infer<typeof commandTrainerConfigSchema>;

export const commandTrialSchema = z.object({
  trainer: commandTrainerConfigSchema,
  /** Every parameter the program gets, fixed and swept, plus `epochs` and `seed`. */
  params: z.record(z.string(), scalarSchema),
  /** The metrics the spec declares the program prints: a run that never prints one of them fails. */
  metrics: z.array(z.string()).min(1),
});
export type CommandTrial = z.infer<typeof commandTrialSchema>;

/** A user's model module (the spec's `model: { module: ./model.ts }`), bundled with its imports. */
export const moduleTrialSchema = z.object({
  /** sha256 of the bundle: the code in the sweep-models store that every worker runs (and part of the trial ID). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The module's file name, for tables and messages. */
  file: z.string(),
  /** The module's own parameters (everything but the engine's optimizer, learning_rate, momentum, epochs, batch_size). */
  params: z.record(z.string(), scalarSchema),
});
export type ModuleTrial = z.infer<typeof moduleTrialSchema>;

export const trialConfigSchema = z.object({
  /** Bumped when the meaning of a config changes, so old trial IDs are not reused for new semantics. */
  version: z.literal(1),
  model: modelParamsSchema,
  optimizer: optimizerParamsSchema,
  training: trainingParamsSchema,
  /** null: the trainer loads its own data (command trainers). */
  dataset: datasetConfigSchema.nullable(),
  /** Model family 'command' only: the program, and what it is given. Absent otherwise (so other IDs are unchanged). */
  command: commandTrialSchema.optional(),
  /** Model family 'module' only: which bundle builds the model, and its parameters. */
  module: moduleTrialSchema.optional(),
  /** The trial's seed: init, shuffling, dropout. */
  seed: z.number(),
  /** The swept parameters of this trial by their spec names, for tables (e.g. {regularizer: 'dropout', depth: 2}). */
  params: z.record(z.string(), scalarSchema),
});
export type TrialConfig = z.infer<typeof trialConfigSchema>;

/** A trial's config has no dataset where one is needed (a command trial handed to the built-in engine). */
export class MissingDatasetError extends SweepError {}

/** The dataset of a trial the engine trains itself; every built-in model family has one. */
export function datasetOf(config: Pick<TrialConfig, 'dataset' | 'model'>): DatasetConfig {
  if (!config.dataset) throw new MissingDatasetError(`a trial of model family '${config.model.family}' has no dataset, and only command trials load their own data`);
  return config.dataset;
}
