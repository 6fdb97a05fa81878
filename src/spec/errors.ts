import { SweepError } from '../domain/errors.js';

/** A problem in a sweep spec, positioned at the offending YAML node. */
export class SpecError extends SweepError {
  override readonly badInput = true;
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`${file}:${line}:${column}: ${problem}\n  hint: ${hint}`);
  }
}

export type SpecPath = ReadonlyArray<string | number>;

/** A problem before it is positioned: where in the spec (path) and what. */
export interface SpecProblem {
  path: SpecPath;
  /** 'key' points at the map key (unknown keys), 'value' at the value. */
  at?: 'key' | 'value';
  message: string;
  hint: string;
}

/** `training.epochs`, `parameters.depth.values[1]`; the root reads as "the spec". */
export function formatPath(path: SpecPath): string {
  if (path.length === 0) return 'the spec';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
