// Benchmarks name the package of a missing peer in one line and exit 2, before measuring anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsServerProblem, pythonPeerProblem, PYTORCH } from '../../bench/peers.js';
import { NatsServerMissingError } from '../../src/transport/embedded-server.js';
import { REPO_ROOT } from '../helpers/cli.js';

const PYTHON = '/usr/bin/python3';

describe('bench peers', () => {
  let dir = '';
  /** A python3 without site-packages (`-S`): Debian's python3-torch is not importable from it. */
  let barepython = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-bench-peers-'));
    barepython = join(dir, 'python3');
    writeFileSync(barepython, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    chmodSync(barepython, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a module that is there passes; one that is not names its package', () => {
    assert.equal(pythonPeerProblem('bench:x', PYTHON, { module: 'json', name: 'JSON', apt: 'python3' }), null);
    assert.equal(
      pythonPeerProblem('bench:x', PYTHON, { module: 'sweep_no_such_module_3f9c', name: 'Nothing', apt: 'python3-nothing' }),
      'bench:x needs Nothing: apt-get install -y python3-nothing',
    );
    assert.equal(pythonPeerProblem('bench:train', barepython, PYTORCH), 'bench:train needs PyTorch: apt-get install -y python3-torch');
  });

  test('a missing python names python3 and --python', () => {
    assert.match(pythonPeerProblem('bench:train', join(dir, 'no-python'), PYTORCH) ?? '', /^bench:train needs Python 3 at .*no-python \(ENOENT\): apt-get install -y python3, or pass --python PATH$/);
  });

  test('a module that fails to import for another reason is reported as broken, with the reason', () => {
    writeFileSync(join(dir, 'brokenmod.py'), 'raise RuntimeError("libfoo.so missing")\n');
    const wrapper = join(dir, 'python-with-dir');
    writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH=${dir} exec ${PYTHON} "$@"\n`);
    chmodSync(wrapper, 0o755);
    assert.match(
      pythonPeerProblem('bench:x', wrapper, { module: 'brokenmod', name: 'Broken', apt: 'python3-broken' }) ?? '',
      /^bench:x needs a working Broken \(.* failed: RuntimeError: libfoo\.so missing\): reinstall python3-broken$/,
    );
  });

  test('only module names are run', () => {
    assert.throws(() => pythonPeerProblem('bench:x', PYTHON, { module: 'os; import sys', name: 'x', apt: 'x' }), /not a Python module name/);
  });

  test('nats-server: found passes, missing names the package and NATS_SERVER_BIN', () => {
    assert.equal(natsServerProblem('bench:dispatch', () => '/usr/sbin/nats-server'), null);
    const missing = () => {
      throw new NatsServerMissingError('nats-server not found');
    };
    assert.equal(natsServerProblem('bench:dispatch', missing), 'bench:dispatch needs nats-server: apt-get install -y nats-server (or set NATS_SERVER_BIN=/path/to/nats-server)');
  });

  test('npm run bench:train with a python that lacks torch: one line, exit 2, nothing measured or written', () => {
    const before = readdirSync(join(REPO_ROOT, 'bench', 'results')).length;
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/train.ts', '--python', barepython], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(res.status, 2, res.stderr);
    assert.equal(res.stderr.trim().split('\n').filter((l) => !/TensorFlow\.js|tfjs-node|={5,}|^\s*$/.test(l)).join('\n'), 'bench:train needs PyTorch: apt-get install -y python3-torch');
    assert.doesNotMatch(res.stderr + res.stdout, /img\/s|Traceback/);
    assert.equal(readdirSync(join(REPO_ROOT, 'bench', 'results')).length, before, 'no results file');
  });
});
