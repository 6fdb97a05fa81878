import { UnsupportedLayerError } from '../errors.js';
import type { ConversionContext, WeightValues } from './types.js';

/** The named weight of the layer being converted, or a clear error when the layer lacks it. */
export function requireWeight(ctx: ConversionContext, key: string): WeightValues {
  const w = ctx.weights.get(key);
  if (!w) {
    throw new UnsupportedLayerError(
      ctx.layer.getClassName(),
      ctx.layer.name,
      `expected a weight named '${key}', found [${[...ctx.weights.keys()].join(', ')}]`,
    );
  }
  return w;
}

/** Reorders a row-major tensor of `shape` by `perm` (like np.transpose). */
export function transposeValues(values: Float32Array, shape: number[], perm: number[]): { shape: number[]; values: Float32Array } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(outShape);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < values.length; o++) {
    let rem = o;
    let src = 0;
    for (let d = 0; d < rank; d++) {
      index[d] = Math.floor(rem / outStrides[d]!);
      rem -= index[d]! * outStrides[d]!;
      src += index[d]! * inStrides[perm[d]!]!;
    }
    out[o] = values[src]!;
  }
  return { shape: outShape, values: out };
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}
