import type { SpecInput } from './spec-input.js';
import { conditionHolds, parameterAxes, type Condition, type ParameterAxis } from './space.js';
import type { Scalar } from '../domain/trial-config.js';

/**
 * How many trials a validated spec expands to, computed without enumerating them: seeds × grid × samples, the
 * same product expandTrials walks. The grid part is exact, conditional (`when:`) parameters included: only the
 * unconditional grid axes that conditions name are enumerated, and only by the classes of their values that the
 * conditions tell apart (a handful each); the other axes multiply in. Should even those classes cross to more than
 * ENUMERATION_BUDGET combinations, the grid is bounded from above instead (every condition taken to hold) and
 * `exact` is false.
 *
 * Either way it counts trials before expandTrials drops duplicate configs (two equal random draws of a `choice`
 * or `int` distribution, a conditional grid of one value equal to the default), so it is an upper bound of the
 * trials published and exact whenever no two configs coincide; it is what expansion would have to walk.
 */
export interface TrialCount {
  total: bigint;
  seeds: bigint;
  grid: bigint;
  samples: bigint;
  /** False when the grid is the upper bound of the too-many-conditions fallback. */
  exact: boolean;
}

/** Combinations of condition-relevant value classes enumerated before falling back to an upper bound. */
export const ENUMERATION_BUDGET = 100_000;

export function countTrials(spec: SpecInput): TrialCount {
  const seeds = BigInt(spec.seeds ? spec.seeds.length : (spec.repeats ?? 1));
  const samples = BigInt(spec.samples ?? 1);
  const { grid, exact } = countGrid(parameterAxes(spec.parameters));
  return { total: seeds * grid * samples, seeds, grid, samples, exact };
}

type GridAxis = Extract<ParameterAxis, { kind: 'grid' }>;
type ConditionalAxis = GridAxis & { when: Condition };

/** Values of one named axis that every condition treats alike, with how many values the class stands for. */
interface ValueClass {
  representative: Scalar;
  size: bigint;
}

function countGrid(axes: readonly ParameterAxis[]): { grid: bigint; exact: boolean } {
  const grid = axes.filter((a): a is GridAxis => a.kind === 'grid');
  const unconditional = grid.filter((a) => !a.when);
  const conditional = grid.filter((a): a is ConditionalAxis => a.when !== undefined);
  const product = (list: readonly GridAxis[]) => list.reduce((n, a) => n * BigInt(a.values.length), 1n);
  if (conditional.length === 0) return { grid: product(unconditional), exact: true };

  // Fixed values join the assignment, as in expandTrials, so that conditions may name them.
  const fixed = new Map<string, Scalar>();
  for (const axis of axes) if (axis.kind === 'fixed' && !axis.when) fixed.set(axis.name, axis.value);
  const named = new Set(conditional.flatMap((c) => Object.keys(c.when)));
  const relevant = unconditional.filter((a) => named.has(a.name));
  const free = product(unconditional.filter((a) => !named.has(a.name)));
  const classes = relevant.map((axis) => valueClasses(axis, conditional));
  const combinations = classes.reduce((n, c) => n * BigInt(c.length), 1n);
  if (combinations > BigInt(ENUMERATION_BUDGET)) return { grid: free * product(relevant) * product(conditional), exact: false };

  let sum = 0n;
  const assignment = new Map(fixed);
  const walk = (i: number, weight: bigint): void => {
    if (i === relevant.length) {
      sum += conditional.reduce((n, c) => (conditionHolds(c.when, assignment) ? n * BigInt(c.values.length) : n), weight);
      return;
    }
    for (const cls of classes[i]!) {
      assignment.set(relevant[i]!.name, cls.representative);
      walk(i + 1, weight * cls.size);
    }
  };
  walk(0, 1n);
  return { grid: free * sum, exact: true };
}

/** Groups an axis's values by which conditions (on this axis) they satisfy: each group counts the same. */
function valueClasses(axis: GridAxis, conditional: readonly ConditionalAxis[]): ValueClass[] {
  const byKey = new Map<string, ValueClass>();
  for (const value of axis.values) {
    const key = conditional
      .map((c) => {
        const expected = c.when[axis.name];
        if (expected === undefined) return '-';
        return (Array.isArray(expected) ? expected.includes(value) : expected === value) ? '1' : '0';
      })
      .join('');
    const cls = byKey.get(key);
    if (cls) cls.size += 1n;
    else byKey.set(key, { representative: value, size: 1n });
  }
  return [...byKey.values()];
}
