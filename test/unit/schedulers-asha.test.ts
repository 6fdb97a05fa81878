import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AshaSchedulerConfig } from '../../src/domain/scheduler.js';
import { AshaScheduler, ashaDecisionRungs, createScheduler, feed, type GroupDecision, type GroupScheduler, type SchedulerInput } from '../../src/coordinator/schedulers/index.js';
import { percentile } from '../../src/coordinator/schedulers/ranking.js';

const asha = (over: Partial<AshaSchedulerConfig> = {}): AshaSchedulerConfig => ({
  type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 3, max_epochs: 9, ...over,
});

/** Groups g1..gN of one seed each (trial ID = group key + '-s0'), or of `seeds` seeds. */
function membership(groups: readonly string[], seeds = 1): Map<string, string[]> {
  return new Map(groups.map((g) => [g, Array.from({ length: seeds }, (_, i) => `${g}-s${i}`)]));
}

const res = (trialId: string, epoch: number, value: number, attempt = 1): SchedulerInput => ({
  kind: 'result', trialId, group: trialId.replace(/-s\d+$/, ''), epoch, attempt, value,
});
const end = (trialId: string, lastEpoch: number, lastValue: number | null, attempt?: number): SchedulerInput => ({
  kind: 'end', trialId, group: trialId.replace(/-s\d+$/, ''), lastEpoch, lastValue, ...(attempt === undefined ? {} : { attempt }),
});

/** Feeds one input and returns its decisions. */
function step(s: GroupScheduler, input: SchedulerInput): GroupDecision[] {
  return feed(s, [input]);
}

