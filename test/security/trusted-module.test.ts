import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SweepRecord } from '../../src/domain/sweep-record.js';
import type { TrialConfig } from '../../src/domain/trial-config.js';
import { SweepError } from '../../src/domain/errors.js';
import { UntrustedModuleError, trustedModuleSha256 } from '../../src/coordinator/trusted-module.js';

const CHOSEN = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

const sweep = (moduleBundle: SweepRecord['moduleBundle']): SweepRecord => ({
  v: 1, id: 's', name: 's', specHash: 'h', specFile: 'f', objective: { metric: 'val_accuracy', goal: 'max' }, export: null, moduleBundle,
  trialCount: 1, status: 'COMPLETED', createdAt: 'c', updatedAt: 'u', trials: [{ id: 't', index: 0 }],
});

const trial = (sha256: string) => ({
  trialId: 't',
  config: { model: { family: 'module' }, module: { sha256, file: 'model.ts', params: {} } } as unknown as TrialConfig,
});

describe('a model module is loaded on the coordinator only by the hash its sweep record names', () => {
  test('the hash the launch recorded', () => {
    assert.equal(trustedModuleSha256(sweep({ file: 'model.ts', sha256: CHOSEN }), trial(CHOSEN)), CHOSEN);
  });

  test('any other hash, a sweep without a module, or a record from before moduleBundle: refused with one line', () => {
    const cases: [SweepRecord['moduleBundle'], RegExp][] = [
      [{ file: 'model.ts', sha256: CHOSEN }, /^trial t: its config names model module bbbbbbbbbbbb…, but sweep s was launched with model\.ts aaaaaaaaaaaa…: not loaded$/],
      [null, /^trial t: its config names model module bbbbbbbbbbbb…, but sweep s has none: not loaded$/],
      [undefined, /^trial t: sweep s was launched by an older version that did not record its model module's sha256, .*relaunch the same spec \(completed trials are kept\), then export again$/],
    ];
    for (const [bundle, message] of cases) {
      assert.throws(() => trustedModuleSha256(sweep(bundle), trial(OTHER)), (e: unknown) => e instanceof UntrustedModuleError && e instanceof SweepError && message.test(e.message) && !e.message.includes('\n'));
    }
  });
});
