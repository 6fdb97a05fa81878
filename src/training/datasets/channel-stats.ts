import type { Split } from './types.js';

/** Per-channel mean and (population) std of a uint8 NHWC split, in the 0..255 range. */
export function channelStats(split: Split, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  const { images } = split;
  for (let i = 0; i < images.length; i++) {
    const c = i % channels;
    const v = images[i]!;
    sum[c]! += v;
    sumSq[c]! += v * v;
  }
  const perChannel = images.length / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = perChannel > 0 ? sum[c]! / perChannel : 0;
    const variance = perChannel > 0 ? Math.max(0, sumSq[c]! / perChannel - m * m) : 0;
    mean.push(m);
    std.push(Math.sqrt(variance));
  }
  return { mean, std };
}
