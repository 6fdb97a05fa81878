import { SweepError } from './errors.js';
import type { CommandTrainerConfig, Scalar } from './trial-config.js';

/**
 * The template language of a command trainer's argv and env (`{name}` placeholders) and the `SWEEP_PARAM_*`
 * names: shared by the spec's checks at load time and the worker that runs the program.
 */

export type CommandParams = Record<string, Scalar>;

/** A `{name}` placeholder names no parameter, or a template is malformed: the spec is wrong. */
export class CommandTemplateError extends SweepError {
  override readonly badInput = true;
}

/**
 * Replaces each `{name}` in `template` by the parameter's value (String() of it). `{{` and `}}` are literal braces;
 * a `{name}` naming no parameter, or a `{` that opens no placeholder, is a CommandTemplateError.
 */
export function fillPlaceholders(template: string, params: CommandParams): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c === '}') {
      out += '}';
      i += template[i + 1] === '}' ? 2 : 1;
    } else if (c !== '{') {
      out += c;
      i++;
    } else if (template[i + 1] === '{') {
      out += '{';
      i += 2;
    } else {
      const close = template.indexOf('}', i + 1);
      const name = close < 0 ? '' : template.slice(i + 1, close);
      if (!Object.hasOwn(params, name)) {
        if (!PLACEHOLDER_NAME.test(name)) {
          throw new CommandTemplateError(`a { at position ${i} of ${JSON.stringify(template)} opens no placeholder (write {{ and }} for literal braces)`);
        }
        throw new CommandTemplateError(`placeholder {${name}} in ${JSON.stringify(template)} names no parameter; known: ${knownParams(params)}`);
      }
      out += String(params[name]);
      i = close + 1;
    }
  }
  return out;
}

/** What reads as a parameter name (any parameter's exact name is replaced, whatever its characters). */
const PLACEHOLDER_NAME = /^[A-Za-z_][\w.-]*$/;

const knownParams = (params: CommandParams): string => Object.keys(params).sort().join(', ') || '(none)';

/** `learning-rate` → `SWEEP_PARAM_LEARNING_RATE`. */
export const paramEnvName = (name: string): string => `SWEEP_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** The `SWEEP_PARAM_*` variables of `params`; two names that map to one variable are a CommandTemplateError. */
export function paramEnv(params: CommandParams): Record<string, string> {
  const env: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const key = paramEnvName(name);
    if (from[key] !== undefined) throw new CommandTemplateError(`parameters ${from[key]} and ${name} both map to the variable ${key}`);
    from[key] = name;
    env[key] = String(value);
  }
  return env;
}

/** A trainer's argv and its `env` entries with the placeholders filled in; throws CommandTemplateError. */
export function renderCommand(trainer: Pick<CommandTrainerConfig, 'command' | 'env'>, params: CommandParams): { argv: string[]; env: Record<string, string> } {
  const argv = trainer.command.map((a) => fillPlaceholders(a, params));
  if (argv[0] === undefined || argv[0] === '') throw new CommandTemplateError('the trainer command is empty');
  const env = Object.fromEntries(Object.entries(trainer.env).map(([k, v]) => [k, fillPlaceholders(v, params)]));
  return { argv, env };
}

/** An argv as one line a POSIX shell reads back the same (for --dry-run and logs). */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
