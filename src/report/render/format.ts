import type { CiMethod, SampleSummary } from '../stats/descriptive.js';

export const MISSING = '—';

export function formatMetric(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? MISSING : v.toFixed(digits);
}

export function formatSigned(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return MISSING;
  return (v > 0 ? '+' : '') + v.toFixed(digits);
}

/** p-values: 3 decimals, small ones in exponent form so "0.000" never hides a real value. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined) return MISSING;
  if (p === 0) return '0';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

export function formatMeanStd(s: SampleSummary | null, digits = 4): string {
  if (s === null) return MISSING;
  return s.std === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

export function formatCi(s: SampleSummary | null, digits = 4): string {
  if (s === null) return MISSING;
  if (s.ci95 === null) return `n=${s.n}, no CI`;
  return `[${s.ci95[0].toFixed(digits)}, ${s.ci95[1].toFixed(digits)}]`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return MISSING;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${String(minutes).padStart(2, '0')}m` : `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** The CI legend for a metric, by the methods its intervals used (see summarize). */
export function ciLegend(metric: string, methods: ReadonlySet<CiMethod | null>): string {
  const logit = `on the logit scale, back-transformed (${metric} is bounded in [0, 1], so the interval stays inside it)`;
  if (methods.has('logit-t') && methods.has('t')) return `CI: Student t 95 % interval of the mean (${logit} where every value lies in [0, 1])`;
  if (methods.has('logit-t')) return `CI: Student t 95 % interval of the mean ${logit}`;
  return 'CI: Student t 95 % interval of the mean';
}
