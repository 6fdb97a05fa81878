import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WasmKernelFunc } from './kernel-call.js';

/**
 * Sum/Mean of float32 over leading axes (per-channel statistics of NHWC activations, bias and BatchNorm
 * gradients) or trailing axes, as one pass over the heap with float64 accumulators. The native kernels first
 * transpose the reduced axes innermost, and a matrix product with a ones-vector pays XNNPACK's packing of the
 * whole activation: both cost several times this loop. Other axes and dtypes go to the native kernel.
 */
export function makeReduceOuterInner(kind: 'sum' | 'mean', native: WasmKernelFunc) {
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
    const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    // Views only after the allocation above: growing the wasm heap detaches older views.
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    const values = backend.typedArrayFromHeap(x) as Float32Array;
    const scale = kind === 'mean' ? 1 / reducedSize : 1;
    if (leading) sumRows(values, reducedSize, keptSize, result, scale);
    else sumWithinRows(values, keptSize, reducedSize, result, scale);
    return out;
  };
}

/**
 * result[c] = scale · Σ_r values[r·columns + c]. Eight columns at a time down the rows, in locals: ~2.5× faster
 * in V8 than one pass with an accumulator array.
 */
function sumRows(values: Float32Array, rows: number, columns: number, result: Float32Array, scale: number): void {
  const end = rows * columns;
  let c = 0;
  for (; c + 8 <= columns; c += 8) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; // prettier-ignore
    for (let at = c; at < end; at += columns) {
      s0 += values[at]!;
      s1 += values[at + 1]!;
      s2 += values[at + 2]!;
      s3 += values[at + 3]!;
      s4 += values[at + 4]!;
      s5 += values[at + 5]!;
      s6 += values[at + 6]!;
      s7 += values[at + 7]!;
    }
    result[c] = s0 * scale;
    result[c + 1] = s1 * scale;
    result[c + 2] = s2 * scale;
    result[c + 3] = s3 * scale;
    result[c + 4] = s4 * scale;
    result[c + 5] = s5 * scale;
    result[c + 6] = s6 * scale;
    result[c + 7] = s7 * scale;
  }
  for (; c < columns; c++) {
    let s = 0;
    for (let at = c; at < end; at += columns) s += values[at]!;
    result[c] = s * scale;
  }
}

/** result[r] = scale · Σ_c values[r·columns + c]. */
function sumWithinRows(values: Float32Array, rows: number, columns: number, result: Float32Array, scale: number): void {
  for (let r = 0, at = 0; r < rows; r++) {
    let acc = 0;
    for (let c = 0; c < columns; c++, at++) acc += values[at]!;
    result[r] = acc * scale;
  }
}
