import * as tf from '@tensorflow/tfjs-core';
import type { KernelScope } from './kernel-call.js';

/** Bound on the patch matrix of one chunk of images (floats): keeps the wasm heap, which only grows, small. */
export const MAX_PATCH_FLOATS = 4 * 1024 * 1024;

/**
 * Filter gradient of a stride-1, dilation-1 NHWC convolution as ONE XNNPACK matrix product per chunk of images,
 * with no im2col gather: every image is laid out on a grid of Hp × Wp = (Ho + kh − 1) × (Wo + kw − 1) positions
 * (x zero-padded; dy in the top-left Ho × Wo corner, zeros elsewhere). On that grid, filter tap (a, b) is a plain
 * shift by a·Wp + b of the flattened positions, so
 *
 *   patches[(a, b, ci), p] = xT[ci, p + a·Wp + b]   (each row a memmove of the channel-major xT)
 *   dW[(a, b, ci), co]     = Σ_p patches[(a, b, ci), p] · dyGrid[p, co]
 *
 * and the product is already in the [kh, kw, Ci, Co] filter layout. Shifts never cross into the next image where
 * dyGrid is non-zero. dyGrid is the matmul's weight operand (the smallest one: XNNPACK packs it per call).
 */
export function filterGradStride1(
  scope: KernelScope,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  maxPatchFloats = MAX_PATCH_FLOATS,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth, padInfo } = info;
  const gridH = outHeight + filterHeight - 1;
  const gridW = outWidth + filterWidth - 1;
  const imageCells = gridH * gridW;
  const rows = filterHeight * filterWidth * inChannels;
  const perChunk = Math.max(1, Math.min(batchSize, Math.floor(maxPatchFloats / (rows * imageCells))));
  const geometry: Geometry = { inHeight, inWidth, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth, gridH, gridW, top: padInfo.top, left: padInfo.left };

  let total: tf.TensorInfo | null = null;
  for (let first = 0; first < batchSize; first += perChunk) {
    const images = Math.min(perChunk, batchSize - first);
    const cells = images * imageCells;
    const patches = scope.adopt(scope.backend.makeOutput([1, rows, cells], 'float32'));
    const dyGrid = scope.adopt(scope.backend.makeOutput([1, cells, outChannels], 'float32'));
    // Views only after the allocations above: growing the wasm heap detaches older views.
    const heap = (t: tf.TensorInfo) => scope.backend.typedArrayFromHeap(t) as Float32Array;
    fillPatches(heap(patches), heap(x), first, images, geometry);
    fillDyGrid(heap(dyGrid), heap(dy), first, images, geometry);
    const product = scope.run(tf.BatchMatMul, { a: patches, b: dyGrid }, { transposeA: false, transposeB: false });
    scope.free(patches);
    scope.free(dyGrid);
    if (total === null) {
      total = product;
    } else {
      const sum = heap(total);
      const part = heap(product);
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + part[i]!;
      scope.free(product);
    }
  }
  return scope.reshape(total!, [filterHeight, filterWidth, inChannels, outChannels]);
}

interface Geometry {
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  gridH: number;
  gridW: number;
  top: number;
  left: number;
}

/** Rows of tap (0, 0) are x transposed to channel-major on the padded grid; every other tap is a shifted copy. */
function fillPatches(out: Float32Array, xs: Float32Array, first: number, images: number, g: Geometry): void {
  const { inHeight, inWidth, inChannels: ci, gridH, gridW, top, left } = g;
  const cells = images * gridH * gridW;
  out.fill(0, 0, ci * cells);
  for (let n = 0; n < images; n++) {
    const imageIn = (first + n) * inHeight * inWidth * ci;
    const imageOut = n * gridH * gridW;
    for (let i = 0; i < gridH; i++) {
      const h = i - top;
      if (h < 0 || h >= inHeight) continue;
      const jBegin = Math.max(0, left);
      const jEnd = Math.min(gridW, inWidth + left);
      for (let j = jBegin; j < jEnd; j++) {
        const src = imageIn + (h * inWidth + (j - left)) * ci;
        let dst = imageOut + i * gridW + j;
        for (let c = 0; c < ci; c++, dst += cells) out[dst] = xs[src + c]!;
      }
    }
  }
  for (let a = 0; a < g.filterHeight; a++) {
    for (let b = 0; b < g.filterWidth; b++) {
      const tap = a * g.filterWidth + b;
      if (tap === 0) continue;
      const shift = a * gridW + b;
      for (let c = 0; c < ci; c++) {
        const row = (tap * ci + c) * cells;
        out.copyWithin(row, c * cells + shift, (c + 1) * cells);
        out.fill(0, row + cells - shift, row + cells);
      }
    }
  }
}

/** dy of each image in the top-left outHeight × outWidth corner of its grid, zeros elsewhere. */
function fillDyGrid(out: Float32Array, dys: Float32Array, first: number, images: number, g: Geometry): void {
  const { outHeight, outWidth, outChannels: co, gridH, gridW } = g;
  out.fill(0);
  const rowLength = outWidth * co;
  for (let n = 0; n < images; n++) {
    for (let i = 0; i < outHeight; i++) {
      const src = (((first + n) * outHeight + i) * outWidth) * co;
      out.set(dys.subarray(src, src + rowLength), ((n * gridH + i) * gridW) * co);
    }
  }
}
