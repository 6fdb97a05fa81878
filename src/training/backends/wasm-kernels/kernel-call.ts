import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type WasmKernelFunc = (args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}) => tf.TensorInfo;

/** The wasm backend's own implementation of `kernelName` (throws if the backend lacks it). */
export function nativeWasmKernel(kernelName: string): WasmKernelFunc {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`wasm backend has no '${kernelName}' kernel to build on (is @tensorflow/tfjs-backend-wasm loaded?)`);
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/**
 * Runs kernels straight on the backend, bypassing the engine (no tape, no tensor tracking), and frees
 * every intermediate it produced except the one returned by `body`.
 */
export class KernelScope {
  private readonly intermediates: tf.TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    return this.track(nativeWasmKernel(kernelName)({ inputs, backend: this.backend, attrs }));
  }

  runWith(kernel: WasmKernelFunc, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    return this.track(kernel({ inputs, backend: this.backend, attrs }));
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run(tf.Transpose, { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run(tf.Reshape, { x }, { shape });
  }

  /** Frees all intermediates except `result`, which the caller hands to the engine. */
  finish(result: tf.TensorInfo): tf.TensorInfo {
    for (const t of this.intermediates) {
      if (t !== result) this.backend.disposeData(t.dataId);
    }
    this.intermediates.length = 0;
    return result;
  }

  /** Frees everything (on error paths). */
  disposeAll(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
  }

  /** Frees an intermediate early (big temporaries inside a loop). */
  free(t: tf.TensorInfo): void {
    const at = this.intermediates.indexOf(t);
    if (at < 0) throw new Error('KernelScope.free: the tensor is not an intermediate of this scope');
    this.intermediates.splice(at, 1);
    this.backend.disposeData(t.dataId);
  }

  /** Takes ownership of a tensor made directly on the backend (e.g. with makeOutput). */
  adopt(t: tf.TensorInfo): tf.TensorInfo {
    return this.track(t);
  }

  private track(t: tf.TensorInfo): tf.TensorInfo {
    this.intermediates.push(t);
    return t;
  }
}

/** Runs `body` in a fresh scope; intermediates are freed whether it returns or throws. */
export function withKernelScope(backend: BackendWasm, body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.finish(body(scope));
  } catch (e) {
    scope.disposeAll();
    throw e;
  }
}
