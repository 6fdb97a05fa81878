import type * as tf from '@tensorflow/tfjs';

/**
 * A first-order optimizer over a fixed list of variables. Slots are created up front (so the
 * tensor count is constant from the first step on) and listed in a fixed order, so a checkpoint
 * can save and restore them exactly. The learning rate is a plain number read at every step.
 */
export interface Optimizer {
  learningRate: number;
  /** Steps taken so far (Adam's bias correction uses it). */
  iterations: number;
  /** Updates `variables[i]` with `gradients[i]` (tidies its own intermediates; does not dispose the gradients). */
  applyGradients(gradients: tf.Tensor[]): void;
  /** Slot variables in a fixed order, e.g. [m0, m1, …, v0, v1, …]. */
  readonly slots: tf.Variable[];
  dispose(): void;
}
