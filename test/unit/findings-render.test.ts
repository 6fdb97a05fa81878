// Where the findings show: the leaderboard's JSON (`findings`), the text table (a "Findings" section after the
// groups) and the HTML report (a "findings" section). The numbers themselves are pinned in findings-effects.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import { renderTable } from '../../src/report/render/render-table.js';
import { renderJson } from '../../src/report/render/render-json.js';
import { renderReportHtml } from '../../src/report/html/render-report-html.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

const VALUES: Record<string, number[]> = {
  'batchnorm,sgd': [0.842, 0.851, 0.838], 'dropout,sgd': [0.861, 0.874, 0.856],
  'batchnorm,adam': [0.861, 0.866, 0.858], 'dropout,adam': [0.866, 0.871, 0.869],
};

function view(extra: TrialView[] = []): SweepView {
  const trials: TrialView[] = [];
  for (const seed of [1, 2, 3]) {
    for (const regularizer of ['batchnorm', 'dropout']) {
      for (const optimizer of ['sgd', 'adam']) {
        const acc = VALUES[`${regularizer},${optimizer}`]![seed - 1]!;
        trials.push(aTrialView({
          id: `${regularizer}-${optimizer}-${seed}`, params: { regularizer, optimizer }, seed, bestEpoch: 1, durationMs: 1000,
          epochs: [anEpoch(1, { val_accuracy: acc, val_loss: 1 - acc, val_auc: 0.9 })],
        }));
      }
    }
  }
  return { id: 'r', name: 'render <findings>', objective: { metric: 'val_accuracy', goal: 'max' }, trials: [...trials, ...extra] };
}

const DROPOUT = 'dropout vs batchnorm: +0.0135 val_accuracy [0.0055, 0.0215], dropout better (p = 0.007, n = 6 pairs)';

describe('findings in the text table', () => {
  test('a Findings section after the groups and their legend, before the marginals, one sentence per level', () => {
    const text = renderTable(buildLeaderboard(view()));
    const lines = text.split('\n');
    const legend = lines.findIndex((l) => l.startsWith('CI: '));
    const heading = lines.indexOf('Findings');
    const marginals = lines.findIndex((l) => l.startsWith('Marginal effect'));
    assert.ok(legend > 0 && heading > legend && marginals > heading, `order: legend ${legend}, findings ${heading}, marginals ${marginals}`);
    assert.match(text, /on val_accuracy \(higher is better\), from the 12 finished trials of the ranked groups \(pruned, failed and unfinished trials do not count\)/);
    assert.ok(lines.includes('regularizer (reference: batchnorm)'));
    assert.ok(lines.includes(`  ${DROPOUT}`));
    assert.ok(lines.includes('  adam vs sgd: +0.0115 val_accuracy [0.0022, 0.0208], adam better (p = 0.025, n = 6 pairs)'));
    assert.match(text, /\n {2}regularizer × optimizer: \(dropout vs batchnorm\) with adam minus with sgd: -0\.0130 val_accuracy/);
  });

  test('also under the trials table when no group has two seeds', () => {
    const v = view();
    v.trials = v.trials.filter((t) => t.seed === 1);
    const lb = buildLeaderboard(v);
    assert.equal(lb.defaultMode, 'trials');
    const text = renderTable(lb);
    // One seed: regularizer pairs across the two optimizers, n = 2.
    assert.match(text, /\nFindings\n/);
    assert.match(text, /dropout vs batchnorm: \+0\.0120 val_accuracy \[[-0-9.]+, [-0-9.]+\], not distinguishable at 95 % \(p = [0-9.]+, n = 2 pairs\)/);
  });

  test('no section when nothing has two levels', () => {
    const v = view();
    v.trials = v.trials.filter((t) => t.params.regularizer === 'batchnorm' && t.params.optimizer === 'sgd');
    assert.doesNotMatch(renderTable(buildLeaderboard(v)), /Findings/);
  });
});

describe('findings in JSON and HTML', () => {
  test('JSON carries the findings with their method, numbers and sentences', () => {
    const parsed = JSON.parse(renderJson(buildLeaderboard(view()))) as { findings: { metric: string; goal: string; trials: number; factors: Array<{ param: string; effects: Array<{ method: string; sentence: string; ci95: number[] }> }> } };
    assert.equal(parsed.findings.metric, 'val_accuracy');
    assert.equal(parsed.findings.goal, 'max');
    assert.equal(parsed.findings.trials, 12);
    const effect = parsed.findings.factors[0]!.effects[0]!;
    assert.equal(effect.method, 'paired');
    assert.equal(effect.sentence, DROPOUT);
    assert.equal(effect.ci95.length, 2);
  });

  test('the report has a findings section after the groups, escaped, and its CI caption names the logit method', () => {
    const v = view([aTrialView({ id: 'x<b>', params: { regularizer: 'a<b>', optimizer: 'sgd' }, seed: 1, bestEpoch: 1, epochs: [anEpoch(1, { val_accuracy: 0.5 })] })]);
    const html = renderReportHtml(v, buildLeaderboard(v));
    const groups = html.indexOf('<section id="groups">');
    const findings = html.indexOf('<section id="findings">');
    assert.ok(groups >= 0 && findings > groups, 'findings after the groups');
    assert.ok(html.includes(`<li class="clear">${DROPOUT}</li>`));
    assert.ok(html.includes('a&lt;b&gt; vs batchnorm: too few values for a test (1 vs 6 finished trials, fewer than 2 pairs)'));
    assert.ok(!html.includes('a<b>'), 'levels are escaped');
    assert.match(html, /CI: Student t 95 % interval of the mean on the logit scale, back-transformed/);
  });
});

describe('the profile note', () => {
  test('a sweep that ran a profile says so at the top of the findings, in text and HTML; none without one', () => {
    const noted: SweepView = { ...view(), profileNote: 'quick profile: SGD lr 0.1 instead of 0.001' };
    const text = renderTable(buildLeaderboard(noted));
    const lines = text.split('\n');
    assert.equal(lines[lines.indexOf('Findings') + 2], 'Differs from the spec as written: quick profile: SGD lr 0.1 instead of 0.001.');
    assert.equal(buildLeaderboard(noted).findings.profileNote, 'quick profile: SGD lr 0.1 instead of 0.001');
    assert.match(renderReportHtml(noted, buildLeaderboard(noted)), /<p class="profile-note">Differs from the spec as written: quick profile: SGD lr 0\.1 instead of 0\.001\.<\/p>/);
    assert.doesNotMatch(renderTable(buildLeaderboard(view())), /Differs from the spec/);
  });
});

