import { PARAMETERS, isEngineParameter, isParameterName } from './parameters.js';
import { draw, uniform01 } from './random.js';
import type { SpecInput } from './spec-input.js';
import { baseTrialConfig, seedsOf, type ModuleRef } from './defaults.js';
import { conditionHolds, isSwept, parameterAxes, type ParameterAxis } from './space.js';
import { trialId } from './trial-id.js';
import type { Trial } from './types.js';
import type { Scalar, TrialConfig } from '../domain/trial-config.js';

type Assignment = Map<string, Scalar>;

/**
 * Every trial of a validated spec, deterministically ordered: seeds outermost (so the first trials cover
 * every configuration once), then the grid in spec order (first parameter slowest), then random samples.
 * Trials that resolve to the same config (e.g. two equal random draws) appear once.
 */
export function expandTrials(spec: SpecInput, specDir = '.', module?: ModuleRef): Trial[] {
  const axes = parameterAxes(spec.parameters);
  const grids = gridAssignments(axes);
  const samples = randomSamples(axes, spec.seed ?? 0, spec.samples ?? 1);
  const base = baseTrialConfig(spec, specDir, module);
  const trials: Trial[] = [];
  const seen = new Set<string>();
  for (const seed of seedsOf(spec)) {
    for (const grid of grids) {
      for (const sample of samples) {
        const config = trialConfig(base, axes, grid, sample, seed);
        const id = trialId(config);
        if (seen.has(id)) continue;
        seen.add(id);
        trials.push({ id, index: trials.length, config });
      }
    }
  }
  return trials;
}

/** Cartesian product of the unconditional grid axes, each crossed with the conditional axes active in it. */
function gridAssignments(axes: readonly ParameterAxis[]): Assignment[] {
  const grid = axes.filter((a): a is Extract<ParameterAxis, { kind: 'grid' }> => a.kind === 'grid');
  // Fixed values join the assignment so that conditions may name them (e.g. a profile fixing a grid axis).
  const fixed: Assignment = new Map();
  for (const axis of axes) if (axis.kind === 'fixed' && !axis.when) fixed.set(axis.name, axis.value);
  let assignments: Assignment[] = [fixed];
  for (const axis of grid.filter((a) => !a.when)) assignments = crossWith(assignments, axis.name, axis.values);
  return assignments.flatMap((assignment) => {
    let expanded: Assignment[] = [assignment];
    for (const axis of grid.filter((a) => a.when && conditionHolds(a.when, assignment))) {
      expanded = crossWith(expanded, axis.name, axis.values);
    }
    return expanded;
  });
}

function crossWith(assignments: Assignment[], name: string, values: readonly Scalar[]): Assignment[] {
  return assignments.flatMap((a) => values.map((v) => new Map(a).set(name, v)));
}

function randomSamples(axes: readonly ParameterAxis[], sweepSeed: number, count: number): Assignment[] {
  const random = axes.filter((a): a is Extract<ParameterAxis, { kind: 'random' }> => a.kind === 'random');
  return Array.from({ length: count }, (_, sample) => {
    const assignment: Assignment = new Map();
    for (const axis of random) assignment.set(axis.name, draw(axis.distribution, uniform01(sweepSeed, axis.name, sample)));
    return assignment;
  });
}

function trialConfig(base: TrialConfig, axes: readonly ParameterAxis[], grid: Assignment, sample: Assignment, seed: number): TrialConfig {
  const config: TrialConfig = structuredClone(base);
  config.seed = seed;
  for (const axis of axes) {
    if (!conditionHolds(axis.when, grid)) continue; // inactive: keeps its default and stays out of params
    const value = axis.kind === 'fixed' ? axis.value : axis.kind === 'grid' ? grid.get(axis.name) : sample.get(axis.name);
    if (value === undefined) continue;
    applyParameter(config, axis.name, value);
    if (isSwept(axis)) config.params[axis.name] = value;
  }
  // A program gets every parameter, and always the epochs to train and its seed.
  if (config.command) Object.assign(config.command.params, { epochs: config.training.epochs, seed });
  return config;
}

/** A built-in model's parameter lands in its TrialConfig field; a program's, in its params (epochs in both). */
function applyParameter(config: TrialConfig, name: string, value: Scalar): void {
  if (config.command) {
    config.command.params[name] = value;
    if (name === 'epochs') PARAMETERS.epochs.apply(config, value);
    return;
  }
  if (config.module) {
    // The engine's training parameters set its fields; every other name is the module's.
    if (isEngineParameter(name)) PARAMETERS[name].apply(config, value);
    else config.module.params[name] = value;
    return;
  }
  if (!isParameterName(name)) throw new Error(`expandTrials: ${name} is not a parameter of the built-in models (the schema should have refused it)`);
  PARAMETERS[name].apply(config, value);
}
