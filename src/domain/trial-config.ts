import { z } from 'zod';

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
export const MODEL_FAMILIES = ['vgg', 'sleep', 'spin'] as const;
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
export const metricNameSchema = z.enum(METRIC_NAMES);
export type MetricName = z.infer<typeof metricNameSchema>;

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
  metric: metricNameSchema,
  goal: goalSchema,
});
export type Objective = z.infer<typeof objectiveSchema>;

export const trialConfigSchema = z.object({
  /** Bumped when the meaning of a config changes, so old trial IDs are not reused for new semantics. */
  version: z.literal(1),
  model: modelParamsSchema,
  optimizer: optimizerParamsSchema,
  training: trainingParamsSchema,
  dataset: datasetConfigSchema,
  /** The trial's seed: init, shuffling, dropout. */
  seed: z.number(),
  /** The swept parameters of this trial by their spec names, for tables (e.g. {regularizer: 'dropout', depth: 2}). */
  params: z.record(z.string(), scalarSchema),
});
export type TrialConfig = z.infer<typeof trialConfigSchema>;
