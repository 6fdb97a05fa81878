import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelFunc } from '../wasm-kernels/kernel-call.js';
import type { OnednnAddon } from './addon.js';
import { allFloat32 } from './geometry.js';
import { sameShape } from './conv-call.js';
import { runNativeKernel } from './native-call.js';

/** MaxPoolGrad in the addon (bit-identical to ../wasm-kernels/max-pool-grad.ts); `fallback` (that kernel) otherwise. */
export function makeNativeMaxPoolGrad(addon: OnednnAddon, fallback: WasmKernelFunc): WasmKernelFunc {
  return function maxPoolGrad(args) {
    const { dy, input: x } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    if (x.shape.length !== 4 || !allFloat32(x, dy)) return fallback(args);
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
    const geometry = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, padInfo.top, padInfo.left];
    const usable = geometry.slice(0, 10).every((v) => Number.isInteger(v) && v >= 1 && v < 2 ** 31) && padInfo.top >= 0 && padInfo.left >= 0;
    if (!usable || !sameShape(dy, [batchSize, outHeight, outWidth, inChannels])) return fallback(args);
    const [dx] = runNativeKernel(args.backend, [x.shape], (heap, at, [out]) => addon.maxPoolGrad(heap, at(dy), at(x), at(out!), Int32Array.from(geometry)));
    return dx!;
  };
}
