import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Custom kernels (wasm only) behind the fused training-mode BatchNormalization, see ../fused-batch-norm.ts. With
 * the oneDNN addon active they run natively (native/onednn/src/batch_norm_training.cc, ../onednn/register.ts) with
 * bit-identical results: change the arithmetic here and there together (test/unit/onednn-native-kernels.test.ts).
 */
export const BATCH_NORM_TRAIN_FORWARD = 'SweepBatchNormTrainForward';
export const BATCH_NORM_TRAIN_BACKWARD = 'SweepBatchNormTrainBackward';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

const heap = (backend: BackendWasm, t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

function channelsOf(x: tf.TensorInfo, kernel: string): { channels: number; rows: number } {
  if (x.dtype !== 'float32' || x.shape.length < 2) {
    throw new Error(`${kernel}: expected a float32 tensor of rank ≥ 2 with channels last, got ${x.dtype} ${JSON.stringify(x.shape)}`);
  }
  const channels = x.shape[x.shape.length - 1]!;
  return { channels, rows: tf.util.sizeFromShape(x.shape) / channels };
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β with the batch mean μ and biased variance σ² of each channel (last axis), computed
 * in float64 in one pass. Outputs [y, μ, σ²].
 */
export function batchNormTrainForward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon } = attrs as unknown as { epsilon: number };
  const { channels, rows } = channelsOf(x, BATCH_NORM_TRAIN_FORWARD);
  const y = backend.makeOutput(x.shape, 'float32');
  const meanOut = backend.makeOutput([channels], 'float32');
  const varianceOut = backend.makeOutput([channels], 'float32');
  // Views only after the allocations above: growing the wasm heap detaches older views.
  const xs = heap(backend, x);
  const ys = heap(backend, y);
  const g = heap(backend, gamma);
  const b = heap(backend, beta);
  const sum = new Float64Array(channels);
  const squares = new Float64Array(channels);
  forChannelBlocks(channels, (c, width) => {
    const end = rows * channels;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0; // prettier-ignore
    for (let at = c; at < end; at += channels) {
      const v0 = xs[at]!;
      s0 += v0;
      q0 += v0 * v0;
      if (width > 1) {
        const v1 = xs[at + 1]!;
        const v2 = xs[at + 2]!;
        const v3 = xs[at + 3]!;
        s1 += v1;
        s2 += v2;
        s3 += v3;
        q1 += v1 * v1;
        q2 += v2 * v2;
        q3 += v3 * v3;
      }
    }
    sum.set(width > 1 ? [s0, s1, s2, s3] : [s0], c);
    squares.set(width > 1 ? [q0, q1, q2, q3] : [q0], c);
  });
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const means = heap(backend, meanOut);
  const variances = heap(backend, varianceOut);
  for (let c = 0; c < channels; c++) {
    const mean = sum[c]! / rows;
    const variance = Math.max(squares[c]! / rows - mean * mean, 0);
    means[c] = mean;
    variances[c] = variance;
    scale[c] = g[c]! / Math.sqrt(variance + epsilon);
    shift[c] = b[c]! - mean * scale[c]!;
  }
  for (let r = 0, at = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, at++) ys[at] = xs[at]! * scale[c]! + shift[c]!;
  }
  return [y, meanOut, varianceOut];
}

/**
 * Gradient of the training-mode batch norm above through the batch statistics (the full BatchNorm backward):
 * with x̂ = (x − μ)/√(σ² + ε) and N rows, dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ² + ε) · (dy − dβ/N − x̂·dγ/N).
 * Outputs [dx, dγ, dβ].
 */
export function batchNormTrainBackward({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma } = inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo>;
  const { epsilon } = attrs as unknown as { epsilon: number };
  const { channels, rows } = channelsOf(x, BATCH_NORM_TRAIN_BACKWARD);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dGammaOut = backend.makeOutput([channels], 'float32');
  const dBetaOut = backend.makeOutput([channels], 'float32');
  const xs = heap(backend, x);
  const dys = heap(backend, dy);
  const dxs = heap(backend, dx);
  const means = heap(backend, mean);
  const variances = heap(backend, variance);
  const g = heap(backend, gamma);
  const inv = new Float64Array(channels);
  const mu = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    inv[c] = 1 / Math.sqrt(variances[c]! + epsilon);
    mu[c] = means[c]!;
  }
  const dBeta = new Float64Array(channels);
  const dxHatSum = new Float64Array(channels); // Σ dy·x, turned into Σ dy·x̂ below
  forChannelBlocks(channels, (c, width) => {
    const end = rows * channels;
    let b0 = 0, b1 = 0, b2 = 0, b3 = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0; // prettier-ignore
    for (let at = c; at < end; at += channels) {
      const d0 = dys[at]!;
      b0 += d0;
      g0 += d0 * xs[at]!;
      if (width > 1) {
        const d1 = dys[at + 1]!;
        const d2 = dys[at + 2]!;
        const d3 = dys[at + 3]!;
        b1 += d1;
        b2 += d2;
        b3 += d3;
        g1 += d1 * xs[at + 1]!;
        g2 += d2 * xs[at + 2]!;
        g3 += d3 * xs[at + 3]!;
      }
    }
    dBeta.set(width > 1 ? [b0, b1, b2, b3] : [b0], c);
    dxHatSum.set(width > 1 ? [g0, g1, g2, g3] : [g0], c);
  });
  const dGamma = new Float64Array(channels);
  for (let c = 0; c < channels; c++) dGamma[c] = (dxHatSum[c]! - mu[c]! * dBeta[c]!) * inv[c]!;
  const dGammas = heap(backend, dGammaOut);
  const dBetas = heap(backend, dBetaOut);
  const a = new Float64Array(channels); // dx = a·dy + b·x + c, per channel
  const b = new Float64Array(channels);
  const k = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    dGammas[c] = dGamma[c]!;
    dBetas[c] = dBeta[c]!;
    const s = g[c]! * inv[c]!;
    a[c] = s;
    b[c] = (-s * inv[c]! * dGamma[c]!) / rows;
    k[c] = -s * (dBeta[c]! / rows) - b[c]! * mu[c]!;
  }
  for (let r = 0, at = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++, at++) dxs[at] = a[c]! * dys[at]! + b[c]! * xs[at]! + k[c]!;
  }
  return [dx, dGammaOut, dBetaOut];
}

/** Calls `body(c, 4)` for each full block of 4 channels, then `body(c, 1)` for the rest. */
function forChannelBlocks(channels: number, body: (c: number, width: 1 | 4) => void): void {
  let c = 0;
  for (; c + 4 <= channels; c += 4) body(c, 4);
  for (; c < channels; c++) body(c, 1);
}
