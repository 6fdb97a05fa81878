import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WasmKernelFunc } from './kernel-call.js';

/**
 * Tile as block copies: each dimension's block is written once, then doubled with copyWithin, so the cost
 * is a few memcpy's instead of the native kernel's per-element index arithmetic (the BatchNorm gradient
 * tiles per-channel vectors over whole activations).
 */
export function makeTile(native: WasmKernelFunc) {
  return function tile(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return native(args);
    const rank = x.shape.length;
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    const dst = backend.typedArrayFromHeap(out); // after makeOutput: heap growth detaches views
    const src = backend.typedArrayFromHeap(x);
    if (rank === 0) {
      dst.set(src);
      return out;
    }
    const srcStride = tf.util.computeStrides(x.shape).concat(1);
    const dstStride = tf.util.computeStrides(outShape).concat(1);

    const fill = (d: number, srcOffset: number, dstOffset: number): void => {
      const n = x.shape[d]!;
      if (d === rank - 1) {
        dst.set(src.subarray(srcOffset, srcOffset + n), dstOffset);
      } else {
        for (let i = 0; i < n; i++) fill(d + 1, srcOffset + i * srcStride[d]!, dstOffset + i * dstStride[d]!);
      }
      const block = n * dstStride[d]!;
      const total = block * reps[d]!;
      for (let filled = block; filled < total; ) {
        const count = Math.min(filled, total - filled);
        dst.copyWithin(dstOffset + filled, dstOffset, dstOffset + count);
        filled += count;
      }
    };
    fill(0, 0, 0);
    return out;
  };
}
