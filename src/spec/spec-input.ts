import type { z } from 'zod';
import type { Goal } from '../domain/trial-config.js';
import type { quickSchema, specSchema } from './schema.js';
import type { CommandSpecInput, freeParameterSchema } from './command-schema.js';

export type BuiltinSpecInput = z.infer<typeof specSchema>;
type BuiltinQuickInput = z.infer<typeof quickSchema>;
/** One parameter as a spec writes it; a built-in model's parameters are a subset of these forms. */
export type ParameterInput = z.infer<typeof freeParameterSchema>;
export type ParametersInput = Record<string, ParameterInput | undefined>;
export type SchedulerInput = NonNullable<CommandSpecInput['scheduler']>;

/**
 * A validated spec of either kind: a built-in model (`model:`, specSchema) or a user's program (`trainer:`,
 * command-schema.ts). Exactly one of `model` and `trainer` is set; `dataset` only with `model`, `metrics` only
 * with `trainer`.
 */
export type SpecInput = Omit<BuiltinSpecInput, 'model' | 'dataset' | 'parameters' | 'objective' | 'scheduler' | 'quick'> & {
  /** A built-in family, or a user's model module (module-schema.ts). */
  model?: BuiltinSpecInput['model'] | { module: string };
  dataset?: BuiltinSpecInput['dataset'];
  trainer?: CommandSpecInput['trainer'];
  metrics?: string[];
  parameters?: ParametersInput;
  objective?: { metric: string; goal?: Goal };
  scheduler?: SchedulerInput | null;
  quick?: Omit<BuiltinQuickInput, 'parameters' | 'scheduler'> & { parameters?: ParametersInput; scheduler?: SchedulerInput | null };
};
