import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer.js';
import { checkGradientCount, disposeAll, zeroSlots } from './slots.js';

/**
 * Keras SGD: plain (momentum 0), heavy-ball momentum (v = m·v − lr·g; w += v) or Nesterov
 * (w += m·v − lr·g with the updated v).
 */
export class SgdOptimizer implements Optimizer {
  iterations = 0;
  readonly slots: tf.Variable[];

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
    private readonly momentum: number,
    private readonly nesterov: boolean,
  ) {
    this.slots = momentum > 0 ? zeroSlots(variables, 'velocity') : [];
  }

  applyGradients(gradients: tf.Tensor[]): void {
    checkGradientCount(this.variables, gradients);
    tf.tidy(() => {
      const lr = tf.scalar(this.learningRate);
      const momentum = tf.scalar(this.momentum);
      this.variables.forEach((variable, i) => {
        const gradient = gradients[i]!;
        const velocity = this.slots[i];
        if (!velocity) {
          variable.assign(tf.sub(variable, tf.mul(lr, gradient)));
          return;
        }
        const nextVelocity = tf.sub(tf.mul(momentum, velocity), tf.mul(lr, gradient));
        velocity.assign(nextVelocity);
        const step = this.nesterov ? tf.sub(tf.mul(momentum, nextVelocity), tf.mul(lr, gradient)) : nextVelocity;
        variable.assign(tf.add(variable, step));
      });
    });
    this.iterations++;
  }

  dispose(): void {
    disposeAll(this.slots);
  }
}
