import type { TrialView } from '../types.js';
import { lineChartSvg, type Series } from './line-chart.js';
import { categorical } from './palette.js';
import { esc } from './escape.js';

export interface CurveLine {
  label: string;
  trial: TrialView;
}

function seriesOf(lines: readonly CurveLine[], pick: (t: TrialView) => Array<{ train: number; val: number; epoch: number }>): Series[] {
  return lines.flatMap((line, i) => {
    const points = pick(line.trial);
    const color = categorical(i);
    return [
      { label: `${line.label} train`, color, dashed: true, points: points.map((p): [number, number] => [p.epoch, p.train]) },
      { label: `${line.label} validation`, color, points: points.map((p): [number, number] => [p.epoch, p.val]) },
    ];
  });
}

/** Three panels: train vs validation accuracy, train vs validation loss, learning rate per epoch. */
export function learningCurvePanels(lines: readonly CurveLine[]): string {
  const accuracy = seriesOf(lines, (t) => t.epochs.map((e) => ({ epoch: e.epoch, train: e.accuracy, val: e.val_accuracy })));
  const loss = seriesOf(lines, (t) => t.epochs.map((e) => ({ epoch: e.epoch, train: e.loss, val: e.val_loss })));
  const lr: Series[] = lines.map((line, i) => ({
    label: line.label,
    color: categorical(i),
    points: line.trial.epochs.map((e): [number, number] => [e.epoch, e.lr]),
  }));
  const note = 'solid: validation · dashed: train';
  const legend = lines
    .map((l, i) => `<span class="legend-item"><span class="swatch" style="background:${categorical(i)}"></span>${esc(l.label)}</span>`)
    .join(' ');
  return (
    `<div class="legend">${legend}</div><div class="panels">` +
    lineChartSvg({ title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accuracy, note }) +
    lineChartSvg({ title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: loss, note, logY: true }) +
    lineChartSvg({ title: 'Learning rate', xLabel: 'epoch', yLabel: 'learning rate', series: lr, logY: true }) +
    '</div>'
  );
}

