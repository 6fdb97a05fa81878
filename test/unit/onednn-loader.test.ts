import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOnednn, ONEDNN_ADDON_PATH } from '../../src/training/backends/onednn/addon.js';
import { onednnSettings } from '../../src/training/backends/onednn/settings.js';

describe('oneDNN addon loader', () => {
  test('a missing addon is reported as not built, with the command that builds it', () => {
    const load = loadOnednn(1, 'any-weights', '/nonexistent/sweep_onednn.node');
    assert.equal(load.ok, false);
    assert.match(!load.ok ? load.reason : '', /the addon is not built \(\/nonexistent\/sweep_onednn\.node is missing\): run `npm run build:native`/);
  });

  test('a file that is not a loadable addon is reported with the loader error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-onednn-'));
    try {
      const path = join(dir, 'broken.node');
      writeFileSync(path, 'not an ELF file');
      const load = loadOnednn(1, 'any-weights', path);
      assert.equal(load.ok, false);
      assert.match(!load.ok ? load.reason : '', /^the addon failed to load: .*broken\.node/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the default path is the node-gyp build output under native/onednn', () => {
    assert.match(ONEDNN_ADDON_PATH, /native\/onednn\/build\/Release\/sweep_onednn\.node$/);
  });
});

describe('oneDNN settings from the environment', () => {
  test('defaults: on, 1 thread, oneDNN-chosen filter layout', () => {
    assert.deepEqual(onednnSettings({}), { enabled: true, threads: 1, layout: 'any-weights' });
  });

  test('SWEEP_ONEDNN=0 turns the kernels off; other values leave them on', () => {
    assert.equal((onednnSettings({ SWEEP_ONEDNN: '0' }) as { enabled: boolean }).enabled, false);
    assert.equal((onednnSettings({ SWEEP_ONEDNN: '1' }) as { enabled: boolean }).enabled, true);
  });

  test('SWEEP_ONEDNN_THREADS and SWEEP_ONEDNN_LAYOUT are read and checked', () => {
    assert.deepEqual(onednnSettings({ SWEEP_ONEDNN_THREADS: '4', SWEEP_ONEDNN_LAYOUT: 'user' }), { enabled: true, threads: 4, layout: 'user' });
    assert.deepEqual(onednnSettings({ SWEEP_ONEDNN_THREADS: 'two' }), { error: "SWEEP_ONEDNN_THREADS='two' is not a whole number from 1 to 1024" });
    assert.deepEqual(onednnSettings({ SWEEP_ONEDNN_THREADS: '0' }), { error: "SWEEP_ONEDNN_THREADS='0' is not a whole number from 1 to 1024" });
    assert.deepEqual(onednnSettings({ SWEEP_ONEDNN_LAYOUT: 'blocked' }), { error: "SWEEP_ONEDNN_LAYOUT='blocked' is not one of user, any-weights, any" });
  });
});
