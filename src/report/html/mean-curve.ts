import type { CurvePoint } from './learning-curves.js';

const FIELDS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr'] as const;

/**
 * The mean learning curve of several runs: for each epoch any of them trained, the mean of each metric over the
 * runs that trained it (non-finite values left out; NaN where none is finite, which breaks the line).
 */
export function meanCurve(runs: ReadonlyArray<readonly CurvePoint[]>): CurvePoint[] {
  const sums = new Map<number, { sum: number[]; n: number[] }>();
  for (const epochs of runs) {
    for (const e of epochs) {
      const acc = sums.get(e.epoch) ?? { sum: FIELDS.map(() => 0), n: FIELDS.map(() => 0) };
      sums.set(e.epoch, acc);
      FIELDS.forEach((f, i) => {
        const v = e[f];
        if (v === undefined || !Number.isFinite(v)) return;
        acc.sum[i] = acc.sum[i]! + v;
        acc.n[i] = acc.n[i]! + 1;
      });
    }
  }
  return [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, { sum, n }]) => {
      const mean = (i: number): number => (n[i]! > 0 ? sum[i]! / n[i]! : NaN);
      const point: CurvePoint = { epoch };
      FIELDS.forEach((f, i) => (point[f] = mean(i)));
      return point;
    });
}
