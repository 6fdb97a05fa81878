import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WasmKernelFunc } from './kernel-call.js';

/**
 * Identity as a second reference to the same heap buffer (what the cpu backend and the wasm Reshape do): tensors
 * are immutable, so sharing is safe. The native kernel copies the whole tensor, and autodiff clones every tensor
 * it saves for the backward pass through Identity (~20 full activation copies per BatchNorm-model step).
 */
export function makeIdentityAlias(native: WasmKernelFunc) {
  return function identity(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return native(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}
