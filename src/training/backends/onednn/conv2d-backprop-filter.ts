import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelFunc } from '../wasm-kernels/kernel-call.js';
import { ConvKind, type OnednnAddon } from './addon.js';
import { allFloat32, convGeometry } from './geometry.js';
import { runOnednnConv, sameShape } from './conv-call.js';

/** Conv2DBackpropFilter (dW from x and dy) with oneDNN; `fallback` where oneDNN does not apply. */
export function makeOnednnConv2dBackpropFilter(addon: OnednnAddon, fallback: WasmKernelFunc): WasmKernelFunc {
  return function conv2dBackpropFilter(args) {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || attrs.filterShape.length !== 4 || !allFloat32(x, dy)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const geometry = convGeometry(info);
    if (!geometry || !sameShape(dy, info.outShape) || x.shape[3] !== attrs.filterShape[2]) return fallback(args);
    return runOnednnConv(addon, args.backend, { kind: ConvKind.backwardWeights, a: x, b: dy, outShape: [...attrs.filterShape], geometry });
  };
}
