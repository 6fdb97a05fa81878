import type { ExpandedSweep } from './types.js';
import { paramEnv, renderCommand, shellLine } from '../domain/command-template.js';
import type { Scalar } from '../domain/trial-config.js';

/** A table of the trials (index, id, swept params, seed) for --dry-run. Inactive parameters show as '-'. */
export function describeTrials(sweep: ExpandedSweep): { header: string[]; rows: string[][] } {
  const names: string[] = [];
  for (const trial of sweep.trials) {
    for (const name of Object.keys(trial.config.params)) if (!names.includes(name)) names.push(name);
  }
  const rows = sweep.trials.map((t) => [
    String(t.index),
    t.id,
    ...names.map((n) => {
      const v = t.config.params[n];
      return v === undefined ? '-' : formatScalar(v);
    }),
    String(t.config.seed),
  ]);
  return { header: ['#', 'id', ...names, 'seed'], rows };
}

export function formatScalar(value: Scalar): string {
  if (typeof value !== 'number' || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** Per trial of a command sweep, the exact program a worker runs: argv, extra env, directory; null for built-in models. */
export function describeCommands(sweep: ExpandedSweep): Array<{ index: number; argv: string[]; env: Record<string, string>; cwd: string | null; line: string }> | null {
  if (!sweep.trials.some((t) => t.config.command)) return null;
  return sweep.trials.flatMap((t) => {
    const command = t.config.command;
    if (!command) return [];
    const { argv, env } = renderCommand(command.trainer, command.params);
    const envText = Object.entries(env).map(([k, v]) => `${k}=${shellLine([v])} `).join('');
    return [{ index: t.index, argv, env: { ...env, ...paramEnv(command.params) }, cwd: command.trainer.cwd, line: envText + shellLine(argv) }];
  });
}
