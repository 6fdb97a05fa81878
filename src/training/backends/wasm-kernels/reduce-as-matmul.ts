import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope, type KernelScope, type WasmKernelFunc } from './kernel-call.js';

/**
 * Sum/Mean over leading axes (per-channel statistics of NHWC activations, bias and BatchNorm gradients)
 * or trailing axes, as one XNNPACK matrix product with a constant vector. The native kernels transpose
 * the reduced axes innermost first and then reduce, several times slower. Other axes go to the native kernel.
 */
export function makeReduceAsMatMul(kind: 'sum' | 'mean', native: WasmKernelFunc, matMul: WasmKernelFunc) {
  return function reduce(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (x.dtype !== 'float32' || x.shape.length === 0) return native(args);
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i);
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (axes.length === 0 || (!leading && !trailing)) return native(args);

    const reducedSize = axes.reduce((p, a) => p * x.shape[a]!, 1);
    const keptSize = tf.util.sizeFromShape(x.shape) / reducedSize;
    if (reducedSize === 0 || keptSize === 0) return native(args);
    const weight = kind === 'mean' ? 1 / reducedSize : 1;
    const outShape = keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));

    return withKernelScope(backend, (scope) => {
      const vector = constantVector(scope, reducedSize, weight);
      const product = leading
        ? scope.runWith(matMul, { a: scope.reshape(vector, [1, 1, reducedSize]), b: scope.reshape(x, [1, reducedSize, keptSize]) }, { transposeA: false, transposeB: false })
        : scope.runWith(matMul, { a: scope.reshape(x, [1, keptSize, reducedSize]), b: scope.reshape(vector, [1, reducedSize, 1]) }, { transposeA: false, transposeB: false });
      return scope.reshape(product, outShape);
    });
  };
}

function constantVector(scope: KernelScope, size: number, value: number): tf.TensorInfo {
  const info = scope.backend.makeOutput([size], 'float32');
  (scope.backend.typedArrayFromHeap(info) as Float32Array).fill(value);
  return scope.adopt(info);
}
