import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

const DEPCRUISE = 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs';

function depcruise(root: string, outputType: 'json' | 'err') {
  const res = spawnSync(process.execPath, [DEPCRUISE, root, '--config', '.dependency-cruiser.cjs', '--output-type', outputType], { encoding: 'utf8' });
  assert.equal(res.error, undefined);
  return res;
}

/** The violations of `root` under the project's layering rules, as `npm run lint` checks src/. */
function violations(root: string): Violation[] {
  return (JSON.parse(depcruise(root, 'json').stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const FIXTURE = 'test/fixtures/layering/src';
const short = (p: string) => p.replace(`${FIXTURE}/`, '');

test('each wrong arrow of the fixture tree is reported under the rule it breaks, and nothing else is', () => {
  const found = violations(FIXTURE).map((v) => `${v.rule.name}: ${short(v.from)} -> ${short(v.to)}`).sort();
  assert.deepEqual(found, [
    'every-file-in-a-room: stray/helper.ts -> domain/status.ts',
    'layering-coordinator: coordinator/export-winners.ts -> worker/dataset-cache.ts',
    'layering-domain: domain/status.ts -> spec/seed.ts',
    // A type-only import is an arrow too.
    'layering-transport: transport/codecs.ts -> report/view.ts',
    // A cycle is reported once, at the first module depcruise meets on it.
    'no-circular: training/loop.ts -> training/step.ts',
    'only-into-a-room: domain/stray-user.ts -> stray/helper.ts',
  ]);
});

test('the command npm run lint uses exits non-zero on the fixture tree', () => {
  const res = depcruise(FIXTURE, 'err');
  assert.notEqual(res.status, 0);
  assert.match(res.stdout, /6 dependency violations/);
});

test('src/ itself keeps to the layering rules', () => {
  assert.deepEqual(violations('src').map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`), []);
  assert.equal(depcruise('src', 'err').status, 0);
});
