import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { checkVersion, patchStatuses, recordPatch, setPatchLog, type PatchLog } from '../../src/runtime-patches.js';
import {
  FUSED_BATCH_NORM_LAYERS_RANGE,
  FUSED_BATCH_NORM_PATCH,
  checkBatchNormPrototype,
  installFusedTrainingBatchNorm,
  uninstallFusedTrainingBatchNorm,
} from '../../src/training/backends/fused-batch-norm.js';
import { NATS_PATCHES, NATS_PATCH_RANGE, installNatsClientPatches } from '../../src/transport/nats-client-patches.js';
import { ONEDNN_ADDON_EXPORTS, checkOnednnExports } from '../../src/training/backends/onednn/addon.js';

/** Captures the registry's decision logs while `fn` runs. */
function captureLogs<T>(fn: () => T): { result: T; logs: { level: string; patch: string; msg: string }[] } {
  const logs: { level: string; patch: string; msg: string }[] = [];
  const sink: PatchLog = (level, fields, msg) => logs.push({ level, patch: fields.patch, msg });
  const previous = setPatchLog(sink);
  try {
    return { result: fn(), logs };
  } finally {
    setPatchLog(previous);
  }
}

const batchNormPrototype = () => Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: unknown };

describe('runtime patch registry', () => {
  test('version ranges: inside passes, below, at the upper bound and unreadable versions are refused with the range', () => {
    const range = { min: '4.22.0', below: '5.0.0' };
    assert.equal(checkVersion('tfjs-layers', '4.22.0', range), null);
    assert.equal(checkVersion('tfjs-layers', '4.30.1', range), null);
    assert.equal(checkVersion('tfjs-layers', '4.22.1-rc.0', range), null);
    assert.match(checkVersion('tfjs-layers', '4.21.9', range) ?? '', /^tfjs-layers 4\.21\.9 is outside the range it was written for \(>=4\.22\.0 <5\.0\.0\)$/);
    assert.match(checkVersion('tfjs-layers', '5.0.0', range) ?? '', /outside the range/);
    assert.match(checkVersion('tfjs-layers', null, range) ?? '', /cannot read the version of tfjs-layers/);
    assert.match(checkVersion('tfjs-layers', 'latest', range) ?? '', /cannot read the version/);
  });

  test('each decision is logged once, and again only when it changes; a refusal at warn, a deliberate off at info', () => {
    const { logs } = captureLogs(() => {
      recordPatch('test-a', { active: true, reason: null, version: '1.0.0' });
      recordPatch('test-a', { active: true, reason: null, version: '1.0.0' });
      recordPatch('test-b', { active: false, reason: 'internals moved', version: '2.0.0' });
      recordPatch('test-b', { active: false, reason: 'internals moved', version: '2.0.0' });
      recordPatch('test-a', { active: false, reason: 'turned off', version: '1.0.0', disabled: true });
    });
    assert.deepEqual(logs, [
      { level: 'info', patch: 'test-a', msg: 'runtime patch test-a active (1.0.0)' },
      { level: 'warn', patch: 'test-b', msg: 'runtime patch test-b not active (2.0.0): internals moved' },
      { level: 'info', patch: 'test-a', msg: 'runtime patch test-a not active (1.0.0): turned off' },
    ]);
    assert.deepEqual(patchStatuses()['test-b'], { active: false, reason: 'internals moved', version: '2.0.0' });
  });
});

