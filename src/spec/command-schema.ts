import { z } from 'zod';
import { GOALS } from '../domain/trial-config.js';
import { loaderVariableRule } from '../domain/loader-env.js';
import { PARAMETERS } from './parameters.js';
import { executionSchema, exportSchema, scalar, schedulerSchemaFor, seedSchema, seedsFields, slug, whenSchema } from './schema.js';

/**
 * The spec of a sweep over a user's own training program (`trainer:`), as opposed to a built-in model
 * (`model:`, schema.ts). Its parameters are free: any name the program takes. Its metrics are what the program
 * prints, declared in `metrics:`; the objective and the scheduler's metric must be among them (cross-checks.ts).
 */

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A parameter's name: it becomes a `{name}` placeholder and `SWEEP_PARAM_<NAME>`. */
export const freeParameterNameSchema = z.string().regex(identifier, {
  error: 'a parameter name is a letter or _ followed by letters, digits or _ (it becomes {name} and SWEEP_PARAM_<NAME>)',
});

/** A metric name as the program prints it in its epoch lines. */
export const userMetricSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_./-]*$/, {
  error: 'a metric name is a letter or _ followed by letters, digits, _ . / or -',
});

const when = whenSchema.optional();
/** The forms of a parameter the spec does not know: values of any type; ranges only of numbers. */
export const freeParameterSchema = z.union([
  scalar,
  z.strictObject({ values: z.array(scalar).min(1), when }),
  z.strictObject({ value: scalar, when }),
  z.strictObject({ distribution: z.literal('choice'), values: z.array(scalar).min(1), when }),
  z.strictObject({ distribution: z.enum(['uniform', 'loguniform']), min: z.number(), max: z.number(), when }),
  z.strictObject({ distribution: z.literal('int'), min: z.int(), max: z.int(), when }),
]);

export const freeParametersSchema = z
  .record(freeParameterNameSchema, freeParameterSchema)
  .meta({ description: "the program's parameters, any names: a fixed value, { values: [...] } (grid) or { distribution: ... } (random)" });

/**
 * A variable name of the trainer's `env`. A name of the loader deny-list passes here whatever its characters
 * (`BASH_FUNC_echo%%`) so that command-checks.ts refuses it as what it is, naming the variable.
 */
const envName = z.string().refine((name) => identifier.test(name) || loaderVariableRule(name) !== null, {
  error: 'an environment variable name is a letter or _ followed by letters, digits or _',
}).meta({ pattern: identifier.source }); // editors see the identifier rule; a refine alone emits no pattern

export const trainerSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1).describe('argv of the program; {name} is replaced by parameter name'),
  env: z.record(envName, scalar).describe('extra environment; values may hold {name} placeholders').optional(),
  cwd: z.string().min(1).describe("working directory, relative to the spec file's directory (default: that directory)").optional(),
  timeout_s: z.number().gt(0).describe('wall-clock limit of one attempt, in seconds (default: none)').optional(),
});

const commandTrainingSchema = z.strictObject({ epochs: PARAMETERS.epochs.value.optional() });
const commandScheduler = schedulerSchemaFor(userMetricSchema);

export const commandSpecSchema = z
  .strictObject({
    name: slug(),
    description: z.string().optional(),
    trainer: trainerSchema,
    metrics: z.array(userMetricSchema).min(1).describe('the metrics the program prints in its epoch lines'),
    seed: seedSchema.describe('sweep seed for random sampling (default 0)').optional(),
    parameters: freeParametersSchema.optional(),
    ...seedsFields,
    training: commandTrainingSchema.describe('epochs: passed to the program as {epochs} (default 10)').optional(),
    objective: z.strictObject({ metric: userMetricSchema, goal: z.enum(GOALS).optional() }).optional(),
    scheduler: commandScheduler.optional(),
    export: exportSchema.describe("check the top N trials' $SWEEP_OUTPUT_DIR/model.onnx with onnxruntime").optional(),
    execution: executionSchema.optional(),
    quick: z
      .strictObject({
        note: z.string().min(1).optional(),
        training: commandTrainingSchema.optional(),
        parameters: freeParametersSchema.optional(),
        ...seedsFields,
        scheduler: commandScheduler.optional(),
      })
      .describe('profile applied by --quick')
      .optional(),
  })
  .describe('A sweep over your own training program');

export type CommandSpecInput = z.infer<typeof commandSpecSchema>;

/** Which schema a parsed document is checked against: `trainer:` makes it a command spec. */
export function isCommandSpecDocument(data: unknown): boolean {
  return typeof data === 'object' && data !== null && !Array.isArray(data) && Object.hasOwn(data, 'trainer');
}
