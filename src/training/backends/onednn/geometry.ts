import * as tf from '@tensorflow/tfjs-core';

/** tfjs fused activations as native/onednn/src/conv_geometry.h codes them; prelu has no oneDNN post-op here. */
export const ACTIVATION_CODES: Readonly<Partial<Record<tf.fused.Activation, number>>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  sigmoid: 4,
  leakyrelu: 5,
};

/**
 * The addon's geometry array for a tfjs convolution, or null where the oneDNN kernels do not apply (then the wasm
 * kernel runs): dilation > 1, channels-first, empty tensors, or explicit padding/rounding that does not give
 * tfjs's output size under oneDNN's floor rule.
 */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Int32Array | null {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo, dataFormat } = info;
  if (dataFormat !== 'channelsLast' || dilationHeight !== 1 || dilationWidth !== 1) return null;
  const { top, left, bottom, right } = padInfo;
  const sizes = [batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth];
  if (sizes.some((v) => !(v >= 1)) || [top, left, bottom, right].some((p) => !(p >= 0))) return null;
  const fits = (input: number, kernel: number, before: number, after: number, stride: number, output: number) =>
    input + before + after >= kernel && Math.floor((input - kernel + before + after) / stride) + 1 === output;
  if (!fits(inHeight, filterHeight, top, bottom, strideHeight, outHeight) || !fits(inWidth, filterWidth, left, right, strideWidth, outWidth)) return null;
  return Int32Array.from([...sizes, top, left, bottom, right]);
}

/** True when every tensor is float32 (the only type the oneDNN kernels take). */
export function allFloat32(...tensors: tf.TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32');
}
