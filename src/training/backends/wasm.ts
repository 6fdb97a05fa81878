import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';
import { installFusedTrainingBatchNorm } from './fused-batch-norm.js';

/**
 * Loads the wasm backend (XNNPACK, SIMD), adds the training kernels it lacks, replaces slow or wrong ones and
 * fuses BatchNormalization's training-mode math (on wasm only).
 * tfjs runs it on one thread under Node; use a second worker process for the second core.
 */
export async function activateWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  installFusedTrainingBatchNorm();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the tfjs wasm backend failed to initialize (is @tensorflow/tfjs-backend-wasm installed with its .wasm files?)');
  }
  await tf.ready();
}
