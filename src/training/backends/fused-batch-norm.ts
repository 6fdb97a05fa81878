import * as tf from '@tensorflow/tfjs';
import { checkVersion, recordPatch, type PatchStatus, type VersionRange } from '../../runtime-patches.js';
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
  call: (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;
}

/** The scope of the fused training-mode call: its customGrad shows under this name in tf.profile. */
export const BATCH_NORM_TRAIN_SCOPE = 'SweepBatchNormTrain';

/** Its name in the runtime-patch registry (logs, sweep_runtime_patch_active). */
export const FUSED_BATCH_NORM_PATCH = 'fused-batch-norm';

/**
 * The tfjs-layers versions whose BatchNormalization.call this replaces: written against 4.22's (training-mode
 * moments, the moving-average update `moving − (moving − batch)·(1 − momentum)`, its gamma/beta/movingMean/
 * movingVariance fields). Another major may change any of that.
 */
export const FUSED_BATCH_NORM_LAYERS_RANGE: VersionRange = { min: '4.22.0', below: '5.0.0' };

type CallMethod = BatchNormLayer['call'];
let installed: { prototype: BatchNormLayer; original: CallMethod; patched: CallMethod; version: string } | null = null;

/** The prototype the patch replaces a method of: tfjs-layers' BatchNormalization (not exported by name). */
const batchNormPrototype = (): BatchNormLayer => Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormLayer;

/** Null when `prototype` is what the patch was written for, else why not. */
export function checkBatchNormPrototype(prototype: unknown): string | null {
  const proto = prototype as { constructor?: { className?: unknown }; call?: unknown } | null;
  const className = proto?.constructor?.className;
  if (className !== 'BatchNormalization') return `the layer's prototype is not tfjs-layers' BatchNormalization (className ${String(className)})`;
  if (!Object.hasOwn(proto!, 'call') || typeof proto!.call !== 'function') return 'BatchNormalization.prototype.call, the method it replaces, is missing';
  return null;
}

/**
 * Makes tfjs-layers' BatchNormalization run its training-mode forward and backward on the wasm backend as two
 * fused kernels (one pass for the statistics and one for y; two for the gradient) instead of tfjs's moments +
 * batchNorm composition, whose gradient is ~20 broadcast kernels over the whole activation per layer. Same
 * results (statistics in float64) and the same moving-average updates as the layer's own code; inference,
 * other backends and non-default layer settings keep the original path. Idempotent; replaces the prototype's
 * method for the whole process only when the installed tfjs-layers is in FUSED_BATCH_NORM_LAYERS_RANGE and the
 * method exists, else leaves the layer as it is. Either way the decision is recorded (and logged once) under
 * FUSED_BATCH_NORM_PATCH. `layersVersion` overrides the installed version (tests).
 */
export function installFusedTrainingBatchNorm(opts: { layersVersion?: string } = {}): PatchStatus {
  const version = opts.layersVersion ?? tf.version['tfjs-layers'];
  if (installed) return recordPatch(FUSED_BATCH_NORM_PATCH, { active: true, reason: null, version: installed.version });
  const prototype = batchNormPrototype();
  const refused = checkVersion('tfjs-layers', version, FUSED_BATCH_NORM_LAYERS_RANGE) ?? checkBatchNormPrototype(prototype);
  if (refused !== null) return recordPatch(FUSED_BATCH_NORM_PATCH, { active: false, reason: refused, version });
  const original = prototype.call;
  const patched = function call(this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
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
  prototype.call = patched;
  installed = { prototype, original, patched, version };
  return recordPatch(FUSED_BATCH_NORM_PATCH, { active: true, reason: null, version });
}

/**
 * Restores tfjs-layers' own BatchNormalization.call (when the method there is still this patch's) and records
 * the patch inactive. Idempotent.
 */
export function uninstallFusedTrainingBatchNorm(): void {
  if (!installed) return;
  const { prototype, original, patched, version } = installed;
  if (prototype.call === patched) prototype.call = original;
  installed = null;
  recordPatch(FUSED_BATCH_NORM_PATCH, { active: false, reason: 'uninstalled', version, disabled: true });
}

/** Batch-statistics normalization with a custom gradient through the statistics. */
function trainingBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) {
  let stats: tf.Tensor[] = [];
  const normalize = tf.customGrad((...args: unknown[]) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel<tf.Tensor[]>(BATCH_NORM_TRAIN_FORWARD, { x: xIn, gamma: gammaIn, beta: betaIn }, { epsilon });
    stats = [tf.keep(mean!), tf.keep(variance!)]; // outlive the kernel's scope; the caller disposes them
    save([xIn, gammaIn, mean!, variance!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, gammaSaved, meanSaved, varianceSaved] = saved;
        const inputs = { dy, x: xSaved!, mean: meanSaved!, variance: varianceSaved!, gamma: gammaSaved! };
        return tf.engine().runKernel<tf.Tensor[]>(BATCH_NORM_TRAIN_BACKWARD, inputs, { epsilon });
      },
    };
  });
  const y = normalize(x, gamma, beta);
  const [mean, variance] = stats as [tf.Tensor, tf.Tensor];
  return { y, mean, variance };
}
