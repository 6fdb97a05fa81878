/**
 * The environment variables a command trainer's `env` may not set (a spec's, or a job's): each changes which code a
 * program loads or runs before its own first line, so a job that sets one can step around the worker's
 * `--allow-command` list (an allowed `bash` whose `echo` is a function from `BASH_FUNC_echo%%`, an allowed `python3`
 * that imports a module from `PYTHONPATH` first, any program with a library from `LD_PRELOAD`). The spec refuses them
 * at load time (src/spec/command-checks.ts); the worker refuses a job that sets one anyway (a forged job) and fails
 * it at once. docs/command-trainer.md lists them for users.
 *
 * The program still inherits the worker's own environment, these variables included: what the operator set is the
 * operator's choice.
 */

/** A family of refused names: an exact name or a prefix, and what it does in a program. */
export interface LoaderVariableRule {
  /** The name, or its prefix when `prefix` is true. */
  readonly name: string;
  readonly prefix: boolean;
  /** What setting it lets a job do, for the error message. */
  readonly why: string;
}

const exact = (name: string, why: string): LoaderVariableRule => ({ name, prefix: false, why });
const prefix = (name: string, why: string): LoaderVariableRule => ({ name, prefix: true, why });

/** Names a trainer's `env` may set although a rule would refuse them. */
export const LOADER_VARIABLE_EXCEPTIONS: readonly string[] = [
  // Only makes Python's stdout unbuffered (the runner sets it to 1 unless the user says otherwise).
  'PYTHONUNBUFFERED',
];

/** Every refused name, in the order the documentation lists them. */
export const LOADER_VARIABLE_RULES: readonly LoaderVariableRule[] = [
  exact('PATH', 'chooses which file a program name runs'),
  prefix('LD_', "the dynamic loader's settings: LD_PRELOAD and LD_LIBRARY_PATH load a library of the job's into any program"),
  prefix('DYLD_', "macOS's dynamic loader settings (as LD_*)"),
  exact('GLIBC_TUNABLES', "glibc's start-up settings, read before the program runs"),
  exact('GCONV_PATH', "where glibc's iconv loads its conversion modules from"),
  prefix('BASH_FUNC_', 'defines a bash function (BASH_FUNC_echo%%) that takes over a command of an allowed script'),
  exact('BASH_ENV', 'a file non-interactive bash runs before the script'),
  exact('ENV', 'a file sh and interactive shells run at start'),
  exact('SHELLOPTS', "bash options (xtrace with PS4 runs the job's code)"),
  exact('BASHOPTS', 'bash options'),
  exact('PS4', 'expanded by bash for each traced command'),
  exact('IFS', "how shells split words: changes what an allowed script's commands mean"),
  prefix('PYTHON', 'Python start-up: PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONINSPECT and the rest'),
  exact('NODE_OPTIONS', "Node's flags (--require, --import) load a module of the job's"),
  exact('NODE_PATH', 'where Node resolves modules'),
  prefix('PERL5', 'Perl start-up: PERL5LIB, PERL5OPT, PERL5DB'),
  exact('PERLLIB', 'where Perl loads modules'),
  exact('RUBYOPT', "Ruby's flags (-r loads a library)"),
  exact('RUBYLIB', 'where Ruby loads libraries'),
  exact('JAVA_TOOL_OPTIONS', 'JVM flags, an agent among them'),
  exact('_JAVA_OPTIONS', 'JVM flags'),
  exact('JDK_JAVA_OPTIONS', 'JVM flags'),
  prefix('LUA_', 'Lua start-up: LUA_INIT runs code, LUA_PATH and LUA_CPATH choose modules'),
];

/** The rule that refuses `name` (case-sensitive, as the environment is), or null when a trainer's env may set it. */
export function loaderVariableRule(name: string): LoaderVariableRule | null {
  if (LOADER_VARIABLE_EXCEPTIONS.includes(name)) return null;
  return LOADER_VARIABLE_RULES.find((r) => (r.prefix ? name.startsWith(r.name) : name === r.name)) ?? null;
}

/** The names in `names` that a trainer's env may not set, each with its rule, in the order given. */
export function loaderVariablesIn(names: Iterable<string>): Array<{ name: string; rule: LoaderVariableRule }> {
  const found: Array<{ name: string; rule: LoaderVariableRule }> = [];
  for (const name of names) {
    const rule = loaderVariableRule(name);
    if (rule) found.push({ name, rule });
  }
  return found;
}

/** `PYTHONPATH (PYTHON*: Python start-up: …)`: a refused name and why, for messages. */
export const describeLoaderVariable = (name: string, rule: LoaderVariableRule): string =>
  `${name} (${rule.prefix ? `${rule.name}*: ` : ''}${rule.why})`;
