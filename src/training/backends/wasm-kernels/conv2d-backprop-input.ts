import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope, type WasmKernelFunc } from './kernel-call.js';

/**
 * For stride 1, dx is a forward convolution (XNNPACK) of dy with the spatially flipped filter whose in/out
 * channels are swapped, padded by (k − 1 − pad). Other strides go to the backend's own kernel.
 */
export function makeConv2dBackpropInput(native: WasmKernelFunc) {
  return function conv2dBackpropInput(args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  }): tf.TensorInfo {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
      throw new Error(`Conv2DBackpropInput on wasm: dataFormat '${attrs.dataFormat}' is not supported; use 'NHWC' (channelsLast).`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return native(args);

    const { filterHeight: kh, filterWidth: kw, padInfo } = info;
    return withKernelScope(backend, (scope) => {
      const flipped = scope.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
      const swapped = scope.transpose(flipped, [0, 1, 3, 2]);
      return scope.run(
        tf.Conv2D,
        { x: dy, filter: swapped },
        {
          strides: [1, 1],
          pad: [[0, 0], [kh - 1 - padInfo.top, kh - 1 - padInfo.bottom], [kw - 1 - padInfo.left, kw - 1 - padInfo.right], [0, 0]],
          dilations: [1, 1],
          dataFormat: 'NHWC',
        },
      );
    });
  };
}
