// The CLI around bad input: `sweep --help` documents the exit codes and loads none of the heavy modules of
// predict, export and report; an alias bomb and a 600-million-trial grid are spec errors (exit 2, file:line:col,
// a hint, no stack) refused at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const BAD_SPECS = join(REPO_ROOT, 'test', 'fixtures', 'bad-specs');
const HEAVY = /\/node_modules\/(onnxruntime-node|onnxruntime-common|@tensorflow\/[^/]+|pngjs|jpeg-js|onnx-proto)\//;

describe('sweep CLI: help and bad specs', () => {
  let dir = '';
  let loaded = '';
  /** Runs the CLI with a module-resolution hook that records every module URL it loads. */
  const traced = async (args: string[]) => {
    writeFileSync(loaded, '');
    const res = await runCli(args, { env: { NODE_OPTIONS: `--import ${join(dir, 'register.mjs')}` }, timeoutMs: 60_000 });
    return { ...res, modules: readFileSync(loaded, 'utf8').split('\n').filter(Boolean) };
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sweep-bad-cli-'));
    loaded = join(dir, 'loaded.txt');
    writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    writeFileSync(
      join(dir, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\n" +
        'export async function resolve(specifier, context, next) {\n' +
        '  const result = await next(specifier, context);\n' +
        `  appendFileSync(${JSON.stringify(loaded)}, result.url + '\\n');\n` +
        '  return result;\n}\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists the exit codes and loads no tfjs, onnxruntime or image decoder', async () => {
    const res = await traced(['--help']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Exit codes: 0 ok, 1 runtime or trial failure, 2 bad input/);
    assert.ok(res.modules.some((m) => m.endsWith('/src/cli/predict.ts')), 'the hook saw the command modules load');
    assert.deepEqual(res.modules.filter((m) => HEAVY.test(m)), []);
  });

  test('predict of a bad model stops before onnxruntime is loaded (the hook does see the decoders it needs)', async () => {
    const res = await traced(['predict', '/etc/passwd', join(dir, 'x.png')]);
    assert.equal(res.code, 2, res.stderr);
    assert.ok(res.modules.some((m) => m.includes('/node_modules/onnx-proto/')), 'onnx-proto was loaded to read the model');
    assert.deepEqual(res.modules.filter((m) => /\/node_modules\/onnxruntime-/.test(m)), []);
  });

  test('an alias bomb is a spec error: exit 2, position, hint, no stack', async () => {
    const res = await runCli(['launch', join(BAD_SPECS, '65-yaml-alias-bomb.yaml'), '--dry-run'], { timeoutMs: 60_000 });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /^\S*65-yaml-alias-bomb\.yaml:10:8: the YAML alias \*e makes the spec expand past 100,000 values/);
    assert.match(res.stderr, /\n {2}hint: each \*alias copies/);
    assert.ok(!res.stderr.includes('    at '), res.stderr);
  });

  test('a 600-million-trial grid is refused at once with the count and how to raise the limit', async () => {
    const started = Date.now();
    const res = await runCli(['launch', join(BAD_SPECS, '66-grid-600-million-trials.yaml'), '--dry-run'], { timeoutMs: 60_000 });
    const ms = Date.now() - started;
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /66-grid-600-million-trials\.yaml:5:1: the spec expands to 600,000,000 trials/);
    assert.match(res.stderr, /hint: .*execution: \{ max_trials: 600000000 \}/);
    assert.ok(!res.stderr.includes('    at '), res.stderr);
    // The whole process (node, tsx, the CLI) in a few seconds; the refusal itself is timed in spec-limits-trial-count.
    assert.ok(ms < 15_000, `took ${ms} ms`);
  });
});
