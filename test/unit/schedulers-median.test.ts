import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MedianSchedulerConfig } from '../../src/domain/scheduler.js';
import { MedianStoppingScheduler, createScheduler, feed, type GroupDecision, type GroupScheduler, type SchedulerInput } from '../../src/coordinator/schedulers/index.js';
import { median } from '../../src/coordinator/schedulers/ranking.js';

const cfg = (over: Partial<MedianSchedulerConfig> = {}): MedianSchedulerConfig => ({
  type: 'median', metric: 'val_accuracy', goal: 'max', grace_epochs: 2, min_groups: 2, ...over,
});

function membership(groups: readonly string[], seeds = 1): Map<string, string[]> {
  return new Map(groups.map((g) => [g, Array.from({ length: seeds }, (_, i) => `${g}-s${i}`)]));
}
const res = (trialId: string, epoch: number, value: number, attempt = 1): SchedulerInput => ({
  kind: 'result', trialId, group: trialId.replace(/-s\d+$/, ''), epoch, attempt, value,
});
const end = (trialId: string, lastEpoch: number, lastValue: number | null): SchedulerInput => ({
  kind: 'end', trialId, group: trialId.replace(/-s\d+$/, ''), lastEpoch, lastValue,
});
const step = (s: GroupScheduler, input: SchedulerInput): GroupDecision[] => feed(s, [input]);
const near = (actual: number | null | undefined, expected: number, what = 'value'): void => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≈ ${expected}`);
};
const brief = (d: GroupDecision | undefined) => d && [d.group, d.epoch, d.decision, d.compared];

/** Four single-seed groups; epoch 1 reported by all (before grace: nothing judged). */
function fourGroups(over: Partial<MedianSchedulerConfig> = {}, sign = 1): GroupScheduler {
  const s = new MedianStoppingScheduler(cfg(over), membership(['A', 'B', 'C', 'D']));
  const out = feed(s, [res('A-s0', 1, sign * 0.5), res('B-s0', 1, sign * 0.4), res('C-s0', 1, sign * 0.2), res('D-s0', 1, sign * 0.6)]);
  assert.deepEqual(out, [], 'epoch 1 < grace_epochs: nothing judged');
  return s;
}

describe('median', () => {
  test('is np.median, total over infinities', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([-Infinity, 1]), -Infinity);
    assert.equal(median([-Infinity, Infinity]), -Infinity);
  });
});

describe('MedianStoppingScheduler: worked example (grace 2, min_groups 2 other groups)', () => {
  test('epochs 2 and 3, groups reaching them in turn', () => {
    const s = fourGroups();
    // Epoch 2. Running means: A (.5+.6)/2 = .55, B .45, C .25, D .65.
    const [a2] = step(s, res('A-s0', 2, 0.6));
    assert.deepEqual(brief(a2), ['A', 2, 'CONTINUE', 0]); assert.equal(a2?.cutoff, null); near(a2?.value, 0.55);
    assert.deepEqual(brief(step(s, res('B-s0', 2, 0.5))[0]), ['B', 2, 'CONTINUE', 1], 'one other group: too few');
    const [c2] = step(s, res('C-s0', 2, 0.3)); // others A .55, B .45 → median .5
    assert.deepEqual(brief(c2), ['C', 2, 'STOP', 2]); near(c2?.cutoff, 0.5, 'cutoff'); near(c2?.value, 0.25);
    const [d2] = step(s, res('D-s0', 2, 0.7)); // others A .55, B .45, C .25 (stopped, but it reached 2) → .45
    assert.deepEqual(brief(d2), ['D', 2, 'CONTINUE', 3]); near(d2?.cutoff, 0.45, 'cutoff');
    // Epoch 3: C is stopped (its results are ignored). A (.5+.6+.7)/3 = .6, B .5, D (.6+.7+.2)/3 = .5.
    assert.deepEqual(step(s, res('C-s0', 3, 0.9)), []);
    assert.deepEqual(brief(step(s, res('A-s0', 3, 0.7))[0]), ['A', 3, 'CONTINUE', 0]);
    assert.deepEqual(brief(step(s, res('B-s0', 3, 0.6))[0]), ['B', 3, 'CONTINUE', 1]);
    const [d3] = step(s, res('D-s0', 3, 0.2)); // others A .6, B .5 → .55; D's running mean .5 is worse
    assert.deepEqual(brief(d3), ['D', 3, 'STOP', 2]); near(d3?.cutoff, 0.55, 'cutoff'); near(d3?.value, 0.5);
    assert.ok(s.isStopped('C') && s.isStopped('D') && !s.isStopped('A'));
  });

  test('min_groups counts the other groups that reached the epoch', () => {
    const s = fourGroups({ min_groups: 3 });
    feed(s, [res('A-s0', 2, 0.6), res('B-s0', 2, 0.5)]);
    assert.deepEqual(brief(step(s, res('C-s0', 2, 0.3))[0]), ['C', 2, 'CONTINUE', 2], 'two others < 3');
    const [d] = step(s, res('D-s0', 2, 0.1)); // others .55 .45 .25 → .45; D (.6+.1)/2 = .35
    assert.deepEqual(brief(d), ['D', 2, 'STOP', 3]); near(d?.cutoff, 0.45, 'cutoff');
  });

  test('goal min mirrors goal max', () => {
    const s = fourGroups({ goal: 'min', metric: 'val_loss' }, -1);
    feed(s, [res('A-s0', 2, -0.6), res('B-s0', 2, -0.5)]);
    const [c] = step(s, res('C-s0', 2, -0.3));
    assert.equal(c?.decision, 'STOP'); near(c?.cutoff, -0.5, 'cutoff'); near(c?.value, -0.25);
    const [d] = step(s, res('D-s0', 2, -0.7));
    assert.equal(d?.decision, 'CONTINUE'); near(d?.cutoff, -0.45, 'cutoff');
  });

  test('a group equal to the median goes on', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 1, min_groups: 2 }), membership(['A', 'B', 'C']));
    const out = feed(s, [res('A-s0', 1, 0.4), res('B-s0', 1, 0.6), res('C-s0', 1, 0.5)]);
    assert.deepEqual(out.map((d) => d.decision), ['CONTINUE', 'CONTINUE', 'CONTINUE']);
    assert.equal(out[2]?.cutoff, 0.5);
  });

  test('createScheduler builds it from the config', () => {
    assert.equal(createScheduler(cfg(), membership(['A'])).kind, 'median');
  });
});

describe('MedianStoppingScheduler: groups of seeds', () => {
  test('judged when the first seed reaches an epoch, and again as each further seed does; per-epoch means over the seeds there', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 2, min_groups: 1 }), membership(['A', 'B'], 2));
    feed(s, [res('B-s0', 1, 0.8), res('B-s1', 1, 0.6), res('B-s0', 2, 0.8), res('B-s1', 2, 0.6)]); // B: 0.7 at 1 and 2
    const [early] = feed(s, [res('A-s0', 1, 0.5), res('A-s0', 2, 0.9)]); // A-s0 alone: (.5 + .9) / 2 = .7, a tie
    assert.deepEqual(brief(early), ['A', 2, 'CONTINUE', 1]); near(early?.value, 0.7); near(early?.cutoff, 0.7, 'cutoff');
    assert.deepEqual(step(s, res('A-s1', 1, 0.1)), [], 'epoch 1 < grace; A-s1 does not count at 2 yet');
    const [a] = step(s, res('A-s1', 2, 0.3)); // A: .3 at 1, .6 at 2 → .45
    assert.deepEqual(brief(a), ['A', 2, 'STOP', 1]); near(a?.value, 0.45); near(a?.cutoff, 0.7, 'cutoff');
  });

  test('an ended seed\'s last value counts at later epochs; an end can complete the group', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 2, min_groups: 1 }), membership(['A', 'B'], 2));
    feed(s, [res('B-s0', 1, 0.5), res('B-s1', 1, 0.5), res('B-s0', 2, 0.5), res('B-s1', 2, 0.5)]);
    const [alone] = feed(s, [res('A-s0', 1, 0.9), res('A-s1', 1, 0.1), res('A-s0', 2, 0.9)]); // A: .5 at 1, .9 at 2 (A-s0 alone)
    assert.deepEqual(brief(alone), ['A', 2, 'CONTINUE', 1]); near(alone?.value, 0.7);
    const [a] = step(s, end('A-s1', 1, 0.1)); // A-s1 early-stopped after epoch 1: .1 counts at 2 → A .5 at 1 and 2
    assert.deepEqual(brief(a), ['A', 2, 'CONTINUE', 1]); near(a?.value, 0.5); near(a?.cutoff, 0.5, 'cutoff');
  });

  test('groups that did not reach the epoch are left out of the median', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 3, min_groups: 1 }), membership(['A', 'B', 'C']));
    // B finished after 2 epochs (shorter trials): it never reaches 3.
    feed(s, [res('B-s0', 1, 0.9), res('B-s0', 2, 0.9), end('B-s0', 2, 0.9)]);
    feed(s, [res('C-s0', 1, 0.2), res('C-s0', 2, 0.2), res('C-s0', 3, 0.2)]);
    const [a] = feed(s, [res('A-s0', 1, 0.3), res('A-s0', 2, 0.3), res('A-s0', 3, 0.3)]);
    assert.deepEqual(brief(a), ['A', 3, 'CONTINUE', 1]); near(a?.cutoff, 0.2, 'cutoff: C only');
  });
});

describe('MedianStoppingScheduler: dedup and NaN', () => {
  test('a value a decision used stays; a higher attempt replaces an unused one; a zombie is ignored', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 2, min_groups: 1 }), membership(['A', 'B'], 2));
    // Epoch 1 is before grace: B-s0's .2 is unused when attempt 2 reports .8.
    feed(s, [res('B-s0', 1, 0.2, 1), res('B-s0', 1, 0.8, 2), res('B-s1', 1, 0.4), res('B-s0', 2, 0.6, 2), res('B-s1', 2, 0.6)]);
    const [a1] = feed(s, [res('A-s0', 1, 0.7), res('A-s1', 1, 0.7), res('A-s0', 2, 0.7)]);
    assert.equal(a1?.decision, 'CONTINUE');
    near(a1?.cutoff, 0.6, 'B = .6 at 1 ((.8 + .4) / 2: attempt 2 replaced the unused .2) and .6 at 2');
    // A-s0 retrains epochs 1 and 2 (used: kept at .7) and a zombie of its first attempt is ignored.
    assert.deepEqual(feed(s, [res('A-s0', 1, 0.1, 2), res('A-s0', 2, 0.1, 2), res('A-s0', 2, 0.9, 1)]), []);
    const [a2] = step(s, res('A-s1', 2, 0.5));
    near(a2?.value, 0.65, 'A: .7 at 1, (.7 + .5) / 2 at 2 (not .1 from the retrained epochs)');
  });

  test('a NaN running mean stops; NaN among the others ranks worst', () => {
    const s = new MedianStoppingScheduler(cfg({ grace_epochs: 1, min_groups: 1 }), membership(['A', 'B', 'C']));
    assert.equal(step(s, res('A-s0', 1, NaN))[0]?.decision, 'CONTINUE'); // no other group yet
    const [b] = step(s, res('B-s0', 1, 0.1)); // others: A (worst)
    assert.deepEqual([b?.decision, b?.cutoff], ['CONTINUE', -Infinity]);
    const [c] = step(s, res('C-s0', 1, 0.05)); // others: A (-∞), B .1 → median -∞
    assert.equal(c?.decision, 'CONTINUE');
    feed(s, [res('B-s0', 2, 0.1), res('C-s0', 2, 0.05)]);
    const [a] = step(s, res('A-s0', 2, 0.9)); // A's running mean over 1..2 is NaN → STOP
    assert.equal(a?.decision, 'STOP'); assert.ok(Number.isNaN(a?.value));
  });
});

describe('MedianStoppingScheduler: determinism and replay', () => {
  function events(): SchedulerInput[] {
    let x = 987;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const trials = Array.from({ length: 8 }, (_, g) => [0, 1].map((k) => `g${g}-s${k}`)).flat();
    const next = new Map<string, number>();
    const out: SchedulerInput[] = [];
    for (let i = 0; i < 300; i++) {
      const t = trials[Math.floor(rand() * trials.length)]!;
      const e = next.get(t) ?? 1;
      if (e > 10) continue;
      if (rand() < 0.03) { out.push(end(t, e - 1, e > 1 ? rand() : null)); next.set(t, 99); continue; }
      out.push(res(t, e, Number(t.slice(1, t.indexOf('-'))) / 8 + rand() * 0.4, rand() < 0.1 ? 2 : 1));
      next.set(t, e + 1);
    }
    return out;
  }
  const groups = membership(Array.from({ length: 8 }, (_, g) => `g${g}`), 2);

  test('same inputs, same decisions; a replayed prefix then the rest equals one run', () => {
    const inputs = events();
    const once = feed(new MedianStoppingScheduler(cfg(), groups), inputs);
    assert.ok(once.some((d) => d.decision === 'STOP') && once.some((d) => d.decision === 'CONTINUE'));
    assert.deepEqual(feed(new MedianStoppingScheduler(cfg(), groups), inputs), once);
    const restarted = new MedianStoppingScheduler(cfg(), groups);
    const cut = 140;
    assert.deepEqual([...feed(restarted, inputs.slice(0, cut)), ...feed(restarted, inputs.slice(cut))], once);
  });
});
