import type { RgbaImage } from './image-decode.js';
import type { Normalization } from './metadata.js';

export type ResizeMethod = 'bilinear' | 'nearest';

/**
 * Turns decoded pixels into one model input [h, w, c] (float32, NHWC): resize (half-pixel centers, as
 * tf.image.resizeBilinear/NearestNeighbor with halfPixelCenters), then grayscale (ITU-R 601 luma) or RGB
 * as `c` needs, then the training normalization. Alpha is ignored.
 */
export function toModelInput(
  img: RgbaImage,
  [h, w, c]: [number, number, number],
  normalization: Normalization,
  method: ResizeMethod = 'bilinear',
): Float32Array {
  if (c !== 1 && c !== 3) throw new Error(`model input has ${c} channels; only 1 (grayscale) or 3 (RGB) are supported`);
  const out = new Float32Array(h * w * c);
  const sample = method === 'nearest' ? nearest : bilinear;
  const rgb = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = ((y + 0.5) * img.height) / h - 0.5;
      const sx = ((x + 0.5) * img.width) / w - 0.5;
      for (let ch = 0; ch < 3; ch++) rgb[ch] = sample(img, sx, sy, ch);
      const at = (y * w + x) * c;
      if (c === 1) out[at] = normalize(0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!, 0, normalization);
      else for (let ch = 0; ch < 3; ch++) out[at + ch] = normalize(rgb[ch]!, ch, normalization);
    }
  }
  return out;
}

function normalize(value: number, channel: number, n: Normalization): number {
  if (n.kind === 'scale') return value / 255;
  if (n.kind === 'standardize') {
    const mean = n.mean[channel] ?? n.mean[0]!;
    const std = n.std[channel] ?? n.std[0]!;
    return (value - mean) / std;
  }
  return value;
}

function pixel(img: RgbaImage, x: number, y: number, ch: number): number {
  const cx = Math.min(img.width - 1, Math.max(0, x));
  const cy = Math.min(img.height - 1, Math.max(0, y));
  return img.data[(cy * img.width + cx) * 4 + ch]!;
}

function nearest(img: RgbaImage, sx: number, sy: number, ch: number): number {
  return pixel(img, Math.round(sx), Math.round(sy), ch);
}

function bilinear(img: RgbaImage, sx: number, sy: number, ch: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const top = pixel(img, x0, y0, ch) * (1 - fx) + pixel(img, x0 + 1, y0, ch) * fx;
  const bottom = pixel(img, x0, y0 + 1, ch) * (1 - fx) + pixel(img, x0 + 1, y0 + 1, ch) * fx;
  return top * (1 - fy) + bottom * fy;
}
