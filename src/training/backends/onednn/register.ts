import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelFunc } from '../wasm-kernels/kernel-call.js';
import type { OnednnAddon } from './addon.js';
import { makeOnednnConv2D, makeOnednnFusedConv2D } from './conv2d.js';
import { makeOnednnConv2dBackpropInput } from './conv2d-backprop-input.js';
import { makeOnednnConv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { BATCH_NORM_TRAIN_BACKWARD, BATCH_NORM_TRAIN_FORWARD } from '../wasm-kernels/batch-norm-training.js';
import { makeNativeBatchNormTrainBackward, makeNativeBatchNormTrainForward, type BatchNormKernelFunc } from './batch-norm-training.js';
import { makeNativeMaxPoolGrad } from './max-pool-grad.js';

/** Kernel names the oneDNN convolutions take over on the wasm backend. */
export const ONEDNN_CONV_KERNELS = [tf.Conv2D, tf.FusedConv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter] as const;

/**
 * The project's JS kernels (../wasm-kernels/) the addon runs natively, bit-identically, behind the same switch as
 * the convolutions; the JS kernels stay as the fallback.
 */
export const ONEDNN_NATIVE_KERNELS = [BATCH_NORM_TRAIN_FORWARD, BATCH_NORM_TRAIN_BACKWARD, tf.MaxPoolGrad] as const;

type KernelName = (typeof ONEDNN_CONV_KERNELS)[number] | (typeof ONEDNN_NATIVE_KERNELS)[number];
// The batch-norm kernels return three outputs; the registry takes them as any kernel function.
const multiOutput = (make: (addon: OnednnAddon, fallback: BatchNormKernelFunc) => BatchNormKernelFunc) => (addon: OnednnAddon, fallback: WasmKernelFunc) =>
  make(addon, fallback as unknown as BatchNormKernelFunc) as unknown as WasmKernelFunc;

const makers: Record<KernelName, (addon: OnednnAddon, fallback: WasmKernelFunc) => WasmKernelFunc> = {
  [tf.Conv2D]: makeOnednnConv2D,
  [tf.FusedConv2D]: makeOnednnFusedConv2D,
  [tf.Conv2DBackpropInput]: makeOnednnConv2dBackpropInput,
  [tf.Conv2DBackpropFilter]: makeOnednnConv2dBackpropFilter,
  [BATCH_NORM_TRAIN_FORWARD]: multiOutput(makeNativeBatchNormTrainForward),
  [BATCH_NORM_TRAIN_BACKWARD]: multiOutput(makeNativeBatchNormTrainBackward),
  [tf.MaxPoolGrad]: makeNativeMaxPoolGrad,
};

/** The wasm registrations the oneDNN kernels replaced (and fall back to); null while they are not installed. */
let replaced: Map<string, tf.KernelConfig> | null = null;

export function onednnConvKernelsInstalled(): boolean {
  return replaced !== null;
}

/**
 * Puts the oneDNN convolutions in front of the wasm kernels registered now (the backend's own forward convs and
 * the project's backprop kernels, see ../wasm-kernels/register.ts), which stay as the fallback for what oneDNN
 * does not cover, and the addon's native batch norm and max-pool gradient in front of the project's JS ones.
 * Call after registerWasmTrainingKernels(). Idempotent.
 */
export function installOnednnConvKernels(addon: OnednnAddon): void {
  if (replaced) return;
  const previous = new Map<string, tf.KernelConfig>();
  for (const kernelName of [...ONEDNN_CONV_KERNELS, ...ONEDNN_NATIVE_KERNELS]) {
    const config = tf.getKernel(kernelName, 'wasm');
    if (!config) throw new Error(`wasm backend has no '${kernelName}' kernel to put oneDNN in front of (is @tensorflow/tfjs-backend-wasm loaded?)`);
    previous.set(kernelName, config);
  }
  for (const [kernelName, config] of previous) {
    const kernelFunc = makers[kernelName as KernelName](addon, config.kernelFunc as unknown as WasmKernelFunc);
    tf.unregisterKernel(kernelName, 'wasm');
    // Keep the wasm kernel's setupFunc: the fallback binds its wasm functions there at backend init.
    tf.registerKernel({ ...config, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  replaced = previous;
}

/** Restores the wasm kernels the oneDNN ones replaced. Idempotent. */
export function uninstallOnednnConvKernels(): void {
  if (!replaced) return;
  for (const [kernelName, config] of replaced) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(config);
  }
  replaced = null;
}
