// execution.max_trials: the trial count is computed without enumerating the trials and a spec above the limit is
// refused before expansion, fast, with the count and how to raise the limit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec, SpecError, specSchema, type SpecInput } from '../../src/spec/index.js';
import { countTrials, ENUMERATION_BUDGET } from '../../src/spec/trial-count.js';
import { expandTrials } from '../../src/spec/expand.js';

const HEAD = 'name: t\nmodel: vgg\ndataset: { name: fashion-mnist }\n';
const BAD_SPECS = join(import.meta.dirname, '../fixtures/bad-specs');

function refusal(text: string, file: string, opts?: Parameters<typeof parseSpec>[2]): SpecError {
  let caught: unknown;
  try {
    parseSpec(text, file, opts);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SpecError, `expected a SpecError, got ${String(caught)}`);
  assert.equal(caught.badInput, true);
  return caught;
}

describe('the trial count', () => {
  test('matches the expansion for grids, seeds, samples and conditional parameters', () => {
    const bodies = [
      '',
      'parameters:\n  depth: { values: [1, 2, 3] }\n  optimizer: { values: [sgd, adam] }\nrepeats: 2\n',
      'parameters:\n  depth: { values: [1, 2] }\n  learning_rate: { distribution: loguniform, min: 1.0e-4, max: 1.0e-1 }\nsamples: 5\nseeds: [3, 4, 5]\n',
      // conditions on one and on two grid axes, on a list of values, and on a fixed value
      'parameters:\n  regularizer: { values: [batchnorm, dropout, none] }\n  depth: { values: [1, 2, 3, 4] }\n  dense_units: 32\n' +
        '  dropout_rate: { values: [0.1, 0.3, 0.5], when: { regularizer: dropout } }\n' +
        '  dense_dropout_rate: { values: [0.15, 0.25], when: { regularizer: [dropout, none], depth: [2, 4] } }\n' +
        '  momentum: { values: [0.5, 0.7, 0.95], when: { dense_units: 32, depth: 3 } }\nrepeats: 2\n',
    ];
    for (const body of bodies) {
      const sweep = parseSpec(HEAD + body, 't.yaml');
      const count = countTrials(specSchema.parse(sweep.spec) as SpecInput);
      assert.equal(count.exact, true, body);
      assert.equal(count.total, BigInt(sweep.trials.length), `count vs expansion of:\n${body}`);
    }
  });

  test('pseudo-random conditional grids: the count equals the expansion every time', () => {
    let state = 12345;
    let conditionalRounds = 0;
    const rand = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
    for (let round = 0; round < 40; round++) {
      const depth = [1, 2, 3, 4, 5, 6].slice(0, 1 + rand(6));
      const optimizers = ['sgd', 'momentum', 'nesterov', 'adam', 'rmsprop'].slice(0, 1 + rand(5));
      const pick = <T>(xs: T[]) => xs.filter(() => rand(2) === 0).slice(0, Math.max(1, rand(xs.length + 1)));
      const lines = [`  depth: { values: [${depth.join(', ')}] }`, `  optimizer: { values: [${optimizers.join(', ')}] }`];
      const whenDepth = pick(depth);
      const whenOpt = pick(optimizers);
      if (whenDepth.length) lines.push(`  dense_units: { values: [11, 22, 33], when: { depth: [${whenDepth.join(', ')}] } }`);
      if (whenOpt.length) lines.push(`  momentum: { values: [0.11, 0.22], when: { optimizer: [${whenOpt.join(', ')}], depth: ${depth[rand(depth.length)]} } }`);
      if (lines.length > 2) conditionalRounds++;
      const body = `parameters:\n${lines.join('\n')}\nrepeats: ${1 + rand(3)}\n`;
      const spec = specSchema.parse(parseSpec(HEAD + body, 't.yaml').spec) as SpecInput;
      assert.equal(countTrials(spec).total, BigInt(expandTrials(spec).length), body);
    }
    assert.ok(conditionalRounds >= 20, `only ${conditionalRounds} of 40 rounds had conditional parameters`);
  });

  test('too many condition classes to enumerate: an upper bound (every condition held), marked inexact', () => {
    // Six conditional axes, each on a different bit of three 64-value axes: 64³ classes > the budget.
    const bits = (bit: number) => Array.from({ length: 64 }, (_, i) => i + 1).filter((v) => ((v - 1) >> bit) & 1);
    const conditional = ['depth', 'regularizer', 'dropout_rate', 'dense_dropout_rate', 'optimizer', 'momentum'];
    const parameters: Record<string, unknown> = {
      dense_units: { values: Array.from({ length: 64 }, (_, i) => i + 1) },
      batch_size: { values: Array.from({ length: 64 }, (_, i) => i + 1) },
      epochs: { values: Array.from({ length: 64 }, (_, i) => i + 1) },
    };
    conditional.forEach((name, bit) => {
      parameters[name] = { values: [`${name}-a`, `${name}-b`], when: { dense_units: bits(bit), batch_size: bits(bit), epochs: bits(bit) } };
    });
    const spec = { name: 't', model: 'vgg', dataset: { name: 'fashion-mnist' }, parameters } as unknown as SpecInput;
    assert.ok(64 ** 3 > ENUMERATION_BUDGET);
    const count = countTrials(spec);
    assert.equal(count.exact, false);
    assert.equal(count.grid, 64n ** 3n * 2n ** 6n);
  });
});

