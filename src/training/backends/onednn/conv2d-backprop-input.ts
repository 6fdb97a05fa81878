import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelFunc } from '../wasm-kernels/kernel-call.js';
import { ConvKind, type OnednnAddon } from './addon.js';
import { allFloat32, convGeometry } from './geometry.js';
import { runOnednnConv, sameShape } from './conv-call.js';

/** Conv2DBackpropInput (dx from dy and the filter) with oneDNN; `fallback` where oneDNN does not apply. */
export function makeOnednnConv2dBackpropInput(addon: OnednnAddon, fallback: WasmKernelFunc): WasmKernelFunc {
  return function conv2dBackpropInput(args) {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (attrs.dataFormat === 'NCHW' || filter.shape.length !== 4 || attrs.inputShape.length !== 4 || !allFloat32(dy, filter)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const geometry = convGeometry(info);
    if (!geometry || !sameShape(dy, info.outShape) || attrs.inputShape[3] !== filter.shape[2]) return fallback(args);
    return runOnednnConv(addon, args.backend, { kind: ConvKind.backwardData, a: dy, b: filter, outShape: [...attrs.inputShape], geometry });
  };
}
