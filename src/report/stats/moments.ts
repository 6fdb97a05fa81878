export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty sample');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance with Bessel's correction (n − 1). */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) throw new RangeError(`sample variance needs n ≥ 2, got n=${values.length}`);
  const m = mean(values);
  let sumSquares = 0;
  for (const v of values) sumSquares += (v - m) ** 2;
  return sumSquares / (values.length - 1);
}
