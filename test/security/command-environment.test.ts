import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { killHard, waitFor } from '../helpers/chaos-processes.js';
import { workerSuite } from '../helpers/worker-suite.js';
import { ECHO_PY, run, tempDir } from '../fixtures/command-trainers/harness.js';
import { publishJobs } from '../../src/transport/job-queue.js';
import { parseSpec } from '../../src/spec/index.js';
import { resolveExecutable } from '../../src/worker/command/executable-path.js';
import type { CommandOutcome } from '../../src/worker/command/types.js';
import type { JobMessage } from '../../src/domain/job.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';

/**
 * What a spec's or a job's trainer `env` may not do: set the variables that choose what a program loads before its
 * own code (PATH, LD_*, BASH_FUNC_*, …; src/domain/loader-env.ts), or make the worker run another `setpriv` or
 * another file of an allowed name. Real CLI, real nats-server, real `sweep worker` processes.
 */

const SPEC_HEAD = 'name: loader-vars\ntrainer:\n  command: [python3, train.py, --lr, "{lr}"]\n  env:\n    OMP_NUM_THREADS: 1\n';
const SPEC_TAIL = 'metrics: [loss]\nobjective: {metric: loss, goal: min}\nparameters:\n  lr: {values: [0.1, 0.01]}\n';

/** A directory of programs named `names` that each leave a file `ran-<name>` in `marks` when run. */
function plantedPrograms(names: string[]): { bin: string; marks: string } {
  const bin = tempDir('sweep-planted-bin-');
  const marks = tempDir('sweep-planted-marks-');
  for (const name of names) writeFileSync(join(bin, name), `#!/bin/sh\ntouch ${join(marks, `ran-${name}`)}\nexit 0\n`, { mode: 0o755 });
  return { bin, marks };
}

describe('loader variables in a spec: a spec error at --dry-run, naming the variable at its line', () => {
  for (const [name, value] of [['LD_PRELOAD', '/tmp/evil.so'], ['BASH_FUNC_echo%%', '() { id; }'], ['PATH', '/tmp/evil']] as const) {
    test(`${name}`, async () => {
      const dir = tempDir('sweep-loader-spec-');
      const file = join(dir, 'spec.yaml');
      writeFileSync(file, `${SPEC_HEAD}    "${name}": "${value}"\n${SPEC_TAIL}`);
      const r = await runCli(['launch', file, '--dry-run'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      const at = `${file}:6:5: trainer.env may not set ${name} (`;
      assert.ok(r.stderr.includes(at), `expected "${at}" in:\n${r.stderr}`);
      assert.match(r.stderr, /hint: remove /);
    });
  }
});

describe("the runner: a program and setpriv are found on the worker's PATH, never on the job's", () => {
  test('a python3 and a setpriv planted on a PATH in the trainer env never run', async () => {
    const { bin, marks } = plantedPrograms(['python3', 'setpriv']);
    // The runner alone, below the worker's loader-variable check: even a PATH that got this far chooses nothing.
    const r = run(['python3', ECHO_PY, '--lr', '0.1'], { trainer: { env: { PATH: `${bin}:/usr/bin:/bin` } } });
    const outcome = (await r.handle.finished) as CommandOutcome;
    assert.notEqual(outcome, 'aborted');
    assert.equal(existsSync(join(outcome.outputDir, 'seen.json')), true, 'the real program ran');
    assert.equal(existsSync(join(marks, 'ran-python3')), false, 'the planted python3 did not run');
    assert.equal(existsSync(join(marks, 'ran-setpriv')), false, 'the planted setpriv did not run');
    const started = r.logs.find((l) => l.msg === 'trainer command started');
    assert.deepEqual((started?.fields?.argv as string[] | undefined)?.[0], resolveExecutable('python3', process.env.PATH ?? '', '/'), "the worker's python3 ran, by its path");
  });
});

describe('forged jobs on a real worker (--allow-command python3): refused before anything runs, FAILED at once', () => {
  const suite = workerSuite({ ackWaitMs: 3_000 });
  const dir = tempDir('sweep-forged-env-');

  /** A job of a valid one-trial command spec, then `forge` applied to its trainer. */
  function forgedJob(sweepId: string, forge: (trainer: { command: string[]; env: Record<string, string> }) => void): JobMessage {
    const file = join(dir, `${sweepId}.yaml`);
    writeFileSync(file, `name: ${sweepId}\ntrainer:\n  command: [python3, ${ECHO_PY}, --lr, "0.1"]\nmetrics: [val_accuracy]\nobjective: {metric: val_accuracy}\n`);
    const trial = parseSpec(readFileSync(file, 'utf8'), file).trials[0]!;
    const config = structuredClone(trial.config);
    forge(config.command!.trainer);
    return { v: 1, sweepId, trialId: trial.id, index: 0, maxDeliver: 3, config };
  }

  const failedRecord = (job: JobMessage, output: () => string) =>
    waitFor(`trial ${job.trialId} to settle`, async () => {
      const r = await suite.record(job.sweepId, job.trialId);
      return r && (r.status === 'COMPLETED' || r.status === 'FAILED') ? r : null;
    }, 120_000, output);

  test('LD_PRELOAD, BASH_FUNC_* and PATH in the env; another file named python3; none runs', async () => {
    const { bin, marks } = plantedPrograms(['python3', 'setpriv']);
    const w = suite.worker(['--allow-command', 'python3']);
    const jobs = [
      forgedJob('forged-ld', (t) => (t.env.LD_PRELOAD = join(bin, 'evil.so'))),
      forgedJob('forged-bashfunc', (t) => (t.env['BASH_FUNC_echo%%'] = `() { touch ${join(marks, 'ran-bashfunc')}; }`)),
      forgedJob('forged-path', (t) => (t.env.PATH = bin)),
      forgedJob('forged-program', (t) => (t.command[0] = join(bin, 'python3'))),
    ];
    await publishJobs(suite.nc, 'default', jobs);
    const records: TrialRecord[] = [];
    for (const job of jobs) records.push(await failedRecord(job, () => w.output()));
    const [ld, bashFunc, path, program] = records as [TrialRecord, TrialRecord, TrialRecord, TrialRecord];
    for (const [r, name] of [[ld, 'LD_PRELOAD'], [bashFunc, 'BASH_FUNC_echo%%'], [path, 'PATH']] as const) {
      assert.equal(r.status, 'FAILED');
      assert.match(r.error ?? '', new RegExp(`^LoaderVariableRefusedError: the job's trainer env sets ${name.replace(/[%*]/g, '\\$&')} \\(`));
      assert.deepEqual(r.history.map((h) => h.outcome), ['failed'], 'not retried');
    }
    assert.equal(program.status, 'FAILED');
    assert.match(program.error ?? '', new RegExp(`^CommandNotAllowedError: ${join(bin, 'python3').replace(/[/.]/g, '\\$&')} is not among the programs this worker runs`));
    assert.deepEqual(program.history.map((h) => h.outcome), ['failed']);
    for (const mark of ['ran-python3', 'ran-setpriv', 'ran-bashfunc']) assert.equal(existsSync(join(marks, mark)), false, `${mark}: nothing planted ran`);
    await killHard(w);
  });
});
