import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../log.js';
import type { CommandTrial } from '../../domain/trial-config.js';
import type { EpochMetrics } from '../../domain/metrics.js';
import type { TrialResultRecord } from '../../domain/trial-record.js';
import { renderCommand } from '../../domain/command-template.js';
import { assertCommandAllowed, type CommandPolicy } from '../command/allow-policy.js';
import { runCommand } from '../command/run-command.js';
import type { CommandOutcome } from '../command/types.js';
import type { AttemptRun, RecordedEpoch } from './run-types.js';

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
 * result record without weights (sweep stores and exports only the models it trains itself). Throws
 * CommandNotAllowedError before anything runs when the worker's policy does not allow the program.
 */
export function startCommandTrial(command: CommandTrial, opts: CommandTrialOptions, onEpoch: (r: RecordedEpoch) => Promise<boolean>): AttemptRun {
  const { argv } = renderCommand(command.trainer, command.params);
  assertCommandAllowed(argv[0] ?? '', opts.policy);
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
      return outcome === 'aborted' ? outcome : settled(outcome, opts.epochs());
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

function settled(outcome: CommandOutcome, epochs: EpochMetrics[]): { stopReason: string; epochs: EpochMetrics[]; result: TrialResultRecord; weights: null } {
  const result: TrialResultRecord = {
    stopReason: outcome.stopReason,
    bestEpoch: epochs.at(-1)?.epoch ?? 0,
    // No weights: the program keeps its own model (sweep does not store or export it).
    weightsSha256: '',
    backend: 'command',
    classNames: [],
    confusionMatrix: [],
    perClassAccuracy: [],
    samples: [],
  };
  return { stopReason: outcome.stopReason, epochs, result, weights: null };
}
