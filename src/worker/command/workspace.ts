import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackInto } from './checkpoint-archive.js';
import { CommandNotFoundError, CommandRunnerError } from './errors.js';
import { paramEnv, renderCommand } from '../../domain/command-template.js';
import { resolveExecutable } from './executable-path.js';
import { withoutBrokerCredentials } from '../broker-credentials.js';
import type { CommandParams, CommandTrainerConfig } from './types.js';

/** What one attempt's program is started with: its argv (placeholders filled), environment, files. */
export interface Launch {
  argv: [string, ...string[]];
  env: NodeJS.ProcessEnv;
  cwd: string | undefined;
  paths: { params: string; metrics: string; checkpointDir: string; outputDir: string };
}

/**
 * Fills the placeholders, resolves the program, and lays out `workDir`: params.json, an empty metrics file path,
 * checkpoint/ (the resumed state unpacked into it) and output/. Fails before anything runs on a bad template
 * (CommandTemplateError) or a program that is not there (CommandNotFoundError).
 */
export async function prepareLaunch(
  trainer: CommandTrainerConfig,
  params: CommandParams,
  opts: { workDir: string; resumeFrom: Uint8Array | null; resumeEpoch: number },
): Promise<Launch> {
  const { argv, env: userEnv } = renderCommand(trainer, params);
  const [program, ...args] = argv as [string, ...string[]];
  const { workDir } = opts;
  const paths = {
    params: join(workDir, 'params.json'),
    metrics: join(workDir, 'metrics.jsonl'),
    checkpointDir: join(workDir, 'checkpoint'),
    outputDir: join(workDir, 'output'),
  };
  const env: NodeJS.ProcessEnv = {
    // Python buffers stdout into a pipe, which would hold epoch lines back until it exits; the user's env may say otherwise.
    PYTHONUNBUFFERED: '1',
    ...withoutBrokerCredentials(process.env),
    ...userEnv,
    ...paramEnv(params),
    SWEEP_PARAMS: paths.params,
    SWEEP_METRICS: paths.metrics,
    SWEEP_CHECKPOINT_DIR: paths.checkpointDir,
    SWEEP_OUTPUT_DIR: paths.outputDir,
    SWEEP_RESUME_EPOCH: String(opts.resumeFrom ? opts.resumeEpoch : 0),
  };
  const cwd = trainer.cwd ?? undefined;
  const resolved = locateProgram(program, trainer.cwd);
  try {
    await mkdir(paths.checkpointDir, { recursive: true });
    await mkdir(paths.outputDir, { recursive: true });
    await writeFile(paths.params, `${JSON.stringify(params, null, 2)}\n`);
    if (opts.resumeFrom) await unpackInto(opts.resumeFrom, paths.checkpointDir);
  } catch (e) {
    if (e instanceof CommandRunnerError) throw e;
    throw new CommandRunnerError(`could not prepare the work directory ${workDir}: ${(e as Error).message}`, { cause: e });
  }
  // The file found on the worker's PATH is what runs (and what --allow-command checked), whatever PATH the child gets.
  return { argv: [resolved, ...args], env, cwd, paths };
}

/**
 * The file `program` (argv[0]) runs as: a name is looked up on the worker's own PATH, never a job's; a path is
 * relative to the trainer's cwd. Throws CommandNotFoundError (setpriv would say so too, but only in its exit code
 * and a message on the program's stderr).
 */
export function locateProgram(program: string, cwd: string | null): string {
  const resolved = resolveExecutable(program, process.env.PATH ?? '', cwd ?? process.cwd());
  if (!resolved) throw new CommandNotFoundError(`trainer command ${JSON.stringify(program)} not found or not executable${program.includes('/') ? '' : " on the worker's PATH"}${cwd ? ` (cwd ${cwd})` : ''}`);
  return resolved;
}

