import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { isProgramCheck } from '../../src/domain/onnx.js';
import { parseSpec } from '../../src/spec/index.js';

/**
 * Module trainers through the real CLI: examples/tfjs-module trains on worker processes that fetch its bundle from
 * the object store, and is exported to ONNX; broken modules are spec errors at --dry-run time.
 */

const EXAMPLE = join(REPO_ROOT, 'examples', 'tfjs-module', 'sweep.yaml');
const MODULES = join(REPO_ROOT, 'test', 'fixtures', 'model-modules');
const EXAMPLE_MODULE = join(REPO_ROOT, 'examples', 'tfjs-module', 'model.ts');

/** A module spec in a temp dir, pointing at `module` (absolute), with `parameters` as YAML lines. */
function moduleSpec(module: string, parameters = '  width: 8\n  blocks: 1\n  kernel_size: 3\n  dropout: 0'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-module-spec-'));
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, `name: mod\nmodel: { module: ${module} }\ndataset: { name: fashion-mnist }\nparameters:\n${parameters}\n`);
  return file;
}

describe('module trainers', () => {
  test('broken modules are spec errors at --dry-run, at model.module or at the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      [moduleSpec(join(MODULES, 'no-build.ts')), /sweep\.yaml:2:18: no-build\.ts: the model module exports no build function \(it exports make\)/],
      [moduleSpec(join(MODULES, 'throws.ts')), /sweep\.yaml:2:18: build\(\) of throws\.ts threw: width must be even/],
      [moduleSpec(join(MODULES, 'wrong-output.ts')), /sweep\.yaml:2:18: build\(\) of wrong-output\.ts returned a model whose output is \[null,3\]; the engine needs one softmax output of 10 classes/],
      [moduleSpec(join(MODULES, 'syntax-error.mjs')), /sweep\.yaml:2:18: cannot bundle .*syntax-error\.mjs: .*syntax-error\.mjs:2:1: /],
      [moduleSpec(join(MODULES, 'missing.ts')), /sweep\.yaml:2:18: cannot bundle .*missing\.ts/],
      [moduleSpec(EXAMPLE_MODULE, '  width: 2\n  blocks: 1\n  kernel_size: 3\n  dropout: 0'), /sweep\.yaml:5:10: width of trial #0: Too small: expected number to be >=4 \(the params schema of model\.ts\)/],
      [moduleSpec(EXAMPLE_MODULE, '  width: 8\n  blocks: 1\n  kernel_size: 3\n  dropout: 0\n  learning_rate: -1'), /sweep\.yaml:9:18: learning_rate -1 is not a value the engine accepts/],
    ];
    for (const [spec, expected] of cases) {
      const res = await runCli(['launch', spec, '--dry-run']);
      assert.equal(res.code, 2, `${spec}: ${res.stderr}`);
      assert.match(res.stderr, expected);
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test("the bundle's sha256 is part of the trial ID: a changed module gives new trials, the same one the same", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-module-id-'));
    const source = readFileSync(EXAMPLE_MODULE, 'utf8');
    writeFileSync(join(dir, 'blocks.ts'), readFileSync(join(REPO_ROOT, 'examples', 'tfjs-module', 'blocks.ts'), 'utf8'));
    writeFileSync(join(dir, 'model.ts'), source);
    const spec = `name: mod\nmodel: { module: ./model.ts }\ndataset: { name: fashion-mnist }\nparameters:\n  width: 8\n  blocks: 1\n  kernel_size: 3\n  dropout: 0\n`;
    const first = parseSpec(spec, join(dir, 'sweep.yaml'));
    assert.equal(parseSpec(spec, join(dir, 'sweep.yaml')).trials[0]!.id, first.trials[0]!.id, 'stable');
    assert.equal(first.trials[0]!.config.module?.sha256, first.module?.sha256);
    assert.doesNotMatch(first.module!.code, new RegExp(dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')), 'no absolute path in the bundle');
    writeFileSync(join(dir, 'blocks.ts'), readFileSync(join(dir, 'blocks.ts'), 'utf8').replace("padding: 'same'", "padding: 'valid'"));
    const changed = parseSpec(spec, join(dir, 'sweep.yaml'));
    assert.notEqual(changed.module?.sha256, first.module?.sha256, 'a change in a relative import changes the bundle');
    assert.notEqual(changed.trials[0]!.id, first.trials[0]!.id);
  });

  describe('examples/tfjs-module on worker processes (real nats-server)', () => {
    const broker = brokerSuite();
    let workDir = '';
    before(() => {
      workDir = broker.tempDir('sweep-module-');
    });

    test('--quick trains every trial from the stored bundle and exports the best one to ONNX', async () => {
      const res = await runCli(['launch', EXAMPLE, '--quick', '--nats', broker.url, '--workers', '2', '--allow-module', '--state-dir', join(workDir, '.sweep')], { cwd: workDir, timeoutMs: 600_000 });
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /\(onnx ok\)/);
      const records = await (await TrialStore.open(await broker.connect())).snapshot('tfjs-module-cnn-quick');
      assert.equal(records.size, 4);
      for (const r of records.values()) {
        assert.equal(r.status, 'COMPLETED', `${r.trialId}: ${r.error}`);
        assert.equal(r.config?.model.family, 'module');
        assert.deepEqual(r.epochs.map((e) => e.epoch), [1, 2]);
        assert.ok(r.epochs[1]!.val_accuracy! >= 0.6, `${JSON.stringify(r.params)}: ${r.epochs[1]!.val_accuracy}`);
      }
      const exported = [...records.values()].filter((r) => r.onnx);
      assert.equal(exported.length, 1);
      assert.ok(exported[0]!.onnx && !isProgramCheck(exported[0]!.onnx) && exported[0]!.onnx.ok && exported[0]!.onnx.top1Agreement === 1);
    });
  });
});
