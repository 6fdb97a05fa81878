import { z } from 'zod';
import { OPTIMIZER_NAMES, REGULARIZERS, type OptimizerName, type Regularizer, type Scalar, type TrialConfig } from '../domain/trial-config.js';

/** How a parameter's values may be drawn: integers and reals allow ranges; names only `choice`. */
export type ValueKind = 'int' | 'real' | 'name';

export interface ParameterDef {
  kind: ValueKind;
  /** Schema of one value of this parameter (range checks included). */
  value: z.ZodType<Scalar>;
  description: string;
  apply: (config: TrialConfig, value: Scalar) => void;
}

const fraction = () => z.number().min(0).lt(1);

/** Every parameter a spec may fix or sweep, by its spec name, and where it lands in TrialConfig. */
export const PARAMETERS = {
  depth: {
    kind: 'int',
    value: z.int().min(1).max(6),
    description: 'conv blocks (block i: two 3×3 convs of 32·2^i filters)',
    apply: (c, v) => (c.model.depth = v as number),
  },
  regularizer: {
    kind: 'name',
    value: z.enum(REGULARIZERS),
    description: 'batchnorm | batchnorm-every-conv | dropout | none',
    apply: (c, v) => (c.model.regularizer = v as Regularizer),
  },
  dropout_rate: {
    kind: 'real',
    value: fraction(),
    description: 'dropout after each conv block (regularizer dropout)',
    apply: (c, v) => (c.model.dropout_rate = v as number),
  },
  dense_dropout_rate: {
    kind: 'real',
    value: fraction(),
    description: 'dropout before the output layer (regularizer dropout)',
    apply: (c, v) => (c.model.dense_dropout_rate = v as number),
  },
  dense_units: {
    kind: 'int',
    value: z.int().min(1).max(65536),
    description: 'units of the hidden dense layer',
    apply: (c, v) => (c.model.dense_units = v as number),
  },
  sleep_ms: {
    kind: 'int',
    value: z.int().min(0).max(3_600_000),
    description: 'milliseconds per epoch (models sleep and spin only)',
    apply: (c, v) => (c.model.sleep_ms = v as number),
  },
  optimizer: {
    kind: 'name',
    value: z.enum(OPTIMIZER_NAMES),
    description: 'sgd | momentum | nesterov | adam | rmsprop',
    apply: (c, v) => (c.optimizer.name = v as OptimizerName),
  },
  learning_rate: {
    kind: 'real',
    value: z.number().gt(0).max(10),
    description: 'initial learning rate',
    apply: (c, v) => (c.optimizer.learning_rate = v as number),
  },
  momentum: {
    kind: 'real',
    value: fraction(),
    description: 'momentum (momentum, nesterov, rmsprop)',
    apply: (c, v) => (c.optimizer.momentum = v as number),
  },
  epochs: {
    kind: 'int',
    value: z.int().min(1).max(100_000),
    description: 'maximum epochs',
    apply: (c, v) => (c.training.epochs = v as number),
  },
  batch_size: {
    kind: 'int',
    value: z.int().min(1).max(65536),
    description: 'mini-batch size',
    apply: (c, v) => (c.training.batch_size = v as number),
  },
} satisfies Record<string, ParameterDef>;

export type ParameterName = keyof typeof PARAMETERS;
export const PARAMETER_NAMES = Object.keys(PARAMETERS) as ParameterName[];

export function isParameterName(name: string): name is ParameterName {
  return Object.hasOwn(PARAMETERS, name);
}

/** Parameters that may also be set in the `training` block (setting both is an error). */
export const TRAINING_PARAMETERS = ['epochs', 'batch_size'] as const;

/** The engine's training parameters: what a module spec's parameter sets in TrialConfig rather than in the module's params. */
export const ENGINE_PARAMETERS = ['optimizer', 'learning_rate', 'momentum', 'epochs', 'batch_size'] as const;

export function isEngineParameter(name: string): name is (typeof ENGINE_PARAMETERS)[number] {
  return (ENGINE_PARAMETERS as readonly string[]).includes(name);
}
