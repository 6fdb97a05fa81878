import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer.js';
import { checkGradientCount, disposeAll, zeroSlots } from './slots.js';

const RHO = 0.9;
const EPSILON = 1e-7;

/** Keras RMSprop (not centered): ms = ρ·ms + (1−ρ)·g²; step = lr·g / (√ms + ε), with optional momentum on the step. */
export class RmspropOptimizer implements Optimizer {
  iterations = 0;
  readonly slots: tf.Variable[];
  private readonly meanSquare: tf.Variable[];
  private readonly velocity: tf.Variable[];

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
    private readonly momentum: number,
  ) {
    this.meanSquare = zeroSlots(variables, 'rms');
    this.velocity = momentum > 0 ? zeroSlots(variables, 'rms_momentum') : [];
    this.slots = [...this.meanSquare, ...this.velocity];
  }

  applyGradients(gradients: tf.Tensor[]): void {
    checkGradientCount(this.variables, gradients);
    tf.tidy(() => {
      const rho = tf.scalar(RHO);
      const oneMinusRho = tf.scalar(1 - RHO);
      const lr = tf.scalar(this.learningRate);
      const epsilon = tf.scalar(EPSILON);
      const momentum = tf.scalar(this.momentum);
      this.variables.forEach((variable, i) => {
        const gradient = gradients[i]!;
        const ms = this.meanSquare[i]!;
        const nextMs = tf.add(tf.mul(rho, ms), tf.mul(oneMinusRho, tf.square(gradient)));
        ms.assign(nextMs);
        let step = tf.div(tf.mul(lr, gradient), tf.add(tf.sqrt(nextMs), epsilon));
        const velocity = this.velocity[i];
        if (velocity) {
          step = tf.add(tf.mul(momentum, velocity), step);
          velocity.assign(step);
        }
        variable.assign(tf.sub(variable, step));
      });
    });
    this.iterations++;
  }

  dispose(): void {
    disposeAll(this.slots);
  }
}
