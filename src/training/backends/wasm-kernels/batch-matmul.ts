import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { withKernelScope, type WasmKernelFunc } from './kernel-call.js';

/** The native kernel is ~30× slower with a transpose flag set: materialize the transposes first. */
export function makeBatchMatMul(native: WasmKernelFunc) {
  return function batchMatMul(args: {
    inputs: tf.NamedTensorInfoMap;
    backend: BackendWasm;
    attrs?: tf.NamedAttrMap;
  }): tf.TensorInfo {
    const { backend } = args;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return native(args);
    return withKernelScope(backend, (scope) => {
      const aPlain = transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      const bPlain = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      return scope.runWith(native, { a: aPlain, b: bPlain }, { transposeA: false, transposeB: false });
    });
  };
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}
