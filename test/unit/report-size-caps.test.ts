// A large sweep's report stays bounded and says what it left out (issue 14): the HTML caps its tables and curves and
// samples its parallel coordinates by a fixed rule; the text leaderboard caps its rows on request. Speed and memory
// are measured by bench/report-size.ts, not here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import { renderReportHtml } from '../../src/report/html/render-report-html.js';
import { DEFAULT_REPORT_LIMITS } from '../../src/report/html/report-limits.js';
import { renderTable } from '../../src/report/render/render-table.js';
import { renderCsv } from '../../src/report/render/render-csv.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';

const SEEDS = 3;

/**
 * `n` trials, SEEDS seeds per configuration, 6 epochs each; a continuous learning rate (one level per
 * configuration) and an optimizer; every 50th trial FAILED. Values are a fixed function of the index.
 */
function largeView(n: number): SweepView {
  const trials: TrialView[] = [];
  for (let i = 0; i < n; i++) {
    const config = Math.floor(i / SEEDS);
    const failed = i % 50 === 49;
    const ceiling = 0.6 + 0.35 * (((config * 7919) % 1000) / 1000) + 0.001 * (i % SEEDS);
    const epochs = Array.from({ length: failed ? 2 : 6 }, (_, e) => {
      const acc = ceiling * (1 - Math.exp(-(e + 1) / 2));
      return anEpoch(e + 1, { loss: 1 - acc, accuracy: acc + 0.01, val_loss: 1.1 - acc, val_accuracy: acc, val_auc: 0.9, lr: 0.01 });
    });
    trials.push(aTrialView({
      id: `t${String(i).padStart(7, '0')}${'x'.repeat(8)}`,
      params: { learning_rate: Number((1e-4 * (1 + config)).toPrecision(4)), optimizer: config % 2 === 0 ? 'adam' : 'sgd' },
      seed: (i % SEEDS) + 1,
      epochs,
      bestEpoch: failed ? null : 6,
      durationMs: 1000,
      ...(failed ? { status: 'FAILED' as const, error: 'trainer exited' } : {}),
    }));
  }
  return { id: 'large', name: 'large sweep', objective: { metric: 'val_accuracy', goal: 'max' }, trials };
}

function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `section ${id} is on the page`);
  return html.slice(start, html.indexOf('</section>', start));
}

const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

