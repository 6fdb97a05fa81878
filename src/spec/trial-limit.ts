import type { SpecPath, SpecProblem } from './errors.js';
import type { SpecInput } from './spec-input.js';
import { DEFAULTS } from './defaults.js';
import { countTrials, type TrialCount } from './trial-count.js';

/** The most trials a spec may expand to: the caller's limit (a command-line flag), else execution.max_trials, else the default. */
export function maxTrialsOf(spec: SpecInput, override?: number): number {
  return override ?? spec.execution?.max_trials ?? DEFAULTS.execution.max_trials;
}

const n = (x: bigint | number) => x.toLocaleString('en-US');

/**
 * A spec whose trials would outnumber `max` is refused before expansion (a 600-million-trial grid would otherwise
 * take minutes and gigabytes to enumerate before anything could say no). The problem points at the biggest factor
 * (the grid, the seeds or the samples) and says how to raise the limit.
 */
export function trialLimitProblem(spec: SpecInput, max: number, count: TrialCount = countTrials(spec)): SpecProblem | null {
  if (count.total <= BigInt(max)) return null;
  const bound = count.exact ? '' : 'up to ';
  const seeds = `${n(count.seeds)} seed${count.seeds === 1n ? '' : 's'}`;
  const grid = `${count.exact ? '' : 'at most '}${n(count.grid)} grid configuration${count.grid === 1n ? '' : 's'}`;
  const samples = spec.samples !== undefined ? ` × ${n(count.samples)} random sample${count.samples === 1n ? '' : 's'}` : '';
  return {
    path: biggestFactor(spec, count),
    at: 'key',
    message: `the spec expands to ${bound}${n(count.total)} trials (${seeds} × ${grid}${samples}), more than execution.max_trials (${n(max)})`,
    hint: `narrow the grid, the seeds or the samples; or, if you mean it, raise the limit with execution: { max_trials: ${String(count.total)} }`,
  };
}

function biggestFactor(spec: SpecInput, count: TrialCount): SpecPath {
  const seedsPath: SpecPath = spec.seeds ? ['seeds'] : spec.repeats !== undefined ? ['repeats'] : [];
  const factors: Array<[bigint, SpecPath]> = [
    [count.grid, spec.parameters ? ['parameters'] : []],
    [count.seeds, seedsPath],
    [count.samples, spec.samples !== undefined ? ['samples'] : []],
  ];
  const written = factors.filter(([, path]) => path.length > 0);
  written.sort((a, b) => (a[0] === b[0] ? 0 : a[0] > b[0] ? -1 : 1));
  return written[0]?.[1] ?? [];
}
