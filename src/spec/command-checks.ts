import { CommandTemplateError, fillPlaceholders, paramEnv } from '../domain/command-template.js';
import { describeLoaderVariable, loaderVariablesIn } from '../domain/loader-env.js';
import type { SpecPath, SpecProblem } from './errors.js';
import type { Trial } from './types.js';

/**
 * The problems of a command trainer that its schema cannot see: loader variables in its `env` (first: a spec that
 * sets one is refused whatever else it gets wrong), then its templates.
 *
 * Every placeholder of a command trainer's argv and env must name a parameter in every trial (a conditional
 * parameter is absent from the trials its condition skips), so a bad template is a spec error at load time,
 * not a FAILED trial on a worker. One problem per template position.
 */
export function commandTemplateProblems(trials: readonly Trial[]): SpecProblem[] {
  const refused = loaderVariableProblems(trials);
  if (refused.length > 0) return refused;
  const problems = new Map<string, SpecProblem>();
  const check = (path: SpecPath, template: string, trial: Trial, params: Record<string, string | number | boolean>): void => {
    const key = path.join('.');
    if (problems.has(key)) return;
    try {
      fillPlaceholders(template, params);
    } catch (e) {
      if (!(e instanceof CommandTemplateError)) throw e;
      problems.set(key, { path, message: `${e.message} (in trial #${trial.index})`, hint: 'a placeholder is {name} of a parameter, or {epochs} or {seed} (a parameter with when: is absent from the trials its condition skips); write {{ and }} for literal braces' });
    }
  };
  for (const trial of trials) {
    const command = trial.config.command;
    if (!command) continue;
    command.trainer.command.forEach((arg, i) => check(['trainer', 'command', i], arg, trial, command.params));
    for (const [name, value] of Object.entries(command.trainer.env)) check(['trainer', 'env', name], value, trial, command.params);
    if (!problems.has('parameters')) {
      try {
        paramEnv(command.params);
      } catch (e) {
        if (!(e instanceof CommandTemplateError)) throw e;
        problems.set('parameters', { path: ['parameters'], at: 'key', message: e.message, hint: 'rename one: SWEEP_PARAM_<NAME> upper-cases the name' });
      }
    }
  }
  return [...problems.values()];
}

/**
 * A trainer `env` that sets a variable of the loader deny-list (src/domain/loader-env.ts): one problem per variable,
 * at its key. Every trial has the spec's one trainer, so the first command trial tells.
 */
function loaderVariableProblems(trials: readonly Trial[]): SpecProblem[] {
  const trainer = trials.find((t) => t.config.command)?.config.command?.trainer;
  if (!trainer) return [];
  return loaderVariablesIn(Object.keys(trainer.env)).map(({ name, rule }) => ({
    path: ['trainer', 'env', name],
    at: 'key' as const,
    message: `trainer.env may not set ${describeLoaderVariable(name, rule)}: it changes what the program loads before its own code, so it could step around a worker's --allow-command`,
    hint: `remove ${name}; the program inherits the worker's own environment (PATH included), and for code of your own use an argument or a file in the trainer's cwd (docs/command-trainer.md lists the refused variables)`,
  }));
}
