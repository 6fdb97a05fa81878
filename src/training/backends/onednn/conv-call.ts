import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvKind, OnednnAddon } from './addon.js';
import { heapOffset, wasmHeap } from './heap.js';

export interface ConvCall {
  kind: ConvKind;
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  outShape: number[];
  geometry: Int32Array;
  activation?: number;
  alpha?: number;
}

let calls = 0;

/** How many convolutions ran on oneDNN in this process (tests check that a kernel did not fall back). */
export function onednnCallCount(): number {
  return calls;
}

/** Allocates the output on the wasm heap and runs the oneDNN convolution on it in place (no copies). */
export function runOnednnConv(addon: OnednnAddon, backend: BackendWasm, call: ConvCall): tf.TensorInfo {
  const out = backend.makeOutput(call.outShape, 'float32');
  try {
    const heap = wasmHeap(backend); // after makeOutput: growing the heap detaches the old buffer
    const bias = call.bias ? heapOffset(backend, call.bias) : -1;
    addon.conv(call.kind, heap, heapOffset(backend, call.a), heapOffset(backend, call.b), bias, heapOffset(backend, out), call.geometry, call.activation ?? 0, call.alpha ?? 0);
    calls++;
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/** Same shape, element for element. */
export function sameShape(t: tf.TensorInfo, shape: readonly number[]): boolean {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
}
