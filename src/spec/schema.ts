import { z } from 'zod';
import { BUILTIN_MODEL_FAMILIES, DATASET_NAMES, GOALS, METRIC_NAMES, NORMALIZATIONS } from '../domain/trial-config.js';
import { PARAMETERS, PARAMETER_NAMES, type ParameterDef } from './parameters.js';

export const metricSchema = z.enum(METRIC_NAMES);
export const datasetNameSchema = z.enum(DATASET_NAMES);
export const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const slug = () =>
  z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: "may only contain lowercase letters, digits and '-'" }).max(64);

export const whenSchema = z
  .record(z.string(), z.union([scalar, z.array(scalar).min(1)]))
  .meta({ id: 'condition', description: 'the parameter exists only in trials whose grid parameters match: {param: value | [values]}' });

/** The forms one parameter may take, each restricted to values valid for that parameter. */
export function parameterForms(def: ParameterDef) {
  const v = def.value;
  const fixed = z.strictObject({ value: v, when: whenSchema.optional() });
  const grid = z.strictObject({ values: z.array(v).min(1), when: whenSchema.optional() });
  const distributions: Record<string, z.ZodObject> = {
    choice: z.strictObject({ distribution: z.literal('choice'), values: z.array(v).min(1), when: whenSchema.optional() }),
  };
  if (def.kind === 'real') {
    for (const name of ['uniform', 'loguniform'] as const) {
      distributions[name] = z.strictObject({ distribution: z.literal(name), min: v, max: v, when: whenSchema.optional() });
    }
  }
  if (def.kind === 'int') {
    distributions.int = z.strictObject({ distribution: z.literal('int'), min: v, max: v, when: whenSchema.optional() });
  }
  return { scalar: v, fixed, grid, distributions };
}

function parameterSchema(def: ParameterDef) {
  const f = parameterForms(def);
  const options = [f.scalar, f.grid, f.fixed, ...Object.values(f.distributions)] as const;
  return z.union(options).describe(def.description);
}

export const parametersSchema = z.strictObject(
  Object.fromEntries(PARAMETER_NAMES.map((n) => [n, parameterSchema(PARAMETERS[n]).optional()])),
).meta({ id: 'parameters', description: 'each key: a fixed value, { values: [...] } (grid) or { distribution: ... } (random)' });

const reduceLrSchema = z.strictObject({
  monitor: metricSchema.optional(),
  factor: z.number().gt(0).lt(1).optional(),
  patience: z.int().min(0).optional(),
  min_lr: z.number().min(0).optional(),
  cooldown: z.int().min(0).optional(),
  min_delta: z.number().min(0).optional(),
});

const earlyStoppingSchema = z.strictObject({
  monitor: metricSchema.optional(),
  patience: z.int().min(0).optional(),
  min_delta: z.number().min(0).optional(),
  restore_best_weights: z.boolean().optional(),
});

export const trainingSchema = z.strictObject({
  epochs: PARAMETERS.epochs.value.optional(),
  batch_size: PARAMETERS.batch_size.value.optional(),
  reduce_lr_on_plateau: reduceLrSchema.nullable().optional(),
  early_stopping: earlyStoppingSchema.nullable().optional(),
}).meta({ id: 'training' });

/** The early-termination schedulers a spec may name; omitted fields are filled in by defaults.ts (schedulerOf). */
export const SCHEDULER_TYPES = ['asha', 'median', 'none'] as const;
const schedulerCommon = (metric: z.ZodType<string>) => ({
  metric: metric.describe('default: objective.metric').optional(),
  goal: z.enum(GOALS).describe("default: objective.goal for the objective's metric, else min for *loss, max otherwise").optional(),
  grace_epochs: z.int().min(1).describe('epochs before a trial may be stopped (default 1)').optional(),
});
/** The scheduler forms, their metric checked by `metric` (the built-in metrics, or a command spec's metric names). */
export const schedulerFormsFor = (metric: z.ZodType<string>) => ({
  asha: z.strictObject({
    type: z.literal('asha'),
    ...schedulerCommon(metric),
    reduction_factor: z.int().min(2).describe('η: rungs at grace_epochs × η^k (default 3)').optional(),
    max_epochs: z.int().min(1).describe('rungs stay below it (default and at most: the smallest training.epochs)').optional(),
  }),
  median: z.strictObject({
    type: z.literal('median'),
    ...schedulerCommon(metric),
    min_groups: z.int().min(1).describe('other configurations needed at an epoch before one is judged (default 3)').optional(),
  }),
  none: z.strictObject({ type: z.literal('none') }),
});
export const schedulerForms = schedulerFormsFor(metricSchema);
export function schedulerSchemaFor(metric: z.ZodType<string>) {
  const forms = schedulerFormsFor(metric);
  return z
    .union([z.enum(SCHEDULER_TYPES), z.discriminatedUnion('type', [forms.asha, forms.median, forms.none])])
    .nullable()
    .meta({ description: 'early termination: asha | median | none (default), or { type: ..., fields }' });
}
export const schedulerSchema = schedulerSchemaFor(metricSchema).meta({ id: 'scheduler' });

