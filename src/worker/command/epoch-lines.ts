import type { CommandEpochMetrics } from './types.js';

export type ParsedLine =
  | { kind: 'log' }
  | { kind: 'epoch'; metrics: CommandEpochMetrics }
  /** Meant as an epoch line but unusable: the reason goes to the log as a warning. */
  | { kind: 'skipped'; reason: string };

/**
 * Tells a program's epoch lines from its log lines. A line that starts with `{` is meant as an epoch line: a JSON
 * object with an integer `epoch` ≥ 1, above every epoch before it (and above the resumed-from epoch), whose other
 * values are all finite numbers. Anything else starting with `{` is skipped with a reason (Python's
 * `json.dumps(float('nan'))` writes `NaN`, which is not JSON); every other line is log output.
 */
export class EpochLines {
  private last: number;

  constructor(resumeEpoch: number) {
    this.last = resumeEpoch;
  }

  /** The newest epoch accepted (the resumed-from epoch before any). */
  get lastEpoch(): number {
    return this.last;
  }

  parse(line: string): ParsedLine {
    const text = line.trim();
    if (!text.startsWith('{')) return { kind: 'log' };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { kind: 'skipped', reason: 'not valid JSON (NaN and Infinity are not JSON numbers)' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'skipped', reason: 'not a JSON object' };
    const record = value as Record<string, unknown>;
    const { epoch } = record;
    if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 1) return { kind: 'skipped', reason: 'no integer "epoch" ≥ 1' };
    const bad = Object.keys(record).filter((k) => typeof record[k] !== 'number');
    if (bad.length > 0) return { kind: 'skipped', reason: `non-numeric value of ${bad.join(', ')}` };
    if (epoch <= this.last) return { kind: 'skipped', reason: `epoch ${epoch} does not follow epoch ${this.last}` };
    this.last = epoch;
    return { kind: 'epoch', metrics: record as CommandEpochMetrics };
  }
}
