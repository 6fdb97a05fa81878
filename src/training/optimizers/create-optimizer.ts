import type * as tf from '@tensorflow/tfjs';
import type { OptimizerParams } from '../../domain/trial-config.js';
import { AdamOptimizer } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RmspropOptimizer } from './rmsprop.js';
import { SgdOptimizer } from './sgd.js';

export function createOptimizer(params: OptimizerParams, variables: tf.Variable[]): Optimizer {
  if (!(params.learning_rate > 0)) {
    throw new Error(`optimizer.learning_rate must be > 0, got ${params.learning_rate}`);
  }
  switch (params.name) {
    case 'sgd':
      return new SgdOptimizer(variables, params.learning_rate, 0, false);
    case 'momentum':
      return new SgdOptimizer(variables, params.learning_rate, params.momentum, false);
    case 'nesterov':
      return new SgdOptimizer(variables, params.learning_rate, params.momentum, true);
    case 'adam':
      return new AdamOptimizer(variables, params.learning_rate);
    case 'rmsprop':
      return new RmspropOptimizer(variables, params.learning_rate, params.momentum);
    default:
      throw new Error(
        `optimizer.name '${String((params as { name: unknown }).name)}' is unknown; use sgd, momentum, nesterov, adam or rmsprop`,
      );
  }
}
