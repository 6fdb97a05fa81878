import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';
import { installFusedTrainingBatchNorm } from './fused-batch-norm.js';
import { activateOnednnConvKernels, type OnednnActivation } from './onednn/activate.js';

export interface WasmOptions {
  /** Use the oneDNN convolution kernels when the addon loads (default: unless SWEEP_ONEDNN=0). */
  onednn?: boolean;
}

export interface WasmActivation {
  onednn: OnednnActivation;
  /** For the log, e.g. "wasm + oneDNN 2.6.3 conv kernels (1 thread, avx512_core)". */
  description: string;
}

/**
 * Loads the wasm backend (XNNPACK, SIMD), adds the training kernels it lacks, replaces slow or wrong ones and
 * fuses BatchNormalization's training-mode math (on wasm only). Convolutions run on oneDNN (native addon, see
 * ./onednn/) when it is built, with the wasm kernels as the fallback.
 * tfjs runs wasm on one thread under Node; use a second worker process for the second core.
 */
export async function activateWasm(options: WasmOptions = {}): Promise<WasmActivation> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  installFusedTrainingBatchNorm();
  const onednn = activateOnednnConvKernels(options.onednn);
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the tfjs wasm backend failed to initialize (is @tensorflow/tfjs-backend-wasm installed with its .wasm files?)');
  }
  await tf.ready();
  const description = onednn.active ? `wasm + ${onednn.description}` : `wasm (XNNPACK, 1 thread; no oneDNN conv kernels: ${onednn.reason})`;
  return { onednn, description };
}
