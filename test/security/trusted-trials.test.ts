import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { loadSpecFile, trialId } from '../../src/spec/index.js';
import type { ExpandedSweep } from '../../src/spec/types.js';
import type { SweepRecord } from '../../src/domain/sweep-record.js';
import { trialConfigSchema, type TrialConfig } from '../../src/domain/trial-config.js';
import { TrustedTrials, distrustMessage } from '../../src/coordinator/trusted-trials.js';
import { reexpandSweepTrials } from '../../src/coordinator/trusted-spec-trials.js';
import { aTrialRecord } from '../helpers/trial-record-builder.js';
import { REPO_ROOT } from '../helpers/cli.js';

const SPECS = {
  random: join(REPO_ROOT, 'sweeps', 'fashion-mnist.yaml'),
  command: join(REPO_ROOT, 'examples', 'pytorch', 'sweep.yaml'),
  module: join(REPO_ROOT, 'examples', 'tfjs-module', 'sweep.yaml'),
};

/** The sweep record `launch` writes for `sweep` (src/coordinator/launch.ts), its trials listed unless `listed` is false. */
function recordOf(sweep: ExpandedSweep, specFile: string, listed = true, over: Partial<SweepRecord> = {}): SweepRecord {
  return {
    v: 1, id: sweep.id, name: sweep.name, specHash: sweep.specHash, specFile, spec: sweep.spec, objective: sweep.objective, export: sweep.export,
    scheduler: sweep.scheduler, profileNote: sweep.profileNote ?? null, moduleBundle: sweep.module ? { file: sweep.module.file, sha256: sweep.module.sha256 } : null,
    trialCount: sweep.trials.length, status: 'RUNNING', createdAt: 'c', updatedAt: 'u',
    trials: listed ? sweep.trials.map((t) => ({ id: t.id, index: t.index })) : null,
    // A KV round trip: the spec is stored as JSON.
    ...JSON.parse(JSON.stringify(over)) as Partial<SweepRecord>,
  };
}

/** What the coordinator reads back of a config a worker stored: JSON, parsed by the record schema. */
const readBack = (config: TrialConfig): TrialConfig => trialConfigSchema.parse(JSON.parse(JSON.stringify(config)));

const foreignCommand = (config: TrialConfig): TrialConfig => ({
  ...config,
  model: { ...config.model, family: 'command' },
  dataset: null,
  command: { trainer: { command: ['/bin/sh', '-c', 'touch /tmp/owned'], env: {}, cwd: null, timeout_s: null }, params: {}, metrics: ['loss'] },
});

describe('a trial record becomes a job only with the config of one of its sweep\'s trials', () => {
  const sweep = loadSpecFile(SPECS.random);
  const trust = TrustedTrials.of(sweep.id, recordOf(sweep, SPECS.random));
  const t = sweep.trials[1]!;

  test('the config a worker read back from its job hashes to its trial ID, for built-in, command and module trials alike', () => {
    for (const file of Object.values(SPECS)) {
      for (const trial of loadSpecFile(file).trials) assert.equal(trialId(readBack(trial.config)), trial.id, `${file} trial #${trial.index}`);
    }
  });

  test("a genuine record is trusted, and its job's index is the sweep record's, not the worker's", () => {
    const res = trust.check(aTrialRecord({ sweepId: sweep.id, trialId: t.id, index: 999, config: readBack(t.config) }));
    assert.deepEqual(res, { trusted: true, trial: { trialId: t.id, index: t.index, config: t.config } });
  });

  test('a foreign config under a trial ID, a self-consistent trial the sweep does not list, another sweep: tampered', () => {
    const forged = foreignCommand(t.config);
    const cases = [
      { record: aTrialRecord({ sweepId: sweep.id, trialId: t.id, config: forged }), reason: `its config hashes to trial ID ${trialId(forged)}, not to ${t.id}` },
      { record: aTrialRecord({ sweepId: sweep.id, trialId: trialId(forged), config: forged }), reason: `it is not one of the trials of sweep ${sweep.id}` },
      { record: aTrialRecord({ sweepId: 'other', trialId: t.id, config: t.config }), reason: 'it names sweep other' },
    ];
    for (const c of cases) assert.deepEqual(trust.check(c.record), { trusted: false, kind: 'tampered', reason: c.reason });
  });

  test('the warning is one line naming the trial and the sweep', () => {
    const res = trust.check(aTrialRecord({ sweepId: sweep.id, trialId: t.id, config: foreignCommand(t.config) }));
    assert.equal(res.trusted, false);
    if (res.trusted) return;
    const line = distrustMessage(t.id, sweep.id, res);
    assert.match(line, new RegExp(`^trial ${t.id} of sweep ${sweep.id}: its record is tampered \\(.+\\): no job is published for it$`));
    assert.doesNotMatch(line, /\n/);
  });

  test('no sweep record: nothing is trusted', () => {
    assert.deepEqual(TrustedTrials.of(sweep.id, null).check(aTrialRecord({ sweepId: sweep.id, trialId: t.id, config: t.config })), {
      trusted: false, kind: 'unverifiable', reason: `sweep ${sweep.id} has no sweep record`,
    });
  });
});

