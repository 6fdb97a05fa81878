import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mayHaveGpu } from '../../src/training/backends/gpu-devices.js';

test('mayHaveGpu: a device root without GPU nodes rules WebGPU out; a render node or an NVIDIA device lets auto probe', { skip: process.platform !== 'linux' }, () => {
  const root = mkdtempSync(join(tmpdir(), 'sweep-dev-'));
  try {
    mkdirSync(join(root, 'dri'));
    writeFileSync(join(root, 'dri', 'card0'), ''); // a display node alone is no render device
    writeFileSync(join(root, 'nvidiactl'), '');
    assert.equal(mayHaveGpu(root).possible, false);
    assert.match(mayHaveGpu(root).reason, /no GPU device/);
    writeFileSync(join(root, 'nvidia0'), '');
    assert.deepEqual(mayHaveGpu(root), { possible: true, reason: join(root, 'nvidia0') });
    rmSync(join(root, 'nvidia0'));
    writeFileSync(join(root, 'dri', 'renderD128'), '');
    assert.deepEqual(mayHaveGpu(root), { possible: true, reason: join(root, 'dri', 'renderD128') });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
