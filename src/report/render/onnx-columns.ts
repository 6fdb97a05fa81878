import { isProgramCheck, type AnyOnnxCheck } from '../../domain/onnx.js';
import { MISSING } from './format.js';
import { renderTextTable, type Cell, type Column } from './text-table.js';

/** Leaderboard columns for exported trials: verification verdict, ORT batch-1 latency, speed-up over tfjs. */
export const ONNX_COLUMNS: readonly Column[] = [
  { header: 'onnx', align: 'left' },
  { header: 'ORT p50 ms', align: 'right' },
  { header: 'speed-up', align: 'right' },
];

/**
 * A check as tables show it, whatever its kind. A program's model (command trainers) has no tfjs twin, so its
 * comparison fields are MISSING, and a failure reads FAILED (it did not load or run), not MISMATCH.
 */
export function onnxCheckText(check: AnyOnnxCheck): { verdict: string; maxAbsDiff: string; top1: string; ortP50: string; ortP99: string; tfjsP50: string; speedup: string; file: string } {
  const ms = (v: number | null): string => (v === null ? MISSING : v.toFixed(3));
  const common = { ortP50: ms(check.ortP50Ms), ortP99: ms(check.ortP99Ms), file: check.file ?? MISSING };
  if (isProgramCheck(check)) {
    return { ...common, verdict: check.ok ? 'ok (program)' : 'FAILED', maxAbsDiff: MISSING, top1: MISSING, tfjsP50: MISSING, speedup: MISSING };
  }
  return {
    ...common,
    verdict: check.ok ? 'ok' : 'MISMATCH',
    maxAbsDiff: check.maxAbsDiff.toExponential(2),
    top1: `${(check.top1Agreement * 100).toFixed(2)} %`,
    tfjsP50: check.tfjsP50Ms.toFixed(3),
    speedup: formatSpeedup(check.speedup),
  };
}

export function onnxVerdictCell(check: AnyOnnxCheck | null): Cell {
  if (check === null) return { text: MISSING, style: 'dim' };
  return { text: onnxCheckText(check).verdict, style: check.ok ? 'green' : 'red' };
}

export function onnxCells(check: AnyOnnxCheck | null): Cell[] {
  if (check === null) return [onnxVerdictCell(null), { text: MISSING }, { text: MISSING }];
  const text = onnxCheckText(check);
  return [onnxVerdictCell(check), { text: text.ortP50 }, { text: text.speedup }];
}

export function formatSpeedup(speedup: number): string {
  return Number.isFinite(speedup) ? `${speedup.toFixed(1)}×` : MISSING;
}

export interface OnnxCheckRow {
  trialId: string;
  check: AnyOnnxCheck;
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
  const cells = rows.map(({ trialId, check }): Cell[] => {
    const text = onnxCheckText(check);
    return [
      { text: trialId.slice(0, 8) },
      onnxVerdictCell(check),
      { text: text.maxAbsDiff },
      { text: text.top1 },
      { text: text.ortP50 },
      { text: text.ortP99 },
      { text: text.tfjsP50 },
      { text: text.speedup },
      { text: text.file },
    ];
  });
  return renderTextTable(columns, cells, color);
}
