import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { CommandTrial } from '../../domain/trial-config.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { TrialResultRecord } from '../../domain/trial-record.js';
import { renderCommand } from '../../domain/command-template.js';
import { assertCommandAllowed, assertNoLoaderVariables, type CommandPolicy } from '../command/allow-policy.js';
import { locateProgram } from '../command/workspace.js';
import { runCommand } from '../command/run-command.js';
import type { CommandOutcome } from '../command/types.js';
import type { AttemptRun, RecordedEpoch, SettledRun } from './run-types.js';

export interface CommandTrialOptions {
  resumeFrom: Uint8Array | null;
  resumeEpoch: number;
  checkpointEvery: number;
  policy: CommandPolicy;
  /** The epochs of the whole trial so far (restored ones, then this attempt's): the settled run's epochs. */
  epochs: () => EpochMetrics[];
  log: Logger;
}

/**
 * One attempt of a command trial, in the shape of a trainer's run: the program runs in a fresh directory under
 * the system temp dir (removed when the run settles), its epochs go to `onEpoch`, and its outcome becomes a
 * result record without tfjs weights; a model.onnx the program wrote comes back as `programModel`. Throws before
 * anything runs: LoaderVariableRefusedError when the job's env sets a loader variable, CommandNotFoundError when
 * the program is not on the worker's PATH, CommandNotAllowedError when the worker's policy does not allow that file.
 */
export function startCommandTrial(command: CommandTrial, opts: CommandTrialOptions, onEpoch: (r: RecordedEpoch) => Promise<boolean>): AttemptRun {
  assertNoLoaderVariables(command.trainer.env);
  const { argv } = renderCommand(command.trainer, command.params);
  const program = argv[0] ?? '';
  assertCommandAllowed(program, locateProgram(program, command.trainer.cwd), opts.policy);
  let aborted = false;
  let stop: (() => void) | null = null;
  const finished = (async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'sweep-trial-'));
    try {
      if (aborted) return 'aborted' as const;
      const handle = runCommand(
        command.trainer,
        command.params,
        {
          resumeFrom: opts.resumeFrom,
          resumeEpoch: opts.resumeEpoch,
          checkpointEvery: opts.checkpointEvery,
          requiredMetrics: command.metrics,
          workDir,
          log: (level, msg, fields) => opts.log[level]({ ...fields }, msg),
        },
        onEpoch,
      );
      stop = () => handle.abort();
      const outcome = await handle.finished;
      if (outcome === 'aborted') return outcome;
      // Read before the directory goes: the worker stores it as the trial's model (exported and checked later).
      const programModel = outcome.modelPath ? new Uint8Array(await readFile(outcome.modelPath)) : null;
      return settled(outcome, opts.epochs(), programModel);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  })();
  return {
    finished,
    abort: () => {
      aborted = true;
      stop?.();
    },
  };
}

function settled(outcome: CommandOutcome, epochs: EpochMetrics[], programModel: Uint8Array | null): SettledRun {
  const result: TrialResultRecord = {
    stopReason: outcome.stopReason,
    bestEpoch: epochs.at(-1)?.epoch ?? 0,
    // No tfjs weights: a program's model, when it wrote one, is its model.onnx (programModel).
    weightsSha256: '',
    backend: 'command',
    classNames: [],
    confusionMatrix: [],
    perClassAccuracy: [],
    samples: [],
  };
  return { stopReason: outcome.stopReason, epochs, result, weights: null, ...(programModel ? { programModel } : {}) };
}
