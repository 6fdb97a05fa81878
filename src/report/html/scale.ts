/** Axis helpers: domains with padding, "nice" linear ticks, decade ticks for log axes. */

export interface Domain {
  min: number;
  max: number;
}

/** The finite values' range, or null when there is none. A loop: spreading 10⁵ values into Math.min overflows the stack. */
export function extent(values: readonly number[]): Domain | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/** Widens a zero-width domain so a flat line sits in the middle of the plot. */
export function padDomain(d: Domain, log: boolean): Domain {
  if (d.max > d.min) return d;
  if (log) return { min: d.min / 2, max: d.max * 2 };
  const half = d.min === 0 ? 1 : Math.abs(d.min) * 0.1;
  return { min: d.min - half, max: d.max + half };
}

export function niceTicks(d: Domain, count = 5): number[] {
  const span = d.max - d.min;
  const rawStep = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const residual = rawStep / magnitude;
  const step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(d.min / step) * step; v <= d.max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

export function logTicks(d: Domain): number[] {
  const ticks: number[] = [];
  const low = Math.floor(Math.log10(d.min));
  const high = Math.ceil(Math.log10(d.max));
  const multipliers = high - low <= 2 ? [1, 2, 5] : [1];
  for (let e = low; e <= high; e++) {
    for (const m of multipliers) {
      const v = m * 10 ** e;
      if (v >= d.min * (1 - 1e-9) && v <= d.max * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks.length >= 2 ? ticks : [d.min, d.max];
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Maps a domain onto a pixel range (log10 when `log`). */
export function linearMap(d: Domain, from: number, to: number, log = false): (v: number) => number {
  const f = log ? Math.log10 : (v: number): number => v;
  const lo = f(d.min);
  const hi = f(d.max);
  return (v) => from + ((f(v) - lo) / (hi - lo)) * (to - from);
}
