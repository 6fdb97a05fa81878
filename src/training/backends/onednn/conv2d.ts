import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelFunc } from '../wasm-kernels/kernel-call.js';
import { ConvKind, type OnednnAddon } from './addon.js';
import { ACTIVATION_CODES, allFloat32, convGeometry } from './geometry.js';
import { runOnednnConv, sameShape } from './conv-call.js';

type KernelArgs = Parameters<WasmKernelFunc>[0];

/** Geometry of a forward NHWC convolution of x by filter, or null where oneDNN does not apply. */
function forwardGeometry(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): Int32Array | null {
  if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || filter.shape.length !== 4 || x.shape[3] !== filter.shape[2]) return null;
  if (!allFloat32(x, filter)) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return convGeometry(info);
}

const outShapeOf = (g: Int32Array) => [g[0]!, g[7]!, g[8]!, g[4]!];

/** Conv2D (forward) with oneDNN; `fallback` (the wasm kernel) where oneDNN does not apply. */
export function makeOnednnConv2D(addon: OnednnAddon, fallback: WasmKernelFunc): WasmKernelFunc {
  return function conv2d(args: KernelArgs): tf.TensorInfo {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const geometry = forwardGeometry(x, filter, args.attrs as unknown as tf.Conv2DAttrs);
    if (!geometry) return fallback(args);
    return runOnednnConv(addon, args.backend, { kind: ConvKind.forward, a: x, b: filter, outShape: outShapeOf(geometry), geometry });
  };
}

/**
 * FusedConv2D (conv + bias + activation; what tfjs-layers runs outside of gradient recording, e.g. predict and
 * evaluation) with the bias and activation as oneDNN post-ops. PReLU and non-vector biases use `fallback`.
 */
export function makeOnednnFusedConv2D(addon: OnednnAddon, fallback: WasmKernelFunc): WasmKernelFunc {
  return function fusedConv2d(args: KernelArgs): tf.TensorInfo {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Partial<Record<'x' | 'filter' | 'bias' | 'preluActivationWeights', tf.TensorInfo>>;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const activation = ACTIVATION_CODES[attrs.activation ?? 'linear'];
    if (!x || !filter || preluActivationWeights || activation === undefined) return fallback(args);
    const geometry = forwardGeometry(x, filter, attrs);
    if (!geometry || (bias && (!sameShape(bias, [geometry[4]!]) || !allFloat32(bias)))) return fallback(args);
    return runOnednnConv(addon, args.backend, {
      kind: ConvKind.forward,
      a: x,
      b: filter,
      ...(bias ? { bias } : {}),
      outShape: outShapeOf(geometry),
      geometry,
      activation,
      // tf.leakyRelu's default slope when unset, as on the unfused (gradient) path; other activations take none.
      alpha: attrs.activation === 'leakyrelu' ? (attrs.leakyreluAlpha ?? 0.2) : 0,
    });
  };
}