describe('execution.max_trials', () => {
  test('the 600-million-trial corpus spec is refused in well under a second, with the count and the fix', () => {
    const text = readFileSync(join(BAD_SPECS, '66-grid-600-million-trials.yaml'), 'utf8');
    const started = performance.now();
    const e = refusal(text, 'huge.yaml');
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `refused after ${ms.toFixed(0)} ms`);
    assert.match(e.problem, /expands to 600,000,000 trials \(1,000 seeds × 600,000 grid configurations\), more than execution\.max_trials \(100,000\)/);
    assert.match(e.hint, /execution: \{ max_trials: 600000000 \}/);
    assert.deepEqual([e.line, e.column], [5, 1], 'points at parameters, the biggest factor');
  });

  test('random search is held to the same limit, pointing at samples', () => {
    const e = refusal(HEAD + 'parameters:\n  learning_rate: { distribution: uniform, min: 0.001, max: 0.1 }\nsamples: 1000000000\n', 't.yaml');
    assert.match(e.problem, /expands to 1,000,000,000 trials \(1 seed × 1 grid configuration × 1,000,000,000 random samples\)/);
    assert.deepEqual([e.line, e.column], [6, 1]);
  });

  test('a huge repeats is refused before any seed list is built, pointing at repeats', () => {
    const e = refusal(HEAD + 'repeats: 9007199254740991\n', 't.yaml');
    assert.match(e.problem, /expands to 9,007,199,254,740,991 trials/);
    assert.deepEqual([e.line, e.column], [4, 1]);
  });

  test('exactly at the limit passes; one over fails; the spec field and the caller can raise it', () => {
    const body = 'parameters:\n  depth: { values: [1, 2, 3, 4, 5] }\nrepeats: 20\n';
    assert.equal(parseSpec(HEAD + body + 'execution: { max_trials: 100 }\n', 't.yaml').trials.length, 100);
    const over = refusal(HEAD + body + 'execution: { max_trials: 99 }\n', 't.yaml');
    assert.match(over.problem, /expands to 100 trials .* more than execution\.max_trials \(99\)/);
    const raised = parseSpec(HEAD + body + 'execution: { max_trials: 99 }\n', 't.yaml', { maxTrials: 100 });
    assert.equal(raised.trials.length, 100);
    refusal(HEAD + body, 't.yaml', { maxTrials: 50 });
  });

  test('defaults to 100,000', () => {
    assert.equal(parseSpec(HEAD + 'repeats: 100000\n', 't.yaml').trials.length, 100_000);
    assert.match(refusal(HEAD + 'repeats: 100001\n', 't.yaml').problem, /expands to 100,001 trials .* more than execution\.max_trials \(100,000\)/);
  });

  test('the quick profile is counted as it will run: its repeats replace the spec\'s', () => {
    const text = HEAD + 'repeats: 200000\nquick: { repeats: 2 }\n';
    refusal(text, 't.yaml');
    assert.equal(parseSpec(text, 't.yaml', { quick: true }).trials.length, 2);
  });
});
