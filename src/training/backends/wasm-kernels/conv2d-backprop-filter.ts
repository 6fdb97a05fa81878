import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope } from './kernel-call.js';
import { filterGradStride1 } from './filter-grad-stride1.js';

/**
 * Stride 1 (the seed models): see filterGradStride1. Other strides:
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co], computed as ONE forward
 * convolution (XNNPACK) that swaps the roles of the axes: the input is x as [Ci, H, W, N] (channels become the
 * batch, the batch becomes channels), the filter is dy as [Ho, Wo, N, Co] dilated by the forward stride, and
 * the output [Ci, kh, kw, Co] is transposed to the filter layout. Same FLOPs as the direct sum.
 */
export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on wasm: dataFormat '${attrs.dataFormat}' is not supported; use 'NHWC' (channelsLast).`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight, inWidth } = info;
  const { outHeight: ho, outWidth: wo, padInfo } = info;

  if (sh === 1 && sw === 1) return withKernelScope(backend, (scope) => filterGradStride1(scope, x, dy, info));
  return withKernelScope(backend, (scope) => {
    // Rows/columns of x past the last window never contribute; the forward conv needs non-negative padding.
    let padBottom = kh + (ho - 1) * sh - inHeight - padInfo.top;
    let padRight = kw + (wo - 1) * sw - inWidth - padInfo.left;
    let input = x;
    if (padBottom < 0 || padRight < 0) {
      const usedH = inHeight + Math.min(padBottom, 0);
      const usedW = inWidth + Math.min(padRight, 0);
      input = scope.run(tf.Slice, { x }, { begin: [0, 0, 0, 0], size: [x.shape[0]!, usedH, usedW, x.shape[3]!] });
      padBottom = Math.max(padBottom, 0);
      padRight = Math.max(padRight, 0);
    }
    const xT = scope.transpose(input, [3, 1, 2, 0]);
    const dyT = scope.transpose(dy, [1, 2, 0, 3]);
    const grad = scope.run(
      tf.Conv2D,
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [[0, 0], [padInfo.top, padBottom], [padInfo.left, padRight], [0, 0]],
        dilations: [sh, sw],
        dataFormat: 'NHWC',
      },
    );
    return scope.transpose(grad, [1, 2, 0, 3]);
  });
}
