import type { Scalar } from '../../domain/trial-config.js';
import type { Leaderboard, TrialRow } from '../leaderboard/types.js';
import { esc } from './escape.js';
import { sequential } from './palette.js';
import { everyKthByRank } from './rank-sample.js';
import { extent, formatTick, linearMap, logTicks, niceTicks, padDomain } from './scale.js';

/** A numeric param with more levels than this is drawn on a continuous axis (log when it spans ≥ 100×). */
const MAX_LEVEL_TICKS = 12;

interface Axis {
  name: string;
  /** Position in [0, 1] (0 = bottom) of a trial on this axis, or null when the trial lacks the param. */
  position: (row: TrialRow) => number | null;
  ticks: Array<{ at: number; label: string }>;
}

function categoricalAxis(name: string, levels: Scalar[]): Axis {
  const sorted = [...levels].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  const at = (i: number): number => (sorted.length === 1 ? 0.5 : i / (sorted.length - 1));
  const index = new Map(sorted.map((l, i) => [l, i]));
  return {
    name,
    position: (row) => {
      const v = row.params[name];
      const i = v === undefined ? undefined : index.get(v);
      return i === undefined ? null : at(i);
    },
    ticks: sorted.map((l, i) => ({ at: at(i), label: String(l) })),
  };
}

/** A numeric param with many levels (a sampled one, e.g. a log-uniform learning rate) on a value axis. */
function continuousAxis(name: string, values: readonly number[]): Axis {
  const raw = extent(values)!;
  const log = raw.min > 0 && raw.max / raw.min >= 100;
  const domain = padDomain(raw, log);
  const map = linearMap(domain, 0, 1, log);
  return {
    name: log ? `${name} (log)` : name,
    position: (row) => {
      const v = row.params[name];
      return typeof v === 'number' && Number.isFinite(v) ? map(v) : null;
    },
    ticks: (log ? logTicks(domain) : niceTicks(domain, 5)).map((v) => ({ at: map(v), label: formatTick(v) })),
  };
}

/**
 * Numeric params with few levels are shown as evenly spaced levels (typical of grids, e.g. 1e-3, 1e-2, 1e-1);
 * numeric ones with more than MAX_LEVEL_TICKS levels on a value axis; strings always as levels.
 */
function paramAxis(name: string, rows: readonly TrialRow[]): Axis {
  const levels = [...new Set(rows.map((r) => r.params[name]).filter((v): v is Scalar => v !== undefined))];
  if (levels.length > MAX_LEVEL_TICKS && levels.every((l) => typeof l === 'number' && Number.isFinite(l))) return continuousAxis(name, levels as number[]);
  const axis = categoricalAxis(name, levels);
  // Label at most about MAX_LEVEL_TICKS levels of a many-level string param: every k-th, the first and last kept.
  const k = Math.ceil(axis.ticks.length / MAX_LEVEL_TICKS);
  return k <= 1 ? axis : { ...axis, ticks: axis.ticks.filter((_, i) => i % k === 0 || i === axis.ticks.length - 1) };
}

function objectiveAxis(lb: Leaderboard, rows: readonly TrialRow[]): Axis {
  const domain = padDomain(extent(rows.map((r) => r.objective!))!, false);
  const map = linearMap(domain, 0, 1);
  return {
    name: lb.objective.metric,
    position: (row) => map(row.objective!),
    ticks: niceTicks(domain, 5).map((v) => ({ at: map(v), label: formatTick(v) })),
  };
}

/** The chart and which ranked trials it drew. */
export interface ParallelCoordinates {
  svg: string;
  /** Ranked trials with an objective. */
  ranked: number;
  /** Lines drawn: every `step`-th ranked trial by rank, from rank 1. */
  drawn: number;
  step: number;
}

/**
 * Ranked trials as polylines across the swept params and the objective, coloured by objective: all of them, or,
 * past `maxLines`, every k-th by rank (see everyKthByRank).
 */
export function parallelCoordinates(lb: Leaderboard, maxLines = Number.MAX_SAFE_INTEGER): ParallelCoordinates {
  const ranked = lb.trials.filter((r) => r.rank !== null && r.objective !== null);
  const sample = everyKthByRank(ranked, maxLines);
  return { svg: parallelCoordinatesSvg(lb, sample.rows), ranked: ranked.length, drawn: sample.rows.length, step: sample.step };
}

function parallelCoordinatesSvg(lb: Leaderboard, rows: readonly TrialRow[]): string {
  const params = lb.sweptParams.filter((p) => p !== 'seed');
  const width = Math.max(520, 170 * (params.length + 1));
  const height = 320;
  const top = 40;
  const bottom = height - 30;
  const left = 70;
  const right = width - 90;
  const header = `<svg class="chart parallel" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="parallel coordinates">`;
  if (rows.length === 0) return `${header}<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no ranked trials</text></svg>`;
  const axes = [...params.map((p) => paramAxis(p, rows)), objectiveAxis(lb, rows)];
  const axisX = (i: number): number => (axes.length === 1 ? (left + right) / 2 : left + ((right - left) * i) / (axes.length - 1));
  const py = (t: number): number => bottom - t * (bottom - top);
  const { min: lo, max: hi } = extent(rows.map((r) => r.objective!))!;
  const goodness = (v: number): number => (hi === lo ? 1 : lb.objective.goal === 'max' ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo));
  const parts = [header];
  // Worst first so the best lines are drawn on top.
  const ordered = [...rows].sort((a, b) => goodness(a.objective!) - goodness(b.objective!));
  for (const row of ordered) {
    const points = axes.map((a, i) => [axisX(i), a.position(row)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
    const d = points.map(([x, t], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${py(t).toFixed(1)}`).join('');
    const label = `${row.shortId} (${params.map((p) => `${p}=${row.params[p] ?? '—'}`).join(', ')}, seed ${row.seed}): ${row.objective!.toFixed(4)}`;
    parts.push(`<path class="pc-line" d="${d}" stroke="${sequential(goodness(row.objective!))}"><title>${esc(label)}</title></path>`);
  }
  axes.forEach((axis, i) => {
    const x = axisX(i).toFixed(1);
    parts.push(`<line class="pc-axis" x1="${x}" x2="${x}" y1="${top}" y2="${bottom}"/>`);
    parts.push(`<text class="pc-name" x="${x}" y="${top - 14}" text-anchor="middle">${esc(axis.name)}</text>`);
    for (const t of axis.ticks) {
      parts.push(`<text class="pc-tick" x="${(axisX(i) + 5).toFixed(1)}" y="${py(t.at).toFixed(1)}" dominant-baseline="middle">${esc(t.label)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}