const near = (actual: number | null | undefined, expected: number, what = 'value'): void => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≈ ${expected}`);
};

describe('ashaDecisionRungs', () => {
  test('grace × η^k below max_epochs (a rung at max_epochs decides nothing)', () => {
    assert.deepEqual(ashaDecisionRungs({ grace_epochs: 1, reduction_factor: 3, max_epochs: 9 }), [1, 3]);
    assert.deepEqual(ashaDecisionRungs({ grace_epochs: 1, reduction_factor: 3, max_epochs: 10 }), [1, 3, 9]);
    assert.deepEqual(ashaDecisionRungs({ grace_epochs: 2, reduction_factor: 2, max_epochs: 20 }), [2, 4, 8, 16]);
    assert.deepEqual(ashaDecisionRungs({ grace_epochs: 5, reduction_factor: 2, max_epochs: 5 }), []);
  });
});

describe('percentile (numpy linear, as Ray Tune cuts)', () => {
  test('matches np.percentile', () => {
    // np.percentile([0.5, 0.6, 0.4], 66.666…) = 0.5333333333333333, [1, 2, 3, 4], 50 = 2.5
    assert.equal(percentile([0.5, 0.6, 0.4], (1 - 1 / 3) * 100), 0.5333333333333333);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([7], 90), 7);
    assert.equal(percentile([-Infinity, 0.3], 50), -Infinity);
  });
});

describe('AshaScheduler: 9 groups, η = 3, rungs 1 and 3', () => {
  const groups = Array.from({ length: 9 }, (_, i) => `g${i + 1}`);
  const rung1 = [0.5, 0.6, 0.4, 0.7, 0.55, 0.3, 0.8, 0.65, 0.1];
  // Hand-computed (and np.nanpercentile(recorded, 66.67)) over the values recorded so far, this group's included:
  // g3: [.4 .5 .6] index 2·⅔ = 1.33 → .5 + .1·⅓ = .5333 → .4 stops;  g4: [.4 .5 .6 .7] index 2 → .6 → .7 goes on;
  // g5: index 2.67 between .55 and .6 → .5833;  g6: index 3.33 between .55 and .6 → .5667;  g7: index 4 → .6;
  // g8: index 4.67 between .6 and .65 → .6333;  g9: index 5.33 between .6 and .65 → .6167.
  const expected: [GroupDecision['decision'], number | null][] = [
    ['CONTINUE', null], ['CONTINUE', null],
    ['STOP', 0.5333333333333333], ['CONTINUE', 0.6], ['STOP', 0.5833333333333334], ['STOP', 0.5666666666666668],
    ['CONTINUE', 0.6], ['CONTINUE', 0.6333333333333333], ['STOP', 0.6166666666666667],
  ];

  test('rung 1: the first two continue (fewer than η values), the rest are cut against the recorded set', () => {
    const s = new AshaScheduler(asha(), membership(groups));
    assert.deepEqual(s.rungs, [1, 3]);
    groups.forEach((g, i) => {
      const out = step(s, res(`${g}-s0`, 1, rung1[i]!));
      assert.deepEqual(out, [{
        scheduler: 'asha', group: g, decision: expected[i]![0], epoch: 1, value: rung1[i], cutoff: expected[i]![1], compared: i + 1,
      }], g);
    });
    assert.deepEqual(groups.filter((g) => s.isStopped(g)), ['g3', 'g5', 'g6', 'g9']);
  });

  test('rung 3 among the survivors; a tie with the cutoff continues; a stopped group stays stopped', () => {
    const s = new AshaScheduler(asha(), membership(groups));
    groups.forEach((g, i) => step(s, res(`${g}-s0`, 1, rung1[i]!)));
    // A stopped group's later results are ignored, and nothing is judged at 9 (= max_epochs).
    assert.deepEqual(feed(s, [res('g3-s0', 2, 0.99), res('g3-s0', 3, 0.99)]), []);
    for (const g of ['g1', 'g2', 'g4', 'g7', 'g8']) assert.deepEqual(step(s, res(`${g}-s0`, 2, 0.5)), []);
    const at3 = (g: string, v: number) => step(s, res(`${g}-s0`, 3, v))[0]!;
    assert.deepEqual([at3('g7', 0.9), at3('g4', 0.75)].map((d) => [d.decision, d.cutoff]), [['CONTINUE', null], ['CONTINUE', null]]);
    const g1 = at3('g1', 0.6); // [.9 .75 .6] → .75 + .15·⅓ = .8
    assert.equal(g1.decision, 'STOP'); near(g1.cutoff, 0.8, 'cutoff');
    const g8 = at3('g8', 0.85); // [.6 .75 .85 .9] index 2 → .85: a tie goes on (Ray: stop only when below)
    assert.deepEqual([g8.decision, g8.cutoff], ['CONTINUE', 0.85]);
    const g2 = at3('g2', 0.7); // [.6 .7 .75 .85 .9] index 2.67 → .8167
    assert.equal(g2.decision, 'STOP'); near(g2.cutoff, 0.8166666666666667, 'cutoff');
    assert.deepEqual(feed(s, [res('g7-s0', 9, 1), res('g7-s0', 12, 1)]), []);
  });

  test('goal min mirrors goal max: same decisions, cutoffs in the metric\'s units', () => {
    const s = new AshaScheduler(asha({ goal: 'min', metric: 'val_loss' }), membership(groups));
    groups.forEach((g, i) => {
      const [d] = step(s, res(`${g}-s0`, 1, -rung1[i]!));
      assert.equal(d?.decision, expected[i]![0], g);
      const cutoff = expected[i]![1];
      if (cutoff === null) assert.equal(d?.cutoff, null);
      else near(d?.cutoff, -cutoff, `${g} cutoff`);
    });
  });

  test('createScheduler builds it from the config', () => {
    const s = createScheduler(asha(), membership(groups));
    assert.equal(s.kind, 'asha');
    assert.ok(s instanceof AshaScheduler);
  });
});

describe('AshaScheduler: groups of seeds', () => {
  // η = 2, rungs 1 and 2 (max 4).
  const cfg = asha({ reduction_factor: 2, max_epochs: 4 });

  test('a group is judged when its first seed reaches a rung, and again as each further seed does, on the mean so far', () => {
    const s = new AshaScheduler(cfg, membership(['A', 'B'], 2));
    assert.deepEqual(step(s, res('A-s0', 1, 0.4)), [{ scheduler: 'asha', group: 'A', decision: 'CONTINUE', epoch: 1, value: 0.4, cutoff: null, compared: 1 }]);
    assert.deepEqual(step(s, res('A-s0', 2, 0.4)).map((d) => [d.epoch, d.decision, d.compared]), [[2, 'CONTINUE', 1]], 'A-s0 ahead of A-s1: A is judged at rung 2 on A-s0 alone');
    const [b0] = step(s, res('B-s0', 1, 0.9)); // recorded {A .4, B .9}, index .5 → .65
    assert.equal(b0?.decision, 'CONTINUE'); near(b0?.cutoff, 0.65, 'cutoff');
    const [b1] = step(s, res('B-s1', 1, 0.7)); // B's value at rung 1 replaced: .8
    assert.equal(b1?.decision, 'CONTINUE'); near(b1?.value, 0.8); assert.equal(b1?.compared, 2);
    const [a] = step(s, res('A-s1', 1, 0.6)); // A = .5 replaces .4; recorded {A .5, B .8}, index 0.5 → .65
    assert.equal(a?.decision, 'STOP'); near(a?.value, 0.5); near(a?.cutoff, 0.65, 'cutoff'); assert.equal(a?.compared, 2);
    assert.ok(s.isStopped('A'), 'a STOP at rung 1 stops the group although A-s0 had passed rung 2');
  });

  test('a seed that ends before a rung: its last value counts there, and its end gets the group judged again', () => {
    const s = new AshaScheduler(cfg, membership(['A', 'B'], 2));
    feed(s, [res('B-s0', 1, 0.5), res('B-s1', 1, 0.5), res('B-s0', 2, 0.9), res('B-s1', 2, 0.9)]);
    feed(s, [res('A-s0', 1, 0.8), res('A-s1', 1, 0.2)]);
    const [early] = step(s, res('A-s0', 2, 0.95)); // A-s1 is still training: A at rung 2 is A-s0 alone; {B .9, A .95} → .925
    assert.deepEqual([early?.epoch, early?.decision, early?.value], [2, 'CONTINUE', 0.95]);
    const [a] = step(s, end('A-s1', 1, 0.2)); // it failed after epoch 1: A at rung 2 = (.95 + .2) / 2
    assert.equal(a?.epoch, 2); near(a?.value, 0.575);
    assert.equal(a?.decision, 'STOP'); near(a?.cutoff, 0.7375, 'cutoff'); // {B .9, A .575} index .5 → .7375
  });

  test('an end with no value leaves that seed out; a group whose seeds all ended before a rung is not judged there', () => {
    const s = new AshaScheduler(cfg, membership(['A', 'B', 'C'], 2));
    assert.deepEqual(step(s, end('A-s1', 0, null)), []);
    const [a] = step(s, res('A-s0', 1, 0.3));
    assert.equal(a?.epoch, 1); near(a?.value, 0.3);
    feed(s, [res('B-s0', 1, 0.7), res('B-s1', 1, 0.7)]);
    assert.deepEqual(feed(s, [end('B-s0', 1, 0.7), end('B-s1', 1, 0.7)]), [], 'B finished at epoch 1: never judged at rung 2');
    // An early end alone gets C judged at rung 1 (its last value counts): {A .3, B .7, C .1} index 1 → .3, C stops.
    assert.deepEqual(feed(s, [end('C-s0', 1, 0.1), res('C-s1', 1, 0.9)]).map((d) => [d.epoch, d.decision, d.value]), [[1, 'STOP', 0.1]]);
  });

  test('an end that counts at several rungs judges them in order and stops at the first STOP', () => {
    const s = new AshaScheduler(asha({ reduction_factor: 2, max_epochs: 8 }), membership(['A', 'B', 'C'], 2));
    // B and C record rungs 1, 2 (.5) and 4 (.95) first.
    for (const g of ['B', 'C']) for (const [e, v] of [[1, 0.5], [2, 0.5], [4, 0.95]] as const) feed(s, [res(`${g}-s0`, e, v), res(`${g}-s1`, e, v)]);
    const alone = feed(s, [res('A-s0', 1, 0.9), res('A-s0', 2, 0.9), res('A-s0', 4, 1), res('A-s1', 1, 0.8)]);
    assert.deepEqual(alone.map((d) => [d.epoch, d.decision]), [[1, 'CONTINUE'], [2, 'CONTINUE'], [4, 'CONTINUE'], [1, 'CONTINUE']]);
    // A-s1 early-stops after epoch 1: its .8 now counts at rungs 2 (A .85 ≥ .5) and 4 (A .9 < .95).
    const out = step(s, end('A-s1', 1, 0.8));
    assert.deepEqual(out.map((d) => [d.epoch, d.decision]), [[2, 'CONTINUE'], [4, 'STOP']]);
    near(out[1]?.value, 0.9); near(out[1]?.cutoff, 0.95, 'cutoff');
  });
});

describe('AshaScheduler: dedup by (trial, epoch) and attempt', () => {
  const cfg = asha({ reduction_factor: 2, max_epochs: 4 });

  test('a redelivered result is ignored; a higher attempt replaces a value no decision used', () => {
    const s = new AshaScheduler(asha({ reduction_factor: 2, max_epochs: 8 }), membership(['A'], 2));
    // Epoch 3 is no rung (1, 2, 4): its values stay unused until a rung carries them forward.
    feed(s, [res('A-s0', 1, 0.5), res('A-s0', 2, 0.5), res('A-s0', 3, 0.1, 1), res('A-s0', 3, 0.5, 1), res('A-s0', 3, 0.9, 2), end('A-s0', 3, null, 2)]);
    feed(s, [res('A-s1', 1, 0.5), res('A-s1', 2, 0.5), res('A-s1', 3, 0.5)]);
    const [a] = step(s, res('A-s1', 4, 0.5)); // A-s0 ended after epoch 3: its value there (attempt 2's .9) counts at rung 4
    assert.equal(a?.epoch, 4); near(a?.value, 0.7, 'A = (.9 + .5) / 2');
  });

  test('a value a decision used is never replaced; a lower attempt than one seen is ignored', () => {
    const s = new AshaScheduler(cfg, membership(['A'], 2));
    feed(s, [res('A-s0', 1, 0.5, 1), res('A-s1', 1, 0.5, 1)]); // A judged at rung 1 with A-s0 = .5
    // A-s0 is retried and retrains epoch 1 (.1: ignored, rung 1 used .5); its old attempt (a zombie) reports epoch 2.
    assert.deepEqual(feed(s, [res('A-s0', 1, 0.1, 2), res('A-s0', 2, 0.1, 1)]), []);
    const [alone] = step(s, res('A-s1', 2, 0.5));
    assert.deepEqual([alone?.epoch, alone?.compared, alone?.value], [2, 1, 0.5], 'the zombie\'s epoch 2 does not count: A is A-s1 alone at rung 2');
    // A-s0 (attempt 2) then fails without another epoch: its last value counts at rung 2, and that is the .5 kept.
    const [a] = step(s, end('A-s0', 1, null, 2));
    assert.equal(a?.epoch, 2); near(a?.value, 0.5, 'A = (.5 + .5) / 2, not (.1 + .5) / 2');
  });

  test('a retried trial (higher attempt than the one that ended) no longer counts where it has not trained anew', () => {
    const s = new AshaScheduler(cfg, membership(['A'], 2));
    feed(s, [res('A-s0', 1, 0.5), res('A-s1', 1, 0.5), end('A-s1', 1, 0.5, 1)]);
    assert.deepEqual(step(s, res('A-s1', 1, 0.6, 2)), [], 'A-s1 retrains (epoch 1 was used: kept)');
    const [first] = step(s, res('A-s0', 2, 0.9));
    assert.deepEqual([first?.epoch, first?.value], [2, 0.9], 'A at rung 2 is A-s0 alone, not (.9 + .5) / 2 from the reopened end');
    const [a] = step(s, res('A-s1', 2, 0.7, 2));
    assert.equal(a?.epoch, 2); near(a?.value, 0.8);
  });

  test('results of trials or groups the membership does not name are ignored', () => {
    const s = new AshaScheduler(cfg, membership(['A']));
    assert.deepEqual(feed(s, [res('Z-s0', 1, 1), { ...res('A-s0', 1, 1), group: 'B' }, res('A-s0', 0, 1)]), []);
  });

  test('a trial in two groups is refused at construction', () => {
    assert.throws(() => new AshaScheduler(cfg, new Map([['A', ['t1']], ['B', ['t1']]])), /in two groups/);
  });
});

describe('AshaScheduler: NaN ranks worst', () => {
  test('a NaN group stops once judged; NaN values never raise the cutoff', () => {
    const s = new AshaScheduler(asha({ reduction_factor: 2, max_epochs: 4 }), membership(['A', 'B', 'C', 'D'], 2));
    const [a] = feed(s, [res('A-s0', 1, NaN), res('A-s1', 1, 0.9)]); // one diverged seed: the group's mean is NaN
    assert.equal(a?.decision, 'CONTINUE'); assert.ok(Number.isNaN(a?.value)); // fewer than η: not judged yet
    const [b] = feed(s, [res('B-s0', 1, 0.3), res('B-s1', 1, 0.3)]); // [-∞ .3] index .5 → -∞
    assert.deepEqual([b?.decision, b?.cutoff], ['CONTINUE', -Infinity]);
    const [c] = feed(s, [res('C-s0', 1, NaN), res('C-s1', 1, NaN)]);
    assert.equal(c?.decision, 'STOP');
    const [d] = feed(s, [res('D-s0', 1, 0.2), res('D-s1', 1, 0.2)]); // [-∞ -∞ .2 .3] index 1.5 → -∞ + … = -∞
    assert.deepEqual([d?.decision, d?.cutoff], ['CONTINUE', -Infinity]);
  });

  test('goal min: NaN is still worst', () => {
    const s = new AshaScheduler(asha({ goal: 'min', reduction_factor: 2, max_epochs: 4 }), membership(['A', 'B']));
    feed(s, [res('A-s0', 1, 5)]);
    const [b] = step(s, res('B-s0', 1, NaN));
    assert.equal(b?.decision, 'STOP'); assert.equal(b?.cutoff, Infinity);
  });
});

describe('AshaScheduler: determinism and replay', () => {
  /** A reproducible interleaving of 12 groups × 3 seeds over 9 epochs, with retries, zombies, duplicates and ends. */
  function events(): SchedulerInput[] {
    let x = 12345;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const out: SchedulerInput[] = [];
    const next = new Map<string, number>();
    const trials = Array.from({ length: 12 }, (_, g) => [0, 1, 2].map((k) => `g${g}-s${k}`)).flat();
    for (let i = 0; i < 600; i++) {
      const t = trials[Math.floor(rand() * trials.length)]!;
      const e = next.get(t) ?? 1;
      if (e > 9) continue;
      const quality = Number(t.slice(1, t.indexOf('-'))) / 12;
      const r = rand();
      if (r < 0.03) {
        out.push(end(t, e - 1, e > 1 ? quality : null));
        next.set(t, 99);
      }
      else if (r < 0.06) out.push(res(t, Math.max(1, e - 1), rand(), 2)); // a retry retraining an epoch
      else if (r < 0.08) out.push(res(t, e, rand(), 0)); // a zombie
      else {
        out.push(res(t, e, quality + rand() * 0.3, e > 3 ? 2 : 1));
        if (r > 0.95) out.push(res(t, e, 0.5, e > 3 ? 2 : 1)); // a redelivery
        next.set(t, e + 1);
      }
    }
    return out;
  }
  const groups = membership(Array.from({ length: 12 }, (_, g) => `g${g}`), 3);

  test('the same inputs give the same decisions, fed at once or one by one', () => {
    const inputs = events();
    const first = feed(new AshaScheduler(asha({ max_epochs: 27 }), groups), inputs);
    const again = feed(new AshaScheduler(asha({ max_epochs: 27 }), groups), inputs);
    const s = new AshaScheduler(asha({ max_epochs: 27 }), groups);
    const oneByOne = inputs.flatMap((input) => (input.kind === 'result' ? s.onResult(input) : s.onTrialEnd(input)));
    assert.ok(first.length > 10, `some decisions (${first.length})`);
    assert.ok(first.some((d) => d.decision === 'STOP'));
    assert.deepEqual(again, first);
    assert.deepEqual(oneByOne, first);
  });

  test('a restart replays a prefix then goes on: identical to never restarting', () => {
    const inputs = events();
    const live = feed(new AshaScheduler(asha({ max_epochs: 27 }), groups), inputs);
    const cut = Math.floor(inputs.length / 2);
    const replayed = new AshaScheduler(asha({ max_epochs: 27 }), groups);
    const before = feed(replayed, inputs.slice(0, cut));
    assert.deepEqual([...before, ...feed(replayed, inputs.slice(cut))], live);
  });
});
