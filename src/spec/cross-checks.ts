import { formatPath, type SpecPath, type SpecProblem } from './errors.js';
import { PARAMETERS, TRAINING_PARAMETERS, isEngineParameter } from './parameters.js';
import type { SpecInput } from './spec-input.js';
import { parameterAxes, type ParameterAxis } from './space.js';
import { suggestionHint } from './suggest.js';
import { describeValue } from './issues.js';
import type { Scalar } from '../domain/trial-config.js';
import { DEFAULTS, schedulerInputOf, smallestEpochs } from './defaults.js';

/** Checks that span fields (conditions, ranges, duplicates, required pairs) on a schema-valid spec. */
export interface CrossCheckOptions {
  /** A profile may narrow a grid so that a condition never holds; that is allowed there. */
  allowUnreachableConditions?: boolean;
  /**
   * A profile or --epochs may train fewer epochs than the scheduler was written for: ASHA's max_epochs is then
   * lowered to them (defaults.ts schedulerOf) and a grace_epochs past them only means nothing is stopped.
   */
  allowSchedulerBeyondEpochs?: boolean;
}

export function crossFieldProblems(spec: SpecInput, options: CrossCheckOptions = {}): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const axes = parameterAxes(spec.parameters);
  problems.push(...seedProblems(spec.seeds, spec.repeats, []));
  problems.push(...axes.flatMap((a) => axisProblems(a, ['parameters', a.name])));
  problems.push(...conditionProblems(axes, options.allowUnreachableConditions ?? false));
  problems.push(...samplesProblems(spec, axes));
  for (const key of TRAINING_PARAMETERS) {
    if (spec.training?.[key] !== undefined && spec.parameters?.[key] !== undefined) {
      problems.push({
        path: ['training', key],
        at: 'key',
        message: `${key} is set both in training and in parameters`,
        hint: `keep one: parameters.${key} to sweep it, training.${key} to fix it`,
      });
    }
  }
  if (spec.dataset) problems.push(...datasetProblems(spec.dataset, ['dataset']));
  problems.push(...commandSpecProblems(spec));
  problems.push(...moduleSpecProblems(spec));
  if (!options.allowSchedulerBeyondEpochs) problems.push(...schedulerProblems(spec));
  if (spec.model === 'vgg' && spec.parameters?.sleep_ms !== undefined) {
    problems.push({ path: ['parameters', 'sleep_ms'], at: 'key', message: 'sleep_ms only applies to model: sleep', hint: 'remove it, or set model: sleep' });
  }
  if (spec.quick) {
    const quick = spec.quick;
    problems.push(...seedProblems(quick.seeds, quick.repeats, ['quick']));
    problems.push(...parameterAxes(quick.parameters).flatMap((a) => axisProblems(a, ['quick', 'parameters', a.name])));
  }
  return problems;
}

function seedProblems(seeds: number[] | undefined, repeats: number | undefined, prefix: SpecPath): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (seeds !== undefined && repeats !== undefined) {
    problems.push({
      path: [...prefix, 'repeats'],
      at: 'key',
      message: 'seeds and repeats are both given',
      hint: 'keep one: seeds: [1, 2, 3] lists the seeds, repeats: 3 means seeds 0, 1, 2',
    });
  }
  if (seeds) problems.push(...duplicateProblems(seeds, [...prefix, 'seeds'], 'seed'));
  return problems;
}

function duplicateProblems(values: readonly Scalar[], path: SpecPath, what: string): SpecProblem[] {
  const seen = new Set<Scalar>();
  return values.flatMap((v, i) => {
    if (!seen.has(v)) {
      seen.add(v);
      return [];
    }
    return [{ path: [...path, i], message: `duplicate ${what} ${describeValue(v)} in ${formatPath(path)}`, hint: 'list each value once' }];
  });
}

function axisProblems(axis: ParameterAxis, path: SpecPath): SpecProblem[] {
  if (axis.kind === 'grid') return duplicateProblems(axis.values, [...path, 'values'], 'value');
  if (axis.kind !== 'random') return [];
  const d = axis.distribution;
  if (d.distribution === 'choice') return duplicateProblems(d.values, [...path, 'values'], 'value');
  const problems: SpecProblem[] = [];
  if (d.distribution === 'loguniform' && d.min <= 0) {
    problems.push({ path: [...path, 'min'], message: `loguniform min must be > 0, got ${d.min}`, hint: 'use a positive min such as 1e-5' });
  }
  if (d.min >= d.max) {
    problems.push({ path: [...path, 'max'], message: `max (${d.max}) must be greater than min (${d.min}) for ${axis.name}`, hint: 'swap them, or use a fixed value if only one is wanted' });
  }
  return problems;
}

