import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from '../optimizers/optimizer.js';

const EPSILON = 1e-7;

/** Keras categorical cross-entropy of softmax outputs, averaged over the batch. */
export function categoricalCrossEntropy(oneHot: tf.Tensor, probabilities: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(probabilities, EPSILON, 1 - EPSILON);
    return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1)));
  });
}

export interface StepResult {
  /** Sum of the per-image losses of the batch (kept; the caller disposes). */
  lossSum: tf.Scalar;
  /** Number of correctly classified images (kept; the caller disposes). */
  correct: tf.Scalar;
}

/**
 * One training step: forward in training mode (BatchNorm uses batch statistics and updates its
 * moving averages, Dropout drops), loss, gradients of the trainable variables, optimizer update.
 */
export function trainStep(
  model: tf.LayersModel,
  trainable: tf.Variable[],
  optimizer: Optimizer,
  x: tf.Tensor4D,
  labels: Int32Array,
  numClasses: number,
): StepResult {
  const labelTensor = tf.tensor1d(labels, 'int32');
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(labelTensor, numClasses), 'float32'));
  let probabilities: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.apply(x, { training: true }) as tf.Tensor;
    probabilities = tf.keep(out);
    return categoricalCrossEntropy(oneHot, out);
  }, trainable);
  optimizer.applyGradients(trainable.map((v) => grads[v.name]!));
  const result = tf.tidy(() => ({
    lossSum: tf.mul<tf.Scalar>(value, labels.length),
    correct: tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(probabilities!, -1), labelTensor), 'float32')),
  }));
  tf.dispose([value, oneHot, labelTensor, probabilities!, ...Object.values(grads)]);
  return result;
}
