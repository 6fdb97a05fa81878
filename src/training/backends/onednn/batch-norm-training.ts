import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { OnednnAddon } from './addon.js';
import { allFloat32 } from './geometry.js';
import { runNativeKernel } from './native-call.js';

/** The kernel functions of ../wasm-kernels/batch-norm-training.ts (three outputs each). */
export type BatchNormKernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap }) => tf.TensorInfo[];

/** [rows, channels] of a non-empty channels-last float32 x whose per-channel inputs have `channels` elements, or null. */
function rowsAndChannels(x: tf.TensorInfo, perChannel: tf.TensorInfo[]): [number, number] | null {
  if (x.shape.length < 2 || !allFloat32(x, ...perChannel)) return null;
  const channels = x.shape[x.shape.length - 1]!;
  const size = tf.util.sizeFromShape(x.shape);
  if (size === 0 || perChannel.some((t) => tf.util.sizeFromShape(t.shape) !== channels)) return null;
  return [size / channels, channels];
}

/** SweepBatchNormTrainForward in the addon (bit-identical to the JS kernel); `fallback` (the JS kernel) otherwise. */
export function makeNativeBatchNormTrainForward(addon: OnednnAddon, fallback: BatchNormKernelFunc): BatchNormKernelFunc {
  return function batchNormTrainForward(args) {
    const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    const { epsilon } = args.attrs as unknown as { epsilon: number };
    const size = rowsAndChannels(x, [gamma, beta]);
    if (!size || typeof epsilon !== 'number') return fallback(args);
    const [rows, channels] = size;
    return runNativeKernel(args.backend, [x.shape, [channels], [channels]], (heap, at, [y, mean, variance]) =>
      addon.batchNormTrainForward(heap, at(x), at(gamma), at(beta), at(y!), at(mean!), at(variance!), rows, channels, epsilon),
    );
  };
}

/** SweepBatchNormTrainBackward in the addon (bit-identical to the JS kernel); `fallback` (the JS kernel) otherwise. */
export function makeNativeBatchNormTrainBackward(addon: OnednnAddon, fallback: BatchNormKernelFunc): BatchNormKernelFunc {
  return function batchNormTrainBackward(args) {
    const { dy, x, mean, variance, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo>;
    const { epsilon } = args.attrs as unknown as { epsilon: number };
    const size = rowsAndChannels(x, [mean, variance, gamma]);
    const sameShape = dy.shape.length === x.shape.length && dy.shape.every((d, i) => d === x.shape[i]);
    if (!size || !sameShape || !allFloat32(dy) || typeof epsilon !== 'number') return fallback(args);
    const [rows, channels] = size;
    return runNativeKernel(args.backend, [x.shape, [channels], [channels]], (heap, at, [dx, dGamma, dBeta]) =>
      addon.batchNormTrainBackward(heap, at(dy), at(x), at(mean), at(variance), at(gamma), at(dx!), at(dGamma!), at(dBeta!), rows, channels, epsilon),
    );
  };
}