/** `when` must name an unconditional grid or fixed parameter, and values that parameter takes. */
function conditionProblems(axes: readonly ParameterAxis[], allowUnreachable: boolean): SpecProblem[] {
  const byName = new Map(axes.map((a) => [a.name, a]));
  const problems: SpecProblem[] = [];
  for (const axis of axes) {
    for (const [target, expected] of Object.entries(axis.when ?? {})) {
      const keyPath = ['parameters', axis.name, 'when', target];
      const targetAxis = byName.get(target);
      if (target === axis.name) {
        problems.push({ path: keyPath, at: 'key', message: `parameter ${axis.name} has a condition on itself`, hint: 'a condition must name another grid parameter' });
        continue;
      }
      if (!targetAxis) {
        const known = axes.filter((a) => a.kind !== 'random').map((a) => a.name);
        problems.push({ path: keyPath, at: 'key', message: `condition of ${axis.name} refers to '${target}', which is not a parameter of this spec`, hint: suggestionHint(target, known, 'parameters') });
        continue;
      }
      if (targetAxis.kind === 'random') {
        problems.push({ path: keyPath, at: 'key', message: `condition of ${axis.name} refers to ${target}, which is random`, hint: `conditions may only name grid ({ values: [...] }) or fixed parameters` });
        continue;
      }
      if (targetAxis.when) {
        problems.push({ path: keyPath, at: 'key', message: `condition of ${axis.name} refers to ${target}, which is itself conditional`, hint: `conditions cannot be chained; give ${axis.name} the condition of ${target} directly` });
        continue;
      }
      const list = Array.isArray(expected) ? expected : [expected];
      list.forEach((value, i) => {
        const takes = targetAxis.kind === 'grid' ? targetAxis.values : [targetAxis.value];
        if (!allowUnreachable && !takes.includes(value)) {
          problems.push({
            path: Array.isArray(expected) ? [...keyPath, i] : keyPath,
            message: `condition of ${axis.name}: ${target} never takes the value ${describeValue(value)}`,
            hint: suggestionHint(String(value), takes.map(String), `${target} takes`),
          });
        }
      });
    }
  }
  return problems;
}

function samplesProblems(spec: SpecInput, axes: readonly ParameterAxis[]): SpecProblem[] {
  const firstRandom = axes.find((a) => a.kind === 'random');
  if (firstRandom && spec.samples === undefined) {
    return [{ path: ['parameters', firstRandom.name], at: 'key', message: `${firstRandom.name} is random but samples is not set`, hint: 'add a top-level samples: N (how many random draws, crossed with the grid)' }];
  }
  if (!firstRandom && spec.samples !== undefined) {
    return [{ path: ['samples'], at: 'key', message: 'samples is set but no parameter is random', hint: 'remove samples, or give a parameter a distribution' }];
  }
  return [];
}

function datasetProblems(dataset: NonNullable<SpecInput['dataset']>, path: SpecPath): SpecProblem[] {
  const s = dataset.synthetic;
  if (dataset.name === 'synthetic' && !s) {
    return [{ path: [...path, 'name'], message: 'dataset synthetic needs synthetic options', hint: 'add dataset.synthetic: { height, width, channels, classes, train_size, validation_size }' }];
  }
  if (dataset.name !== 'synthetic' && s) {
    return [{ path: [...path, 'synthetic'], at: 'key', message: `synthetic options given for dataset ${dataset.name}`, hint: 'remove dataset.synthetic, or set dataset.name: synthetic' }];
  }
  if (s && s.train_size < s.classes) {
    return [{ path: [...path, 'synthetic', 'train_size'], message: `train_size (${s.train_size}) is smaller than classes (${s.classes})`, hint: 'use at least one training image per class' }];
  }
  return [];
}

/**
 * The scheduler against the trials' epochs: ASHA's max_epochs within the fewest epochs any trial trains (so
 * every trial reaches every rung), and grace_epochs below max_epochs (ASHA) or the epochs (median), or the
 * scheduler could never stop a trial.
 */
