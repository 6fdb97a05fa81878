import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

// The worker images (deploy/docker/Dockerfile.cpu and .gpu) copy dist/ and bin/ but not src/: bin/sweep.js must
// run the compiled CLI there, not look for sources that are not in the image.
test('an install with dist/ and without src/ runs the compiled CLI', () => {
  assert.ok(existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built (scripts/setup.sh runs npm run build)');
  const root = mkdtempSync(join(tmpdir(), 'sweep-image-'));
  cpSync(join(REPO_ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  const env = { ...process.env };
  delete env.SWEEP_FROM_SOURCE;
  const res = spawnSync(process.execPath, [join(root, 'bin', 'sweep.js'), 'worker', '--help'], { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /--concurrency/);
});
