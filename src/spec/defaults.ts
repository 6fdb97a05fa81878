import type { SchedulerInput, SpecInput } from './spec-input.js';
import { parameterAxes } from './space.js';
import type { ExecutionSettings, ExportSettings } from './types.js';
import type { SchedulerConfig } from '../domain/scheduler.js';
import { resolve } from 'node:path';
import type { CommandTrial, DatasetConfig, Goal, Objective, TrialConfig } from '../domain/trial-config.js';

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
  execution: { max_deliver: 5, ack_wait_s: 30, pool: 'default', checkpoint_every: 1, max_trials: 100_000 },
  // metric/goal default to the objective's; asha max_epochs to the smallest training epochs (schedulerOf).
  scheduler: { grace_epochs: 1, reduction_factor: 3, min_groups: 3 },
} as const;

/**
 * The TrialConfig every trial of this spec starts from, before its parameters are applied. `specDir` is the
 * directory a command trainer's relative `cwd` is resolved against (the spec file's).
 */
export function baseTrialConfig(spec: SpecInput, specDir: string, module?: ModuleRef): TrialConfig {
  const t = spec.training ?? {};
  const m = DEFAULTS.model;
  return {
    version: 1,
    model: { family: familyOf(spec), ...m },
    optimizer: { ...DEFAULTS.optimizer },
    training: {
      epochs: t.epochs ?? DEFAULTS.training.epochs,
      batch_size: t.batch_size ?? DEFAULTS.training.batch_size,
      reduce_lr_on_plateau: t.reduce_lr_on_plateau ? { ...DEFAULTS.reduceLrOnPlateau, ...t.reduce_lr_on_plateau } : null,
      early_stopping: t.early_stopping ? { ...DEFAULTS.earlyStopping, ...t.early_stopping } : null,
    },
    dataset: spec.dataset ? datasetConfig(spec.dataset) : null,
    ...(spec.trainer ? { command: commandTrial(spec.trainer, spec.metrics ?? [], specDir) } : {}),
    ...(module ? { module: { sha256: module.sha256, file: module.file, params: {} } } : {}),
    seed: 0,
    params: {},
  };
}

/** A model module's bundle, as the trials of its spec name it. */
export interface ModuleRef {
  sha256: string;
  file: string;
}

function familyOf(spec: SpecInput): TrialConfig['model']['family'] {
  if (spec.trainer) return 'command';
  if (typeof spec.model === 'object') return 'module';
  return spec.model ?? 'vgg';
}

function commandTrial(trainer: NonNullable<SpecInput['trainer']>, metrics: string[], specDir: string): CommandTrial {
  return {
    trainer: {
      command: [...trainer.command],
      env: Object.fromEntries(Object.entries(trainer.env ?? {}).map(([k, v]) => [k, String(v)])),
      cwd: resolve(specDir, trainer.cwd ?? '.'),
      timeout_s: trainer.timeout_s ?? null,
    },
    params: {},
    metrics: [...metrics],
  };
}

function datasetConfig(d: NonNullable<SpecInput['dataset']>): DatasetConfig {
  return {
    name: d.name,
    validation: d.validation ?? DEFAULTS.dataset.validation,
    normalize: d.normalize ?? DEFAULTS.dataset.normalize,
    subset: { train: d.subset?.train ?? null, validation: d.subset?.validation ?? null },
    synthetic: d.synthetic ? { ...d.synthetic, noise: d.synthetic.noise ?? DEFAULTS.dataset.noise } : null,
  };
}

/** Loss-like metrics are minimized, the rest maximized, unless the spec says otherwise. */
export function naturalGoal(metric: string): Goal {
  return metric.endsWith('loss') ? 'min' : 'max';
}

/** The spec's objective: val_accuracy by default, its goal the metric's natural one unless given. */
export function objectiveOf(spec: SpecInput): Objective {
  const metric: string = spec.objective?.metric ?? DEFAULTS.objective.metric;
  return { metric, goal: spec.objective?.goal ?? naturalGoal(metric) };
}

/**
 * The fewest epochs a trial of this spec trains, and where that number comes from: training.epochs (or its
 * default), or, where epochs is a parameter, the smallest value it can take (grid and choice values, an int
 * distribution's min; a conditional epochs also leaves training's default epochs to the trials it skips).
 */
export function smallestEpochs(spec: SpecInput): { epochs: number; from: 'training' | 'parameters' } {
  const base = spec.training?.epochs ?? DEFAULTS.training.epochs;
  const axis = parameterAxes(spec.parameters).find((a) => a.name === 'epochs');
  if (!axis) return { epochs: base, from: 'training' };
  const values =
    axis.kind === 'fixed' ? [axis.value] : axis.kind === 'grid' ? axis.values : axis.distribution.distribution === 'choice' ? axis.distribution.values : [axis.distribution.min];
  const numbers = values.filter((v): v is number => typeof v === 'number');
  const smallest = Math.min(...numbers);
  // Trials where a conditional epochs is inactive train training's (default) epochs.
  if (!Number.isFinite(smallest) || (axis.when && base < smallest)) return { epochs: base, from: 'training' };
  return { epochs: smallest, from: 'parameters' };
}

type SchedulerForm = Exclude<SchedulerInput, string>;

/** The spec's scheduler block as a mapping (the bare `asha` / `median` mean all defaults); null for none. */
export function schedulerInputOf(spec: Pick<SpecInput, 'scheduler'>): Exclude<SchedulerForm, { type: 'none' }> | null {
  const s = spec.scheduler;
  if (s === undefined || s === null || s === 'none') return null;
  const form: SchedulerForm = typeof s === 'string' ? { type: s } : s;
  return form.type === 'none' ? null : form;
}

/**
 * The resolved scheduler (null: none, the default). metric defaults to the objective's; goal to the objective's
 * goal when the metric is the objective's, else to the metric's natural goal. ASHA's max_epochs defaults to the
 * smallest training epochs and never exceeds them: a quick profile or --epochs that shortens training lowers it
 * (the spec as written is checked to be within them, cross-checks.ts).
 */
export function schedulerOf(spec: SpecInput): SchedulerConfig | null {
  const s = schedulerInputOf(spec);
  if (!s) return null;
  const objective = objectiveOf(spec);
  const metric = s.metric ?? objective.metric;
  const goal = s.goal ?? (metric === objective.metric ? objective.goal : naturalGoal(metric));
  const grace_epochs = s.grace_epochs ?? DEFAULTS.scheduler.grace_epochs;
  if (s.type === 'median') return { type: 'median', metric, goal, grace_epochs, min_groups: s.min_groups ?? DEFAULTS.scheduler.min_groups };
  const { epochs } = smallestEpochs(spec);
  return {
    type: 'asha',
    metric,
    goal,
    grace_epochs,
    reduction_factor: s.reduction_factor ?? DEFAULTS.scheduler.reduction_factor,
    max_epochs: Math.min(s.max_epochs ?? epochs, epochs),
  };
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
