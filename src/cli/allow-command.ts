/** `--allow-command [programs]` as commander parses it: true when bare, the list when given, undefined when absent. */
export type AllowCommandFlag = string | boolean | undefined;

export const ALLOW_COMMAND_FLAGS = '--allow-command [programs]';

export const ALLOW_COMMAND_HELP_WORKER =
  'run command trainers (a user program named in the spec): any program, or only the comma-separated list (python3,bash); default: none, such trials fail';

export const ALLOW_COMMAND_HELP_LOCAL =
  "let this command's local workers run command trainers (any program, or only the listed ones); on the embedded default they always may, since only you can publish to it";

/**
 * The `--allow-command` and `--allow-module` arguments of local workers. On the embedded default only this user can publish jobs (its
 * token is in a 0600 file), so its workers run any program unless a list narrows them. With --nats the workers
 * also pull other people's jobs from the shared pool: they run programs only when this command was given the flag.
 */
export function localWorkerAllowArgs(embedded: boolean, flag: AllowCommandFlag, allowModule = false): string[] {
  const modules = embedded || allowModule ? ['--allow-module'] : [];
  if (typeof flag === 'string' && flag !== '') return ['--allow-command', flag, ...modules];
  if (flag === true || embedded) return ['--allow-command', ...modules];
  return modules;
}

export const ALLOW_MODULE_HELP_WORKER = 'run model modules (model: { module: ... } in the spec: code bundled by whoever launched it); default: no, such trials fail';

export const ALLOW_MODULE_HELP_LOCAL = "let this command's local workers run model modules; on the embedded default they always may";
