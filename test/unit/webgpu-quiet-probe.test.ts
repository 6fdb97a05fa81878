import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WebGpuAdapterProbe } from '../../src/training/backends/webgpu.js';

const BACKENDS = join(import.meta.dirname, '..', '..', 'src', 'training', 'backends');

/** Runs `call` (an expression over the imported module `m`) in a fresh process; returns its result and stderr. */
function probeIn(file: string, call: string): { probe: WebGpuAdapterProbe; stderr: string } {
  const url = pathToFileURL(join(BACKENDS, file)).href;
  const code = `const m = await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(await ${call}) + '\\n'); process.exit(0);`;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  return { probe: JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '') as WebGpuAdapterProbe, stderr: res.stderr };
}

test("probeWebGpuQuietly finds what probeWebGpu finds, and Dawn's native warnings stay in its probe process", () => {
  const direct = probeIn('webgpu.ts', 'm.probeWebGpu(true)');
  const quiet = probeIn('quiet-probe.ts', 'm.probeWebGpuQuietly(true)');
  assert.equal(quiet.probe.ok, direct.probe.ok, `direct: ${direct.probe.reason}; quiet: ${quiet.probe.reason}`);
  assert.equal(quiet.probe.description, direct.probe.description);
  assert.deepEqual(quiet.probe.dawnOptions, direct.probe.dawnOptions);
  assert.equal(quiet.stderr, '', 'nothing reached the caller’s stderr');
  // Where Dawn loads, probing in-process writes its warnings to stderr: the quiet probe is what keeps them off.
  if (direct.probe.ok) assert.match(direct.stderr, /Warning: /);
});
