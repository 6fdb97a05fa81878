import { esc } from './escape.js';
import { extent, formatTick, linearMap, logTicks, niceTicks, padDomain } from './scale.js';

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  /**
   * Set when the scheduler stopped this run early at that epoch: the line is drawn faded and ends in a ×
   * marker, and its tooltips say "pruned at epoch N".
   */
  prunedAt?: number;
  /** [x, y]; non-finite y breaks the line. */
  points: Array<[number, number]>;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log y axis; applied only when every y is positive and they span more than a factor of 10. */
  logY?: boolean;
  width?: number;
  height?: number;
  /** Extra legend lines under the title (e.g. "solid: validation, dashed: train"). */
  note?: string;
  /** x values of the scheduler's rungs, drawn as vertical lines where they fall inside the plot. */
  rungs?: readonly number[];
}

const MARGIN = { top: 34, right: 14, bottom: 40, left: 66 };

function pathOf(points: Array<[number, number]>, x: (v: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [px, py] of points) {
    if (!Number.isFinite(py) || !Number.isFinite(px)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** A self-contained SVG line chart with axes, ticks, grid, legend and per-point markers. */
export function lineChartSvg(opts: LineChartOptions): string {
  const width = opts.width ?? 420;
  const height = opts.height ?? 260;
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1]));
  const xDomain = extent(xs);
  const yDomainRaw = extent(ys);
  const header = `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title)}">`;
  const title = `<text class="chart-title" x="${MARGIN.left}" y="16">${esc(opts.title)}</text>`;
  if (xDomain === null || yDomainRaw === null) {
    return `${header}${title}<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">no data</text></svg>`;
  }
  const log = opts.logY === true && yDomainRaw.min > 0 && yDomainRaw.max / yDomainRaw.min > 10;
  const yDomain = padDomain(yDomainRaw, log);
  const xDom = padDomain(xDomain, false);
  const plotRight = width - MARGIN.right;
  const plotBottom = height - MARGIN.bottom;
  const x = linearMap(xDom, MARGIN.left, plotRight);
  const y = linearMap(yDomain, plotBottom, MARGIN.top, log);
  const yTicks = log ? logTicks(yDomain) : niceTicks(yDomain);
  const xTicks = niceTicks(xDom, Math.min(8, Math.max(1, Math.round(xDom.max - xDom.min)))).filter((v) => Number.isInteger(v) || xDom.max - xDom.min < 4);
  const parts: string[] = [header, title];
  if (opts.note) parts.push(`<text class="chart-note" x="${plotRight}" y="16" text-anchor="end">${esc(opts.note)}</text>`);
  for (const t of yTicks) {
    const py = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${plotRight}" y1="${py}" y2="${py}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${esc(formatTick(t))}</text>`);
  }
  for (const t of xTicks) {
    const px = x(t).toFixed(1);
    parts.push(`<text class="tick" x="${px}" y="${plotBottom + 14}" text-anchor="middle">${esc(formatTick(t))}</text>`);
  }
  parts.push(`<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotRight - MARGIN.left}" height="${plotBottom - MARGIN.top}"/>`);
  parts.push(`<text class="axis-label" x="${(MARGIN.left + plotRight) / 2}" y="${height - 6}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(14 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}${log ? ' (log)' : ''}</text>`,
  );
  for (const rung of opts.rungs ?? []) {
    if (rung < xDom.min || rung > xDom.max) continue;
    const px = x(rung).toFixed(1);
    parts.push(
      `<line class="rung" data-epoch="${rung}" x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${plotBottom}"><title>${esc(`rung: epoch ${rung}`)}</title></line>`,
    );
  }
  for (const s of opts.series) {
    const d = pathOf(s.points, x, y);
    if (d === '') continue;
    const pruned = s.prunedAt !== undefined;
    const label = pruned ? `${s.label} — pruned at epoch ${s.prunedAt}` : s.label;
    parts.push(
      `<path class="series${pruned ? ' pruned' : ''}" d="${d}" stroke="${esc(s.color)}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${esc(label)}</title></path>`,
    );
    for (const [px, py] of s.points) {
      if (!Number.isFinite(py)) continue;
      parts.push(
        `<circle class="marker${pruned ? ' pruned' : ''}" cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2" fill="${esc(s.color)}"><title>${esc(`${label} — ${px}: ${formatTick(py)}`)}</title></circle>`,
      );
    }
    const last = [...s.points].reverse().find(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
    if (pruned && last !== undefined) {
      const cx = x(last[0]);
      const cy = y(last[1]);
      const r = 4;
      const cross = `M${(cx - r).toFixed(1)},${(cy - r).toFixed(1)}L${(cx + r).toFixed(1)},${(cy + r).toFixed(1)}M${(cx - r).toFixed(1)},${(cy + r).toFixed(1)}L${(cx + r).toFixed(1)},${(cy - r).toFixed(1)}`;
      parts.push(`<path class="prune-marker" d="${cross}" stroke="${esc(s.color)}"><title>${esc(label)}</title></path>`);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