describe('HTML report of a large sweep', () => {
  const N = 5000;
  const view = largeView(N);
  const lb = buildLeaderboard(view);
  const html = renderReportHtml(view, lb);
  const limits = DEFAULT_REPORT_LIMITS;

  test('is bounded: a few MB, and no bigger for 5,000 trials than for 1,000', () => {
    const small = largeView(1000);
    const smallHtml = renderReportHtml(small, buildLeaderboard(small));
    assert.ok(html.length < 5 * 1024 * 1024, `${html.length} bytes`);
    assert.ok(html.length < smallHtml.length * 1.25, `5,000 trials: ${html.length} bytes; 1,000 trials: ${smallHtml.length}`);
  });

  test('tables keep their best rows and say how many they left out and where to find them', () => {
    const trials = sectionOf(html, 'trials');
    assert.equal(count(trials, /<tr>/g) - 1, limits.trialRows, 'header + the first rows');
    const failed = lb.trials.filter((t) => t.status === 'FAILED').length;
    const hidden = N - limits.trialRows;
    assert.ok(trials.includes(`The first 100 of 5,000 trials by rank; ${hidden.toLocaleString('en-US')} more (${(hidden - failed).toLocaleString('en-US')} completed, ${failed} failed) are left out`), trials.slice(-400));
    assert.match(trials, /<code>sweep leaderboard --all --trials --csv<\/code> lists them all/);
    const firstRow = trials.slice(trials.indexOf('<tbody>')).match(/<tr><td class="num">1<\/td><td class="mono" title="([^"]+)"/);
    assert.equal(firstRow?.[1], lb.trials[0]!.id, 'rank 1 first');
    const groups = sectionOf(html, 'groups');
    assert.equal(count(groups, /<tr>/g) - 1, limits.groupRows);
    assert.match(groups, /The first 100 of 1,667 configurations by rank; 1,567 more are left out/);
    const marginals = sectionOf(html, 'marginals');
    assert.match(marginals, /1,667 levels: not listed \(more than 20\)/, 'the continuous param in one row');
    assert.match(marginals, /<td>adam<\/td>/, 'the two-level param listed');
  });

  test('curves: the top trials and the top configurations, and the page says so', () => {
    const trialCurves = sectionOf(html, 'trial-curves');
    const heads = [...trialCurves.matchAll(/<summary>#(\d+) (\w+) /g)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(heads, lb.trials.slice(0, limits.trialCurves).map((t) => [t.rank, t.shortId]), 'the top 20 by rank, in order');
    assert.equal(count(trialCurves, /aria-label="Accuracy"/g), limits.trialCurves);
    assert.match(trialCurves, /The first 20 of 5,000 trials that trained an epoch/);
    const groupCurves = sectionOf(html, 'group-curves');
    assert.equal(count(groupCurves, /<details/g), limits.groupCurves);
    assert.ok(groupCurves.includes(`#1 ${lb.groups[0]!.key} — n=`), 'the best configuration first');
    assert.match(groupCurves, /The best 20 of 1,667 ranked configurations/);
  });

  test('parallel coordinates: every k-th ranked trial by rank, stated on the page', () => {
    const ranked = lb.trials.filter((t) => t.rank !== null).length;
    const k = Math.ceil(ranked / limits.parallelLines);
    const parallel = sectionOf(html, 'parallel');
    const lines = [...parallel.matchAll(/<path class="pc-line"[^>]*><title>(\w+) /g)].map((m) => m[1]);
    assert.equal(lines.length, Math.ceil(ranked / k));
    const expected = lb.trials.filter((t) => t.rank !== null && (t.rank - 1) % k === 0).map((t) => t.shortId);
    assert.deepEqual([...lines].sort(), [...expected].sort(), 'ranks 1, 1 + k, 1 + 2k, …');
    assert.ok(parallel.includes(`One line for every k-th ranked trial by rank, k = ${k} (ranks 1, ${1 + k}, ${1 + 2 * k}, …): ${lines.length} of ${ranked.toLocaleString('en-US')}`));
    assert.match(parallel, /learning_rate \(log\)/, 'the continuous param on a value axis');
    const note = html.slice(html.indexOf('<p class="sampling">'), html.indexOf('</header>'));
    assert.match(note, /This sweep has 5,000 trials in 1,667 ranked configurations/);
    assert.match(note, new RegExp(`every k-th ranked trial by rank from rank 1, k = ${k}`));
  });

  test('deterministic: the same sweep gives the same bytes, and nothing draws random numbers', () => {
    const random = Math.random;
    Math.random = () => {
      throw new Error('the report must not use Math.random');
    };
    try {
      const again = largeView(N);
      assert.equal(renderReportHtml(again, buildLeaderboard(again)), html);
    } finally {
      Math.random = random;
    }
  });

  test('a configuration of many seeds is drawn as its mean curve', () => {
    const seeds = largeView(40).trials.map((t, i) => ({ ...t, params: { optimizer: 'adam' }, seed: i + 1, status: 'COMPLETED' as const, bestEpoch: t.epochs.length }));
    const v: SweepView = { ...largeView(0), trials: seeds };
    const page = renderReportHtml(v, buildLeaderboard(v));
    const groupCurves = sectionOf(page, 'group-curves');
    assert.equal(count(groupCurves, /class="legend-item"/g), 1, 'one line, not 40');
    assert.match(groupCurves, /mean of 40 seeds/);
    assert.match(groupCurves, /drawn as its mean curve: per epoch, the mean over the seeds that trained it/);
    // Epoch 1's point is the mean validation accuracy over the 40 seeds (which differ, so it is no one seed's).
    const mean = seeds.reduce((s, t) => s + t.epochs[0]!.val_accuracy!, 0) / seeds.length;
    assert.ok(Math.abs(mean - seeds[0]!.epochs[0]!.val_accuracy!) > 1e-3);
    assert.ok(groupCurves.includes(`<title>mean of 40 seeds validation — 1: ${Number(mean.toPrecision(3))}</title>`), 'the mean at epoch 1');
  });

  test('a small sweep shows everything and says nothing about sampling', () => {
    const small = largeView(18);
    const page = renderReportHtml(small, buildLeaderboard(small));
    assert.doesNotMatch(page, /class="sampling"|class="capped"|mean of/);
    assert.equal(count(sectionOf(page, 'trials'), /<tr>/g) - 1, 18);
    assert.equal(count(sectionOf(page, 'trial-curves'), /<details>/g), 18);
  });
});

describe('text leaderboard with row caps', () => {
  const view = largeView(600);
  const lb = buildLeaderboard(view);
  const dataRows = (text: string): string[] => text.split('\n').filter((l) => /^\s+(\d+|—)\s/.test(l));

  test('trials mode: the top N trials, then a line counting the rest by status and naming --all', () => {
    const text = renderTable(lb, { mode: 'trials', maxTrialRows: 20 });
    const rows = dataRows(text);
    assert.deepEqual(rows.map((r) => r.trim().split(/\s+/)[0]), Array.from({ length: 20 }, (_, i) => String(i + 1)));
    const failed = lb.trials.filter((t) => t.status === 'FAILED').length;
    assert.ok(text.includes(`… and 580 more trials (${580 - failed} completed, ${failed} failed): add --all to list them all (--csv and --json always do).`), text.slice(-300));
  });

  test('groups mode: capped groups, marginal levels and failure list, each with its count', () => {
    const text = renderTable(lb, { maxTrialRows: 5, maxGroupRows: 10 });
    const groupRows = text.slice(0, text.indexOf('… and')).split('\n').filter((l) => /^\s+\d+\s/.test(l));
    assert.equal(groupRows.length, 10);
    assert.match(text, /… and 190 more groups: add --all to list them all/);
    assert.match(text, /… 190 more levels/, 'the continuous param lists 10 of its 200 levels');
    assert.match(text, /12 failed trial\(s\):\n( {2}t\d{7} {2}trainer exited\n){5}… and 7 more failed trials: add --all/);
  });

  test('without caps every row is printed, and CSV always lists every trial', () => {
    assert.equal(dataRows(renderTable(lb, { mode: 'trials' })).length, 600);
    assert.doesNotMatch(renderTable(lb), /more groups|add --all/);
    assert.equal(renderCsv(lb, 'trials').split('\r\n').filter(Boolean).length, 601);
  });

  test('a cap must be a positive integer', () => {
    assert.throws(() => renderTable(lb, { mode: 'trials', maxTrialRows: 0 }), /maxTrialRows must be a positive integer, got 0/);
    assert.throws(() => renderTable(lb, { maxGroupRows: 2.5 }), /maxGroupRows must be a positive integer, got 2.5/);
    assert.throws(() => renderTable(lb, { mode: 'trials', maxGroupRows: -1 }), /maxGroupRows/, 'checked even where that table is not drawn');
  });
});
