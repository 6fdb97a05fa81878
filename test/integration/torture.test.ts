import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TORTURE_DUPLICATE_WINDOW_S } from '../helpers/torture/cluster.js';
import { OP_KINDS, type OpKind } from '../helpers/torture/schedule.js';
import type { Reference } from '../helpers/torture/reference.js';
import type { TortureResult } from '../helpers/torture/run-torture.js';

/**
 * The CI version of `npm run bench:torture`: the fixed seeds of test/fixtures/torture-seeds.json (together they
 * draw every op kind, and every seed that ever failed the campaign is kept there), each a fresh nats-server, real
 * worker and coordinator processes, its drawn ops and faults, then the invariants (test/helpers/torture/invariants.ts).
 */
interface SeedFile {
  seeds: { seed: number; ops: number; found: string | null }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/torture-seeds.json', import.meta.url), 'utf8')) as SeedFile;
const HOGS = Number(process.env.CHAOS_HOGS ?? 0);

// Read by ensureResources in this process (the runs' brokers) as in the coordinators the runs start.
process.env.SWEEP_JOBS_DUPLICATE_WINDOW_S = String(TORTURE_DUPLICATE_WINDOW_S);
const { runReference } = await import('../helpers/torture/reference.js');
const { runTorture } = await import('../helpers/torture/run-torture.js');

const report = (r: TortureResult) =>
  `replay: npm run bench:torture -- --seed ${r.seed} --ops ${r.executed.length}\n${r.executed.map((e) => `  did: ${e}`).join('\n')}\n` +
  `${r.violations.map((v) => `  VIOLATION: ${v}`).join('\n')}\nprocess logs: ${r.logs ?? '(none kept)'}`;

describe('fault campaign: fixed seeds of relaunches, kills, drains, suspends, cancel/retry, extend and broker restarts on one pool', () => {
  let reference: Reference;
  const executed = new Set<OpKind>();

  before(async () => {
    reference = await runReference();
  });

  for (const { seed, ops, found } of fixture.seeds) {
    test(`seed ${seed} (${ops} ops${found ? `; once found: ${found}` : ''}): every invariant holds`, async () => {
      const r = await runTorture(seed, { reference, hogs: HOGS, opCount: ops });
      r.kinds.forEach((k) => executed.add(k));
      assert.deepEqual(r.violations, [], report(r));
      assert.equal(r.duplicates, 0, report(r));
      assert.equal(r.orphans, 0, report(r));
      assert.ok(r.jobChecks > 0, 'the job check ran');
    });
  }

  test('together the seeds executed every op kind', () => {
    assert.deepEqual(OP_KINDS.filter((k) => !executed.has(k)), []);
  });
});