function schedulerProblems(spec: SpecInput): SpecProblem[] {
  const s = schedulerInputOf(spec);
  if (!s) return [];
  const { epochs, from } = smallestEpochs(spec);
  const epochsText = from === 'training' ? `training.epochs (${epochs})` : `the smallest parameters.epochs (${epochs})`;
  const written = typeof spec.scheduler === 'object' && spec.scheduler !== null ? (spec.scheduler as Record<string, unknown>) : {};
  const pathOf = (key: string): SpecPath => (written[key] !== undefined ? ['scheduler', key] : ['scheduler']);
  const grace = s.grace_epochs ?? DEFAULTS.scheduler.grace_epochs;
  const graceText = s.grace_epochs !== undefined ? `scheduler.grace_epochs (${grace})` : `scheduler.grace_epochs (default ${grace})`;
  if (s.type === 'median') {
    if (grace < epochs) return [];
    return [{ path: pathOf('grace_epochs'), message: `${graceText} must be below ${epochsText}, or median stopping never stops a trial`, hint: `lower grace_epochs, or use scheduler: none for trials this short` }];
  }
  if (s.max_epochs !== undefined && s.max_epochs > epochs) {
    return [{ path: ['scheduler', 'max_epochs'], message: `scheduler.max_epochs (${s.max_epochs}) exceeds ${epochsText}`, hint: `use at most ${epochs}, or leave max_epochs out: it defaults to the fewest epochs a trial trains` }];
  }
  const max = s.max_epochs ?? epochs;
  if (grace < max) return [];
  const maxText = s.max_epochs !== undefined ? `scheduler.max_epochs (${max})` : epochsText;
  return [{ path: pathOf('grace_epochs'), message: `${graceText} must be below ${maxText}, or ASHA never stops a trial`, hint: 'ASHA judges trials at grace_epochs × reduction_factor^k below max_epochs; lower grace_epochs, or use scheduler: none for trials this short' }];
}

/** A command spec's objective and scheduler metric must be metrics it declares; `seed` and `epoch` are taken. */
function commandSpecProblems(spec: SpecInput): SpecProblem[] {
  if (!spec.trainer) return [];
  const declared = spec.metrics ?? [];
  const problems: SpecProblem[] = [];
  const undeclared = (metric: string, path: SpecPath, what: string): void => {
    if (declared.includes(metric)) return;
    problems.push({ path, message: `${what} '${metric}' is not among the metrics the program prints (metrics: ${declared.join(', ')})`, hint: `add '${metric}' to metrics if the program prints it; ${suggestionHint(metric, declared, 'metrics')}` });
  };
  if (spec.objective) undeclared(spec.objective.metric, ['objective', 'metric'], 'objective.metric');
  else if (!declared.includes(DEFAULTS.objective.metric)) {
    problems.push({ path: ['metrics'], at: 'key', message: `no objective is given and the default, ${DEFAULTS.objective.metric}, is not among metrics`, hint: `add objective: { metric: ${declared[0] ?? '...'} } (one of metrics)` });
  }
  const scheduler = schedulerInputOf(spec);
  if (scheduler?.metric !== undefined) undeclared(scheduler.metric, ['scheduler', 'metric'], 'scheduler.metric');
  const epochIndex = declared.indexOf('epoch');
  if (epochIndex >= 0) problems.push({ path: ['metrics', epochIndex], message: "'epoch' is the epoch number of each line, not a metric", hint: 'remove it from metrics' });
  problems.push(...duplicateProblems(declared, ['metrics'], 'metric'));
  problems.push(...seedParameterProblems(spec, 'the program receives each as {seed}'));
  return problems;
}

function seedParameterProblems(spec: SpecInput, how: string): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [section, parameters] of [[[], spec.parameters], [['quick'], spec.quick?.parameters]] as const) {
    if (parameters?.seed !== undefined) {
      problems.push({ path: [...section, 'parameters', 'seed'], at: 'key', message: "'seed' is not a parameter: every trial gets its seed from seeds (or repeats)", hint: `remove it and list the seeds in seeds: [...]; ${how}` });
    }
  }
  return problems;
}

/** A module spec's engine parameters (learning_rate, …) hold the values the engine accepts; `seed` is taken. */
function moduleSpecProblems(spec: SpecInput): SpecProblem[] {
  if (typeof spec.model !== 'object') return [];
  const problems = seedParameterProblems(spec, "build() receives it as ctx.seed");
  for (const [section, parameters] of [[[], spec.parameters], [['quick'], spec.quick?.parameters]] as const) {
    for (const axis of parameterAxes(parameters)) {
      if (!isEngineParameter(axis.name)) continue;
      const def = PARAMETERS[axis.name];
      const values = axis.kind === 'fixed' ? [axis.value] : axis.kind === 'grid' ? axis.values : axis.distribution.distribution === 'choice' ? axis.distribution.values : [axis.distribution.min, axis.distribution.max];
      const bad = values.find((v) => !def.value.safeParse(v).success);
      if (bad !== undefined) {
        problems.push({ path: [...section, 'parameters', axis.name], message: `${axis.name} ${describeValue(bad)} is not a value the engine accepts (${def.description})`, hint: `use a valid ${axis.name}, as in docs/spec.md` });
      }
    }
  }
  return problems;
}
