import type { SpecInput } from './schema.js';
import type { ExecutionSettings, ExportSettings } from './types.js';
import type { DatasetConfig, MetricName, Objective, TrialConfig } from '../domain/trial-config.js';

/** The values of every TrialConfig field a spec leaves out (documented in docs/spec.md). */
export const DEFAULTS = {
  model: { depth: 2, regularizer: 'batchnorm', dropout_rate: 0.2, dense_dropout_rate: 0.5, dense_units: 128, sleep_ms: 100 },
  optimizer: { name: 'sgd', learning_rate: 0.01, momentum: 0.9 },
  training: { epochs: 10, batch_size: 64 },
  // Keras' defaults, so a spec written against Keras callbacks means the same here.
  reduceLrOnPlateau: { monitor: 'val_loss', factor: 0.1, patience: 10, min_lr: 0, cooldown: 0, min_delta: 1e-4 },
  earlyStopping: { monitor: 'val_loss', patience: 0, min_delta: 0, restore_best_weights: false },
  dataset: { validation: 'test', normalize: 'scale', noise: 0.3 },
  objective: { metric: 'val_accuracy' },
  export: { top: 3, format: 'onnx' },
  execution: { max_deliver: 5, ack_wait_s: 30, pool: 'default', checkpoint_every: 1 },
} as const;

/** The TrialConfig every trial of this spec starts from, before its parameters are applied. */
export function baseTrialConfig(spec: SpecInput): TrialConfig {
  const t = spec.training ?? {};
  const m = DEFAULTS.model;
  return {
    version: 1,
    model: { family: spec.model, ...m },
    optimizer: { ...DEFAULTS.optimizer },
    training: {
      epochs: t.epochs ?? DEFAULTS.training.epochs,
      batch_size: t.batch_size ?? DEFAULTS.training.batch_size,
      reduce_lr_on_plateau: t.reduce_lr_on_plateau ? { ...DEFAULTS.reduceLrOnPlateau, ...t.reduce_lr_on_plateau } : null,
      early_stopping: t.early_stopping ? { ...DEFAULTS.earlyStopping, ...t.early_stopping } : null,
    },
    dataset: datasetConfig(spec.dataset),
    seed: 0,
    params: {},
  };
}

function datasetConfig(d: SpecInput['dataset']): DatasetConfig {
  return {
    name: d.name,
    validation: d.validation ?? DEFAULTS.dataset.validation,
    normalize: d.normalize ?? DEFAULTS.dataset.normalize,
    subset: { train: d.subset?.train ?? null, validation: d.subset?.validation ?? null },
    synthetic: d.synthetic ? { ...d.synthetic, noise: d.synthetic.noise ?? DEFAULTS.dataset.noise } : null,
  };
}

/** Loss-like metrics are minimized, the rest maximized, unless the spec says otherwise. */
export function objectiveOf(spec: SpecInput): Objective {
  const metric: MetricName = spec.objective?.metric ?? DEFAULTS.objective.metric;
  return { metric, goal: spec.objective?.goal ?? (metric.endsWith('loss') ? 'min' : 'max') };
}

export function exportOf(spec: SpecInput): ExportSettings | null {
  if (!spec.export) return null;
  return { top: spec.export.top ?? DEFAULTS.export.top, format: spec.export.format ?? DEFAULTS.export.format };
}

export function executionOf(spec: SpecInput): ExecutionSettings {
  const e = spec.execution ?? {};
  return {
    max_deliver: e.max_deliver ?? DEFAULTS.execution.max_deliver,
    ack_wait_ms: Math.round((e.ack_wait_s ?? DEFAULTS.execution.ack_wait_s) * 1000),
    pool: e.pool ?? DEFAULTS.execution.pool,
    checkpoint_every: e.checkpoint_every ?? DEFAULTS.execution.checkpoint_every,
  };
}

export function seedsOf(spec: SpecInput): number[] {
  if (spec.seeds) return spec.seeds;
  return Array.from({ length: spec.repeats ?? 1 }, (_, i) => i);
}
