/**
 * # Command trainers: the contract between the worker and a user's training program
 *
 * A command trainer runs a program of the user's own (PyTorch, JAX, anything) for one attempt at a trial.
 *
 * **Parameters**, in three forms:
 * - `{name}` in the command's arguments and in `env` values is replaced by the parameter's value (`String()` of
 *   it: `0.001`, `true`). `{{` and `}}` are literal braces. A placeholder that names no parameter, or a `{` that
 *   opens none, fails the attempt before anything runs (CommandTemplateError, `badInput`).
 * - `SWEEP_PARAM_<NAME>` environment variables: the name upper-cased, every other character than A–Z and 0–9
 *   turned into `_` (`learning-rate` → `SWEEP_PARAM_LEARNING_RATE`).
 * - `$SWEEP_PARAMS`: a JSON file of all parameters, with their types.
 * The program also inherits the worker's environment (and `PYTHONUNBUFFERED=1`, unless either sets it).
 *
 * **Metrics.** After each epoch the program prints one line, a JSON object with an integer `epoch` (1-based) and
 * numeric metrics under any names, `{"epoch": 3, "val_accuracy": 0.81}`, to stdout or appended to the file at
 * `$SWEEP_METRICS` (read every 150 ms and once more at exit; use one of the two). Other stdout lines are log
 * output. A line that starts with `{` but is no valid epoch line (not JSON, `NaN`, no integer epoch ≥ 1, a
 * non-numeric value, an epoch not above the last one) is skipped with a warning and the run goes on.
 *
 * **Checkpoints.** The program keeps its state in `$SWEEP_CHECKPOINT_DIR` and finishes writing an epoch's state
 * before it prints that epoch's line. After each line of a checkpoint epoch (`isCheckpointEpoch`), the runner packs
 * the directory (a deterministic tar, checkpoint-archive.ts) as soon as it reads the line and hands it with its
 * sha256 to `onEpoch`; an empty directory is no checkpoint. The program is not paused meanwhile: it must leave
 * the directory alone while tar reads it (from when it prints the line, for as long as a pack of that size takes),
 * which holds when its next epoch takes longer than that. A resumed attempt finds the packed state unpacked in
 * the directory and `$SWEEP_RESUME_EPOCH` set to its epoch (0 on a fresh start); it goes on from the next epoch
 * (lines of earlier epochs are skipped). The program may leave files for the worker in `$SWEEP_OUTPUT_DIR`
 * (`model.onnx` is reported as the outcome's `modelPath`).
 *
 * **Stopping.** The program leads a process group of its own, started through `setpriv --pdeathsig KILL`: if the
 * worker dies, even by SIGKILL, the kernel kills the program. `abort()` (drain, lost lease), `true` from `onEpoch`
 * (cancel, early termination) and `timeout_s` send SIGTERM to the group and SIGKILL after `stopGraceMs`
 * (default 10 s); once a stop is under way, later epoch lines are not reported. Processes the program leaves in
 * its group when it exits are killed.
 *
 * **Outcome.** `abort()` settles 'aborted'; a stop by `onEpoch` settles a CommandOutcome with stopReason
 * 'stopped'; exit code 0 settles one with 'completed'. Failures reject with:
 * - CommandTemplateError (not retryable, badInput): a bad placeholder;
 * - CommandNotFoundError (not retryable): the program is not there or cannot be executed;
 * - CommandExitError (retryable): exit code ≠ 0 or a signal, with the last 20 lines of stderr;
 * - CommandOutputError (not retryable): exit 0 with no epoch line (unless resumed), or without a declared
 *   metric in any line; with the last stdout lines or the metric names seen;
 * - CommandTimeoutError (not retryable: the user's limit on a trial, and a hung program would hang again);
 * - CommandRunnerError (retryable): the runner could not prepare the directory or pack a checkpoint;
 * - whatever `onEpoch` threw (the program is stopped first).
 *
 * **Logs.** stdout lines that are not epoch lines and all stderr lines go to `log` at info (stderr is where most
 * programs log, tracebacks included); the last 50 of each are kept for error messages.
 */
import { CommandRun } from './command-run.js';
import type { CommandEpochReport, CommandParams, CommandRunHandle, CommandRunOptions, CommandTrainerConfig } from './types.js';

/**
 * Runs one attempt of a command trainer. `onEpoch` is awaited for each epoch line, in order, and returns true to
 * stop the program; if it throws, the program is stopped and `finished` rejects with that error.
 */
export function runCommand(
  trainer: CommandTrainerConfig,
  params: CommandParams,
  opts: CommandRunOptions,
  onEpoch: (r: CommandEpochReport) => Promise<boolean>,
): CommandRunHandle {
  const run = new CommandRun(trainer, params, opts, onEpoch);
  return {
    finished: run.finished,
    abort: () => run.abort(),
    get pid() {
      return run.pid;
    },
  };
}