const syntheticSchema = z.strictObject({
  height: z.int().min(4).max(512),
  width: z.int().min(4).max(512),
  channels: z.int().min(1).max(4),
  classes: z.int().min(2).max(1000),
  train_size: z.int().min(1).max(1_000_000),
  validation_size: z.int().min(1).max(1_000_000),
  noise: z.number().min(0).max(1).optional(),
});

const subsetSize = z.int().min(1).nullable().optional();
const datasetFields = {
  validation: z
    .union([z.literal('test'), z.number().gt(0).lt(1)], {
      error: "must be 'test' or a fraction of train to hold out, between 0 and 1 exclusive",
    })
    .optional(),
  normalize: z.enum(NORMALIZATIONS).optional(),
  subset: z.strictObject({ train: subsetSize, validation: subsetSize }).optional(),
  synthetic: syntheticSchema.optional(),
};
export const datasetSchema = z.strictObject({ name: datasetNameSchema, ...datasetFields });

export const seedSchema = z.int().min(0).max(2 ** 31 - 1);
export const seedsFields = {
  seeds: z.array(seedSchema).min(1).describe('trial seeds, an axis crossed with everything').optional(),
  // No upper bounds of their own: seeds × grid × samples is held to execution.max_trials (trial-limit.ts).
  repeats: z.int().min(1).describe('shorthand for seeds 0..repeats-1').optional(),
  samples: z.int().min(1).describe('draws of the random parameters, crossed with the grid').optional(),
};

export const quickSchema = z.strictObject({
  note: z.string().min(1).describe('one line saying how this profile differs from the full study, shown with the findings').optional(),
  training: trainingSchema.optional(),
  dataset: z.strictObject({ name: datasetNameSchema.optional(), ...datasetFields }).optional(),
  parameters: parametersSchema.optional(),
  ...seedsFields,
  scheduler: schedulerSchema.optional(),
});

export const exportSchema = z
  .strictObject({ top: z.int().min(1).max(1000).optional(), format: z.literal('onnx').optional() })
  .nullable();

export const executionSchema = z.strictObject({
  max_deliver: z.int().min(1).max(100).optional(),
  ack_wait_s: z.number().min(1).max(3600).optional(),
  checkpoint_every: z.int().min(0).max(1000).describe('save the training state every N epochs (0 = never)').optional(),
  pool: slug().optional(),
  max_trials: z
    .int()
    .min(1)
    .describe('refuse the spec, before expanding it, when seeds × grid × samples exceeds this many trials (default 100000)')
    .optional(),
});

export const specSchema = z
  .strictObject({
    name: slug(),
    description: z.string().optional(),
    model: z.enum(BUILTIN_MODEL_FAMILIES),
    seed: seedSchema.describe('sweep seed for random sampling (default 0)').optional(),
    dataset: datasetSchema,
    parameters: parametersSchema.optional(),
    ...seedsFields,
    training: trainingSchema.optional(),
    objective: z.strictObject({ metric: metricSchema, goal: z.enum(GOALS).optional() }).optional(),
    scheduler: schedulerSchema.optional(),
    export: exportSchema.optional(),
    execution: executionSchema.optional(),
    quick: quickSchema.describe('profile applied by --quick').optional(),
  })
  .describe('A sweep spec for the `sweep` orchestrator');
