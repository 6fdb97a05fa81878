import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, wasmHeap } from './heap.js';

let calls = 0;

/**
 * How many non-convolution kernels (batch norm, max-pool gradient) ran natively in the addon in this process
 * (tests check that a kernel did not fall back to its JS version); convolutions count in onednnCallCount().
 */
export function nativeKernelCallCount(): number {
  return calls;
}

/**
 * Allocates float32 outputs of `shapes` on the wasm heap, then runs `body` on the heap with the byte offset of
 * each input and output (fetched after the allocations: growing the heap detaches the old buffer). Frees the
 * outputs if `body` throws.
 */
export function runNativeKernel(
  backend: BackendWasm,
  shapes: number[][],
  body: (heap: ArrayBuffer, offsetOf: (t: tf.TensorInfo) => number, outputs: tf.TensorInfo[]) => void,
): tf.TensorInfo[] {
  const outputs = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
  try {
    body(wasmHeap(backend), (t) => heapOffset(backend, t), outputs);
    calls++;
  } catch (e) {
    for (const out of outputs) backend.disposeData(out.dataId);
    throw e;
  }
  return outputs;
}
