import type { ParameterInput, ParametersInput } from './spec-input.js';
import type { Scalar } from '../domain/trial-config.js';

export type Condition = Record<string, Scalar | Scalar[]>;

export type Distribution =
  | { distribution: 'uniform' | 'loguniform' | 'int'; min: number; max: number }
  | { distribution: 'choice'; values: Scalar[] };

/** One parameter of the search space, by how it varies across trials. */
export type ParameterAxis =
  | { name: string; kind: 'fixed'; value: Scalar; when?: Condition }
  | { name: string; kind: 'grid'; values: Scalar[]; when?: Condition }
  | { name: string; kind: 'random'; distribution: Distribution; when?: Condition };

/** The parameters in spec order, each classified as fixed, grid or random. */
export function parameterAxes(parameters: ParametersInput | undefined): ParameterAxis[] {
  return Object.entries(parameters ?? {}).flatMap(([name, input]) =>
    input === undefined ? [] : [toAxis(name, input)],
  );
}

function toAxis(name: string, input: ParameterInput): ParameterAxis {
  if (typeof input !== 'object') return { name, kind: 'fixed', value: input };
  const when = input.when;
  const withWhen = when ? { when } : {};
  if ('distribution' in input) {
    const distribution: Distribution =
      input.distribution === 'choice'
        ? { distribution: 'choice', values: input.values }
        : { distribution: input.distribution, min: input.min, max: input.max };
    return { name, kind: 'random', distribution, ...withWhen };
  }
  if ('values' in input) return { name, kind: 'grid', values: input.values, ...withWhen };
  return { name, kind: 'fixed', value: input.value, ...withWhen };
}

/** Whether the axis takes more than one value, i.e. belongs in a trial's `params`. */
export function isSwept(axis: ParameterAxis): boolean {
  return axis.kind === 'random' || (axis.kind === 'grid' && axis.values.length > 1);
}

export function conditionHolds(when: Condition | undefined, assignment: ReadonlyMap<string, Scalar>): boolean {
  if (!when) return true;
  return Object.entries(when).every(([target, expected]) => {
    const actual = assignment.get(target);
    if (actual === undefined) return false;
    return Array.isArray(expected) ? expected.includes(actual) : expected === actual;
  });
}