describe('fused training batch norm (tfjs-layers BatchNormalization.prototype.call)', () => {
  test('the installed tfjs-layers is in the supported range', () => {
    assert.equal(checkVersion('tfjs-layers', tf.version['tfjs-layers'], FUSED_BATCH_NORM_LAYERS_RANGE), null);
  });

  test('a tfjs-layers version outside the range refuses to install, leaves the layer alone and says why', () => {
    const original = batchNormPrototype().call;
    for (const layersVersion of ['5.0.0', '4.21.0']) {
      const { result, logs } = captureLogs(() => installFusedTrainingBatchNorm({ layersVersion }));
      assert.equal(result.active, false);
      assert.match(result.reason ?? '', new RegExp(`tfjs-layers ${layersVersion.replace(/\./g, '\\.')} is outside the range it was written for \\(>=4\\.22\\.0 <5\\.0\\.0\\)`));
      assert.equal(batchNormPrototype().call, original, 'the prototype method is untouched');
      assert.equal(patchStatuses()[FUSED_BATCH_NORM_PATCH]?.active, false);
      assert.equal(logs[0]?.level, 'warn');
    }
  });

  test('install replaces the prototype method once (idempotent); uninstall restores the original', () => {
    const original = batchNormPrototype().call;
    const { result } = captureLogs(() => installFusedTrainingBatchNorm());
    assert.deepEqual(result, { active: true, reason: null, version: tf.version['tfjs-layers'] });
    const patched = batchNormPrototype().call;
    assert.notEqual(patched, original);
    captureLogs(() => installFusedTrainingBatchNorm());
    assert.equal(batchNormPrototype().call, patched, 'a second install does not wrap the patch again');
    assert.equal(patchStatuses()[FUSED_BATCH_NORM_PATCH]?.active, true);

    captureLogs(() => uninstallFusedTrainingBatchNorm());
    assert.equal(batchNormPrototype().call, original);
    assert.deepEqual(patchStatuses()[FUSED_BATCH_NORM_PATCH], { active: false, reason: 'uninstalled', version: tf.version['tfjs-layers'], disabled: true });
    captureLogs(() => uninstallFusedTrainingBatchNorm());
    assert.equal(batchNormPrototype().call, original, 'uninstall is idempotent');
  });

  test('the prototype check refuses a class that is not BatchNormalization or lacks the method', () => {
    assert.equal(checkBatchNormPrototype(batchNormPrototype()), null);
    class BatchNormalization {
      static className = 'BatchNormalization';
    }
    assert.match(checkBatchNormPrototype(BatchNormalization.prototype) ?? '', /BatchNormalization\.prototype\.call, the method it replaces, is missing/);
    assert.match(checkBatchNormPrototype(Object.getPrototypeOf(tf.layers.dense({ units: 1 }))) ?? '', /not tfjs-layers' BatchNormalization \(className Dense\)/);
  });
});

describe('nats.js client patches', () => {
  const require = createRequire(import.meta.url);
  const requestOne = () => (require('nats/lib/nats-base-client/request.js') as { RequestOne: { prototype: Record<string, unknown> } }).RequestOne.prototype;
  const nodeTransport = () => (require('nats/lib/src/node_transport.js') as { NodeTransport: { prototype: Record<string, unknown> } }).NodeTransport.prototype;

  test('a nats version outside the range leaves the client unpatched, each patch reported inactive with a warning', () => {
    const cancel = requestOne().cancel;
    const send = nodeTransport().send;
    const { result, logs } = captureLogs(() => installNatsClientPatches({ version: '3.0.0' }));
    for (const name of Object.values(NATS_PATCHES)) {
      assert.equal(result[name]?.active, false);
      assert.match(result[name]?.reason ?? '', /nats 3\.0\.0 is outside the range it was written for \(>=2\.29\.0 <2\.30\.0\)/);
      assert.equal(patchStatuses()[name]?.active, false);
    }
    assert.deepEqual(logs.map((l) => [l.level, l.patch]), Object.values(NATS_PATCHES).map((p) => ['warn', p]));
    assert.equal(requestOne().cancel, cancel);
    assert.equal(nodeTransport().send, send);
  });

  test('the installed nats applies both patches, once', () => {
    const installed = (require('nats/package.json') as { version: string }).version;
    assert.equal(checkVersion('nats', installed, NATS_PATCH_RANGE), null);
    const { result } = captureLogs(() => installNatsClientPatches());
    for (const name of Object.values(NATS_PATCHES)) assert.deepEqual(result[name], { active: true, reason: null, version: installed });
    const send = nodeTransport().send;
    captureLogs(() => installNatsClientPatches());
    assert.equal(nodeTransport().send, send, 'a second install does not wrap the patch again');
  });
});

describe('oneDNN addon export check', () => {
  const complete = () => Object.fromEntries(ONEDNN_ADDON_EXPORTS.map((name) => [name, () => undefined]));

  test('an addon exporting every function of the interface passes', () => {
    const mod = complete();
    assert.equal(checkOnednnExports(mod, '/x/sweep_onednn.node'), mod);
  });

  test('a stale addon missing an export is refused with what is missing and how to rebuild', () => {
    const stale = complete();
    delete stale['maxPoolGrad'];
    const res = checkOnednnExports({ ...stale, batchNormTrainBackward: 'not a function' }, '/x/sweep_onednn.node');
    assert.ok('error' in res);
    assert.equal(
      res.error,
      'the addon at /x/sweep_onednn.node is stale or not this project\'s: it does not export batchNormTrainBackward, maxPoolGrad; rebuild it with `npm run build:native`',
    );
    assert.ok('error' in checkOnednnExports(null, '/x/sweep_onednn.node'));
  });
});
