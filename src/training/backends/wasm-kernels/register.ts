import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { makeConv2dBackpropInput } from './conv2d-backprop-input.js';
import { makeBatchMatMul } from './batch-matmul.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { makeTile } from './tile.js';
import { makeReduceOuterInner } from './reduce-outer-inner.js';
import { makeIdentityAlias } from './identity-alias.js';
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD, batchNormTrainBackward, batchNormTrainForward } from './batch-norm-training.js';
import { nativeWasmKernel, type WasmKernelFunc } from './kernel-call.js';

/** Kernel names this module installs on the wasm backend (added or replaced). */
export const WASM_TRAINING_KERNELS = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.BatchMatMul,
  tf.MaxPoolGrad,
  tf.Tile,
  tf.Sum,
  tf.Mean,
  tf.Identity,
  BATCH_NORM_TRAIN_FORWARD,
  BATCH_NORM_TRAIN_BACKWARD,
] as const;

let installed = false;

/**
 * Adds the kernels conv-net training needs on the wasm backend and replaces slow or wrong ones.
 * Idempotent; call after '@tensorflow/tfjs-backend-wasm' is imported (it registers the natives).
 */
export function registerWasmTrainingKernels(): void {
  if (installed) return;
  const nativeInput = nativeWasmKernel(tf.Conv2DBackpropInput);
  const nativeMatMul = nativeWasmKernel(tf.BatchMatMul);
  const nativeTile = nativeWasmKernel(tf.Tile);
  const nativeSum = nativeWasmKernel(tf.Sum);
  const nativeMean = nativeWasmKernel(tf.Mean);
  const nativeIdentity = nativeWasmKernel(tf.Identity);
  // The natives we keep calling bind their wasm functions in setupFunc, run at backend init: keep it attached.
  const setups = new Map<string, tf.KernelSetupFunc | undefined>(
    [tf.Conv2DBackpropInput, tf.BatchMatMul, tf.Tile, tf.Sum, tf.Mean].map((k) => [k, tf.getKernel(k, 'wasm')?.setupFunc]),
  );
  const replacements: Array<[string, WasmKernelFunc]> = [
    [tf.Conv2DBackpropFilter, conv2dBackpropFilter],
    [tf.Conv2DBackpropInput, makeConv2dBackpropInput(nativeInput)],
    [tf.BatchMatMul, makeBatchMatMul(nativeMatMul)],
    [tf.MaxPoolGrad, maxPoolGrad],
    [tf.Tile, makeTile(nativeTile)],
    [tf.Sum, makeReduceOuterInner('sum', nativeSum)],
    [tf.Mean, makeReduceOuterInner('mean', nativeMean)],
    [tf.Identity, makeIdentityAlias(nativeIdentity)],
    [BATCH_NORM_TRAIN_FORWARD, batchNormTrainForward as unknown as WasmKernelFunc],
    [BATCH_NORM_TRAIN_BACKWARD, batchNormTrainBackward as unknown as WasmKernelFunc],
  ];
  for (const [kernelName, kernelFunc] of replacements) {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    const setupFunc = setups.get(kernelName);
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      ...(setupFunc ? { setupFunc } : {}),
    });
  }
  installed = true;
}
