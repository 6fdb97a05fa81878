import { UnsupportedLayerError } from '../errors.js';
import type { ConversionContext } from './types.js';

export interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
}

export interface Padded2d {
  /** ONNX order: [top, left, bottom, right]. */
  pads: [number, number, number, number];
  outHeight: number;
  outWidth: number;
}

/** TensorFlow's 'same'/'valid' arithmetic for one spatial window over an [h, w] input. */
export function padWindow(ctx: ConversionContext, padding: unknown, [h, w]: [number, number], win: Window2d): Padded2d {
  const dims = [h, w].map((size, i) => {
    const k = (win.kernel[i]! - 1) * win.dilations[i]! + 1;
    const s = win.strides[i]!;
    if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, begin: 0, end: 0 };
    if (padding === 'same') {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + k - size, 0);
      // TensorFlow puts the odd pixel at the end.
      return { out, begin: Math.floor(total / 2), end: total - Math.floor(total / 2) };
    }
    throw new UnsupportedLayerError(ctx.layer.getClassName(), ctx.layer.name, `padding '${String(padding)}' is not supported`);
  });
  const [dh, dw] = dims as [(typeof dims)[0] & {}, (typeof dims)[0] & {}];
  if (dh.out < 1 || dw.out < 1) {
    throw new UnsupportedLayerError(ctx.layer.getClassName(), ctx.layer.name, `window larger than its ${h}×${w} input`);
  }
  return { pads: [dh.begin, dw.begin, dh.end, dw.end], outHeight: dh.out, outWidth: dw.out };
}

export function pair(value: unknown, fallback: number): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  return [fallback, fallback];
}