describe('over 10,000 trials (the record lists none): the stored spec is re-expanded only where that is exact', () => {
  const indexOf = (s: ExpandedSweep) => new Map(s.trials.map((t) => [t.id, t.index]));

  test('a plain spec, a module spec (by the recorded bundle hash) and a command spec launched by an absolute path re-expand to exactly their trials', () => {
    for (const file of Object.values(SPECS)) {
      const sweep = loadSpecFile(file);
      assert.deepEqual(reexpandSweepTrials(recordOf(sweep, file, false)), { trials: indexOf(sweep) }, file);
    }
  });

  test('an unlisted trial is trusted through the re-expansion; a forged one is tampered', () => {
    const sweep = loadSpecFile(SPECS.random);
    const trust = TrustedTrials.of(sweep.id, recordOf(sweep, SPECS.random, false));
    const t = sweep.trials.at(-1)!;
    assert.deepEqual(trust.check(aTrialRecord({ sweepId: sweep.id, trialId: t.id, config: readBack(t.config) })), { trusted: true, trial: { trialId: t.id, index: t.index, config: t.config } });
    const forged = foreignCommand(t.config);
    assert.deepEqual(trust.check(aTrialRecord({ sweepId: sweep.id, trialId: trialId(forged), config: forged })), { trusted: false, kind: 'tampered', reason: `it is not one of the trials of sweep ${sweep.id}` });
  });

  test('refused, with the reason, wherever the record does not hold everything the expansion read', () => {
    const plain = loadSpecFile(SPECS.random);
    const quick = loadSpecFile(SPECS.random, { quick: true });
    const epochs = loadSpecFile(SPECS.random, { overrides: { epochs: 3 } });
    const moduleSweep = loadSpecFile(SPECS.module);
    const command = loadSpecFile(SPECS.command);
    const cases: [string, SweepRecord, RegExp][] = [
      ['quick profile', recordOf(quick, SPECS.random, false), /launched with quick profile, which the record keeps only as a note/],
      ['--epochs', recordOf(epochs, SPECS.random, false), /launched with --epochs 3/],
      ['a record before profileNote', { ...recordOf(plain, SPECS.random, false), profileNote: undefined }, /predates profileNote/],
      ['no spec', { ...recordOf(plain, SPECS.random, false), spec: undefined }, /holds no spec/],
      ['a spec that is not the hashed one', recordOf(plain, SPECS.random, false, { spec: { ...(plain.spec as object), samples: 3 } }), /does not hash to the recorded spec hash/],
      ['another trial count', recordOf(plain, SPECS.random, false, { trialCount: plain.trials.length + 1 }), new RegExp(`expands to ${plain.trials.length} trials, the record counts ${plain.trials.length + 1}`)],
      ['a module spec without its hash', recordOf(moduleSweep, SPECS.module, false, { moduleBundle: null }), /no model module's sha256/],
      ['a command spec by a relative path', recordOf(command, relative(process.cwd(), SPECS.command), false), /working directory was resolved from the relative spec path/],
    ];
    for (const [what, record, reason] of cases) {
      const res = reexpandSweepTrials(record);
      assert.ok('refused' in res, `${what}: refused`);
      assert.match(res.refused, /^its record lists no trials \(over 10,000\) and its spec cannot be re-expanded exactly: /, what);
      assert.match(res.refused, reason, what);
      const t = (what === 'a module spec without its hash' ? moduleSweep : what === 'a command spec by a relative path' ? command : plain).trials[0]!;
      const check = TrustedTrials.of(record.id, record).check(aTrialRecord({ sweepId: record.id, trialId: t.id, config: t.config }));
      assert.deepEqual(check, { trusted: false, kind: 'unverifiable', reason: res.refused }, `${what}: not trusted`);
    }
  });
});
