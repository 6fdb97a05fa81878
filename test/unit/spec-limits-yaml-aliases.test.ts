// YAML aliases: an alias bomb ("billion laughs"), a self-referencing or unresolved alias and whatever the yaml
// library's own alias limit refuses are SpecErrors at the alias, never a library error; ordinary aliases still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, SpecError } from '../../src/spec/index.js';

const HEAD = 'name: t\nmodel: vgg\ndataset: { name: fashion-mnist }\n';

function specError(text: string): SpecError {
  let caught: unknown;
  try {
    parseSpec(text, 't.yaml');
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError, got ${String(caught)}`);
  assert.equal(caught.badInput, true);
  assert.match(caught.hint, /\S/);
  return caught;
}

/** `levels` nested anchors of `width` aliases each, under `description`: width^levels values once expanded. */
function bomb(levels: number, width: number): string {
  const lines = [`description: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`k${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(', ')}]`);
  return HEAD + lines.join('\n') + '\n';
}

test('a billion-laughs spec is refused at once, at the alias that passes the budget', () => {
  const started = performance.now();
  const e = specError(bomb(12, 10)); // 10^12 values
  const ms = performance.now() - started;
  assert.ok(ms < 1000, `refused after ${ms.toFixed(0)} ms`);
  assert.match(e.problem, /^the YAML alias \*l3 makes the spec expand past 100,000 values \(an alias bomb, "billion laughs"\)$/);
  // Values by then: ~12,400 up to k3 (each *l3 copies 11,111: a list and its 10 × 1,111), so the 8th *l3 of k4 crosses 100,000.
  assert.equal(e.line, 8);
  assert.equal(e.column, 'k4: &l4 ['.length + 1 + 7 * '*l3, '.length);
});

test('ordinary aliases (a profile reusing the main values) still work', () => {
  const text = HEAD + 'parameters:\n  depth: &depths { values: [1, 2] }\nseeds: &s [1, 2, 3]\nquick: { seeds: *s, parameters: { depth: *depths } }\n';
  const sweep = parseSpec(text, 't.yaml', { quick: true });
  assert.deepEqual(sweep.trials.map((t) => [t.config.seed, t.config.model.depth]), [[1, 1], [1, 2], [2, 1], [2, 2], [3, 1], [3, 2]]);
});

test('an alias that copies a value containing itself is refused', () => {
  const e = specError(HEAD + 'description: &a [1, *a]\n');
  assert.equal(e.problem, 'the YAML alias *a refers to a value that contains it');
  assert.deepEqual([e.line, e.column], [4, 21]);
});

test('an alias without an anchor before it is refused with the name to define', () => {
  const e = specError(HEAD + 'description: *nope\n');
  assert.equal(e.problem, 'the YAML alias *nope has no anchor &nope before it');
  assert.match(e.hint, /&nope/);
});

test("what the yaml library's own alias limit refuses is a SpecError at the first alias", () => {
  // 1,001 aliases of one scalar: small once expanded, but over the library's maxAliasCount (1,000).
  const e = specError(HEAD + 'description: &a x\nk: [' + Array(1001).fill('*a').join(', ') + ']\n');
  assert.match(e.problem, /^the YAML aliases cannot be expanded: /);
  assert.deepEqual([e.line, e.column], [5, 5]);
});
