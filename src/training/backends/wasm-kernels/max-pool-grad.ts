import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Routes each output gradient to the first maximum of its window (row-major scan, like the cpu backend).
 * Replaces the native kernel, whose running max starts at FLT_MIN instead of −∞ and so mis-routes gradients
 * of windows whose maximum is ≤ 0 (common right after BatchNorm). With the oneDNN addon active its bit-identical
 * native twin runs instead (native/onednn/src/max_pool_grad.cc); change both together.
 */
export function maxPoolGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { backend } = args;
  const { dy, input: x } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;

  const out = backend.makeOutput(x.shape, 'float32');
  // Views only after the allocation above: growing the wasm heap detaches older views.
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dys = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);

  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  const rowStride = inWidth * channels;
  const imageStride = inHeight * rowStride;
  let dyIndex = 0;
  for (let n = 0; n < batchSize; n++) {
    const imageBase = n * imageStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - padInfo.top;
      const hBegin = Math.max(h0, 0);
      const hEnd = Math.min(h0 + filterHeight, inHeight);
      for (let ow = 0; ow < outWidth; ow++, dyIndex += channels) {
        const w0 = ow * strideWidth - padInfo.left;
        const wBegin = Math.max(w0, 0);
        const wEnd = Math.min(w0 + filterWidth, inWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let h = hBegin; h < hEnd; h++) {
          for (let w = wBegin; w < wEnd; w++) {
            const base = imageBase + h * rowStride + w * channels;
            for (let c = 0; c < channels; c++) {
              const v = xs[base + c]!;
              if (v > best[c]! || bestAt[c] === -1) {
                best[c] = v;
                bestAt[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = bestAt[c]!;
          if (at >= 0) dx[at] = dx[at]! + dys[dyIndex + c]!;
        }
      }
    }
  }
  return out;
}
