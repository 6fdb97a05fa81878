import type { EpochMetrics } from '../../domain/metrics.js';
import { lineChartSvg, type Series } from './line-chart.js';
import { categorical } from './palette.js';
import { esc } from './escape.js';

/** What a learning curve reads of an epoch: the curves draw loss, accuracy, val_loss, val_accuracy and lr where present. */
export type CurvePoint = EpochMetrics;

/** A metric of an epoch, NaN (a break in the line) where the trainer did not report it. */
const valueOf = (e: CurvePoint, metric: string): number => e[metric] ?? NaN;
const hasAny = (series: readonly Series[]): boolean => series.some((s) => s.points.some(([, y]) => Number.isFinite(y)));

export interface CurveLine {
  label: string;
  /** One trial's epochs, or a group's mean per epoch. */
  epochs: readonly CurvePoint[];
  /** The epoch the scheduler stopped this trial at (PRUNED), or absent when it ran to its end. */
  prunedAt?: number;
}

export interface CurvePanelOptions {
  /** The scheduler's rungs (epochs), drawn as vertical lines. */
  rungs?: readonly number[];
}

function prunedOf(line: CurveLine): Pick<Series, 'prunedAt'> {
  return line.prunedAt === undefined ? {} : { prunedAt: line.prunedAt };
}

function seriesOf(lines: readonly CurveLine[], pick: (epochs: readonly CurvePoint[]) => Array<{ train: number; val: number; epoch: number }>): Series[] {
  return lines.flatMap((line, i) => {
    const points = pick(line.epochs);
    const color = categorical(i);
    return [
      { label: `${line.label} train`, color, dashed: true, ...prunedOf(line), points: points.map((p): [number, number] => [p.epoch, p.train]) },
      { label: `${line.label} validation`, color, ...prunedOf(line), points: points.map((p): [number, number] => [p.epoch, p.val]) },
    ];
  });
}

/**
 * Three panels: train vs validation accuracy, train vs validation loss, learning rate per epoch. A panel with
 * nothing to draw (a command trainer that reports no learning rate) is left out.
 */
export function learningCurvePanels(lines: readonly CurveLine[], opts: CurvePanelOptions = {}): string {
  const accuracy = seriesOf(lines, (epochs) => epochs.map((e) => ({ epoch: e.epoch, train: valueOf(e, 'accuracy'), val: valueOf(e, 'val_accuracy') })));
  const loss = seriesOf(lines, (epochs) => epochs.map((e) => ({ epoch: e.epoch, train: valueOf(e, 'loss'), val: valueOf(e, 'val_loss') })));
  const lr: Series[] = lines.map((line, i) => ({
    label: line.label,
    color: categorical(i),
    ...prunedOf(line),
    points: line.epochs.map((e): [number, number] => [e.epoch, valueOf(e, 'lr')]),
  }));
  const anyPruned = lines.some((l) => l.prunedAt !== undefined);
  const rungs = opts.rungs ?? [];
  const note = 'solid: validation · dashed: train';
  // In the legend, not the charts' notes: the charts' top line has no room for more.
  const marks = [
    ...(anyPruned ? ['faded lines ending in ×: pruned (stopped early by the scheduler)'] : []),
    ...(rungs.length > 0 ? [`dotted verticals: the scheduler's rungs (epoch ${rungs.join(', ')})`] : []),
  ];
  const legend = lines
    .map((l, i) => {
      const pruned = l.prunedAt !== undefined;
      const text = pruned ? `${l.label} — pruned at epoch ${l.prunedAt}` : l.label;
      return `<span class="legend-item${pruned ? ' pruned' : ''}"><span class="swatch" style="background:${categorical(i)}"></span>${esc(text)}</span>`;
    })
    .join(' ');
  const legendNote = marks.length > 0 ? `<span class="legend-note">${esc(marks.join(' · '))}</span>` : '';
  return (
    `<div class="legend">${legend}${legendNote}</div><div class="panels">` +
    (hasAny(accuracy) ? lineChartSvg({ title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accuracy, note, rungs }) : '') +
    (hasAny(loss) ? lineChartSvg({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: loss, note, logY: true, rungs }) : '') +
    (hasAny(lr) ? lineChartSvg({ title: 'Learning rate', xLabel: 'epoch', yLabel: 'learning rate', series: lr, logY: true, rungs }) : '') +
    '</div>'
  );
}
