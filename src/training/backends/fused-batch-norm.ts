import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from './wasm-kernels/batch-norm-training.js';

/** The parts of tfjs-layers' BatchNormalization that its training-mode call uses. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor;
}

/** The scope of the fused training-mode call: its customGrad shows under this name in tf.profile. */
export const BATCH_NORM_TRAIN_SCOPE = 'SweepBatchNormTrain';

let installed = false;

/**
 * Makes tfjs-layers' BatchNormalization run its training-mode forward and backward on the wasm backend as two
 * fused kernels (one pass for the statistics and one for y; two for the gradient) instead of tfjs's moments +
 * batchNorm composition, whose gradient is ~20 broadcast kernels over the whole activation per layer. Same
 * results (statistics in float64) and the same moving-average updates as the layer's own code; inference,
 * other backends and non-default layer settings keep the original path. Idempotent.
 */
export function installFusedTrainingBatchNorm(): void {
  if (installed) return;
  const prototype = Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormLayer;
  const original = prototype.call;
  prototype.call = function call(this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const channelsLast = input !== undefined && (this.axis === -1 || this.axis === input.rank - 1);
    if (kwargs['training'] !== true || tf.getBackend() !== 'wasm' || !channelsLast || !this.center || !this.scale || input.dtype !== 'float32') {
      return original.call(this, inputs, kwargs);
    }
    // Named: tf.profile lists the customGrad call below under its scope's name (else "unnamed scope"); its time
    // includes the SweepBatchNormTrainForward kernel it runs, which the profile also lists on its own.
    return tf.tidy(BATCH_NORM_TRAIN_SCOPE, () => {
      const { y, mean, variance } = trainingBatchNorm(input, this.gamma.read(), this.beta.read(), this.epsilon);
      // As the layer does it: moving ← moving − (moving − batch)·(1 − momentum).
      for (const [moving, batch] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        const current = moving.read();
        moving.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - this.momentum)));
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
  installed = true;
}

/** Batch-statistics normalization with a custom gradient through the statistics. */
function trainingBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) {
  let stats: tf.Tensor[] = [];
  const normalize = tf.customGrad((...args: unknown[]) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN_FORWARD, { x: xIn, gamma: gammaIn, beta: betaIn }, { epsilon }) as tf.Tensor[];
    stats = [tf.keep(mean!), tf.keep(variance!)]; // outlive the kernel's scope; the caller disposes them
    save([xIn, gammaIn, mean!, variance!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, gammaSaved, meanSaved, varianceSaved] = saved;
        const inputs = { dy, x: xSaved!, mean: meanSaved!, variance: varianceSaved!, gamma: gammaSaved! };
        return tf.engine().runKernel(BATCH_NORM_TRAIN_BACKWARD, inputs, { epsilon }) as tf.Tensor[];
      },
    };
  });
  const y = normalize(x, gamma, beta) as tf.Tensor;
  const [mean, variance] = stats as [tf.Tensor, tf.Tensor];
  return { y, mean, variance };
}
