import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer.js';
import { checkGradientCount, disposeAll, zeroSlots } from './slots.js';

const BETA_1 = 0.9;
const BETA_2 = 0.999;
const EPSILON = 1e-7;

/**
 * Keras Adam. The bias correction is computed in float64 from the iteration count (not kept as
 * accumulated float32 powers), so a restored optimizer continues bit for bit.
 */
export class AdamOptimizer implements Optimizer {
  iterations = 0;
  readonly slots: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly variables: tf.Variable[],
    public learningRate: number,
  ) {
    this.m = zeroSlots(variables, 'adam_m');
    this.v = zeroSlots(variables, 'adam_v');
    this.slots = [...this.m, ...this.v];
  }

  applyGradients(gradients: tf.Tensor[]): void {
    checkGradientCount(this.variables, gradients);
    const t = this.iterations + 1;
    const stepSize = (this.learningRate * Math.sqrt(1 - BETA_2 ** t)) / (1 - BETA_1 ** t);
    tf.tidy(() => {
      const beta1 = tf.scalar(BETA_1);
      const beta2 = tf.scalar(BETA_2);
      const oneMinusBeta1 = tf.scalar(1 - BETA_1);
      const oneMinusBeta2 = tf.scalar(1 - BETA_2);
      const lr = tf.scalar(stepSize);
      const epsilon = tf.scalar(EPSILON);
      this.variables.forEach((variable, i) => {
        const gradient = gradients[i]!;
        const m = this.m[i]!;
        const v = this.v[i]!;
        const nextM = tf.add(tf.mul(beta1, m), tf.mul(oneMinusBeta1, gradient));
        const nextV = tf.add(tf.mul(beta2, v), tf.mul(oneMinusBeta2, tf.square(gradient)));
        m.assign(nextM);
        v.assign(nextV);
        variable.assign(tf.sub(variable, tf.div(tf.mul(lr, nextM), tf.add(tf.sqrt(nextV), epsilon))));
      });
    });
    this.iterations = t;
  }

  dispose(): void {
    disposeAll(this.slots);
  }
}
