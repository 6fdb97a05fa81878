import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec, SpecError } from '../../src/spec/index.js';

const dir = join(import.meta.dirname, '../fixtures/bad-specs');
const specs = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('the corpus holds at least 30 bad specs, each with an expected message', () => {
  assert.ok(specs.length >= 30, `only ${specs.length} bad specs`);
  for (const f of specs) assert.ok(readdirSync(dir).includes(f.replace(/\.yaml$/, '.expected')), `${f} has no .expected`);
});

for (const file of specs) {
  test(`bad spec ${file}`, () => {
    const expected = readFileSync(join(dir, file.replace(/\.yaml$/, '.expected')), 'utf8').trim();
    const text = readFileSync(join(dir, file), 'utf8');
    assert.throws(
      () => parseSpec(text, file),
      (e: unknown) => {
        assert.ok(e instanceof SpecError, `expected SpecError, got ${String(e)}`);
        const [first, hint, ...rest] = e.message.split('\n');
        assert.equal(first, expected);
        assert.match(hint ?? '', /^ {2}hint: \S/);
        assert.deepEqual(rest, []);
        assert.equal(first, `${e.file}:${e.line}:${e.column}: ${e.problem}`);
        return true;
      },
    );
  });
}
