import type { OnnxCheck } from '../../domain/onnx.js';
import { MISSING } from './format.js';
import { renderTextTable, type Cell, type Column } from './text-table.js';

/** Leaderboard columns for exported trials: verification verdict, ORT batch-1 latency, speed-up over tfjs. */
export const ONNX_COLUMNS: readonly Column[] = [
  { header: 'onnx', align: 'left' },
  { header: 'ORT p50 ms', align: 'right' },
  { header: 'speed-up', align: 'right' },
];

export function onnxVerdictCell(check: OnnxCheck | null): Cell {
  if (check === null) return { text: MISSING, style: 'dim' };
  return check.ok ? { text: 'ok', style: 'green' } : { text: 'MISMATCH', style: 'red' };
}

export function onnxCells(check: OnnxCheck | null): Cell[] {
  if (check === null) return [onnxVerdictCell(null), { text: MISSING }, { text: MISSING }];
  return [onnxVerdictCell(check), { text: check.ortP50Ms.toFixed(3) }, { text: formatSpeedup(check.speedup) }];
}

export function formatSpeedup(speedup: number): string {
  return Number.isFinite(speedup) ? `${speedup.toFixed(1)}×` : MISSING;
}

export interface OnnxCheckRow {
  trialId: string;
  check: OnnxCheck;
}

/** The detailed table of ONNX export checks (`sweep export`, and under the leaderboard's groups). */
export function renderOnnxChecks(rows: readonly OnnxCheckRow[], color: boolean): string {
  const columns: Column[] = [
    { header: 'trial', align: 'left' },
    { header: 'onnx ok', align: 'left' },
    { header: 'max |Δ|', align: 'right' },
    { header: 'top-1 agree', align: 'right' },
    { header: 'ORT p50 ms', align: 'right' },
    { header: 'ORT p99 ms', align: 'right' },
    { header: 'tfjs p50 ms', align: 'right' },
    { header: 'speed-up', align: 'right' },
    { header: 'file', align: 'left' },
  ];
  const cells = rows.map(({ trialId, check }): Cell[] => [
    { text: trialId.slice(0, 8) },
    onnxVerdictCell(check),
    { text: check.maxAbsDiff.toExponential(2) },
    { text: `${(check.top1Agreement * 100).toFixed(2)} %` },
    { text: check.ortP50Ms.toFixed(3) },
    { text: check.ortP99Ms.toFixed(3) },
    { text: check.tfjsP50Ms.toFixed(3) },
    { text: formatSpeedup(check.speedup) },
    { text: check.file ?? MISSING },
  ]);
  return renderTextTable(columns, cells, color);
}
