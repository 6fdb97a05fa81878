import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import { renderTable } from '../../src/report/render/render-table.js';
import { renderCsv, csvField } from '../../src/report/render/render-csv.js';
import { renderJson } from '../../src/report/render/render-json.js';
import { encodePng } from '../../src/report/html/png.js';
import { renderReportHtml } from '../../src/report/html/render-report-html.js';
import type { Scalar } from '../../src/domain/trial-config.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView, anEpoch } from '../helpers/trial-record-builder.js';
import { inflateSync } from 'node:zlib';

function trial(id: string, params: Record<string, Scalar>, seed: number, acc: number, extra: Partial<TrialView> = {}): TrialView {
  return aTrialView({
    id, params, seed, bestEpoch: 1, durationMs: 83_000,
    epochs: [anEpoch(1, { loss: 0.5, accuracy: acc, val_loss: 1 - acc, val_accuracy: acc, val_auc: 0.9, lr: 0.01, images_per_sec: 10 })],
    ...extra,
  });
}

function view(): SweepView {
  return {
    id: 'render', name: 'render test', objective: { metric: 'val_accuracy', goal: 'max' },
    trials: [
      trial('a1aaaaaaaaaa', { opt: 'adam, "fast"' }, 1, 0.9), trial('a2aaaaaaaaaa', { opt: 'adam, "fast"' }, 2, 0.92),
      trial('b1bbbbbbbbbb', { opt: 'sgd' }, 1, 0.7), trial('b2bbbbbbbbbb', { opt: 'sgd' }, 2, 0.71),
      trial('c1cccccccccc', { opt: 'rmsprop' }, 1, 0.8),
      trial('f1ffffffffff', { opt: 'sgd' }, 3, 0, { status: 'FAILED', epochs: [], bestEpoch: null, error: 'line one\nline "two", end' }),
    ],
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('text table', () => {
  test('columns line up and there is no colour unless asked', () => {
    const text = renderTable(buildLeaderboard(view()), { color: false, mode: 'trials' });
    assert.doesNotMatch(text, ANSI);
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('rank'))!;
    const rows = lines.filter((l) => /^\s+(\d+|—)\s/.test(l));
    assert.equal(rows.length, 6);
    // Every row has its status in the column that starts where the header's "status" starts.
    const statusAt = header.indexOf('status');
    for (const row of rows) assert.match(row.slice(statusAt), /^(COMPLETED|FAILED)/, row);
    assert.match(rows.at(-1)!, /FAILED\s+line one line "two", end$/);
  });

  test('colour codes do not move columns', () => {
    const lb = buildLeaderboard(view());
    const plain = renderTable(lb, { color: false });
    const coloured = renderTable(lb, { color: true });
    assert.match(coloured, ANSI);
    assert.equal(coloured.replace(ANSI, ''), plain);
  });

  test('groups mode: verdicts, n=1 and the legend', () => {
    const text = renderTable(buildLeaderboard(view()));
    assert.match(text, /adam, "fast"\s+2\s+0\.9100 ± 0\.0141.*best/);
    assert.match(text, /rmsprop\s+1\s+0\.8000\s+n=1, no CI.*n=1, no test/);
    assert.match(text, /sgd\s+2\s+0\.7050 ± 0\.0071.*worse/);
    assert.match(text, /1 failed trial\(s\):\n {2}f1ffffff {2}line one line "two", end/);
  });

  test('top N limits rows but keeps failures visible', () => {
    const lb = buildLeaderboard(view(), { top: 2 });
    const rows = renderTable(lb, { mode: 'trials' }).split('\n').filter((l) => /^\s+(\d+|—)\s/.test(l));
    assert.deepEqual(rows.map((r) => r.trim().split(/\s+/)[0]), ['1', '2', '—']);
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(0.5), '0.5');
  });

  test('trials and groups with CRLF records and quoted fields', () => {
    const lb = buildLeaderboard(view());
    const trials = renderCsv(lb, 'trials');
    const records = trials.split('\r\n');
    assert.equal(records[0], 'rank,trial_id,opt,seed,objective,val_accuracy,val_loss,val_auc,best_epoch,epochs_run,duration_ms,status,error');
    assert.match(records[1]!, /^1,a2aaaaaaaaaa,"adam, ""fast""",2,0\.92,/);
    assert.ok(trials.endsWith(',FAILED,"line one\nline ""two"", end"\r\n'));
    const groups = renderCsv(lb).split('\r\n');
    assert.match(groups[0]!, /^rank,group,opt,n,seeds,objective_mean,objective_std,objective_ci95_low/);
    assert.match(groups[3]!, /^3,opt=sgd,sgd,2,2 1,0\.705,/);
    assert.match(groups[3]!, /,worse$/);
  });
});

describe('JSON', () => {
  test('round-trips with the documented schema fields', () => {
    const lb = buildLeaderboard(view());
    const parsed = JSON.parse(renderJson(lb)) as Record<string, unknown>;
    assert.equal(parsed.schemaVersion, 1);
    assert.deepEqual(Object.keys(parsed).sort(), [
      'defaultMode', 'earlyTermination', 'findings', 'groupBy', 'groups', 'marginals', 'objective', 'pruned', 'schemaVersion', 'sweepId',
      'sweepName', 'sweptParams', 'top', 'trials',
    ]);
    assert.deepEqual(parsed.pruned, []);
    assert.equal(parsed.earlyTermination, null);
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(lb)));
    const rmsprop = (parsed.groups as Array<{ key: string; objective: { std: unknown; ci95: unknown } }>).find((g) => g.key === 'opt=rmsprop')!;
    assert.equal(rmsprop.objective.std, null);
    assert.equal(rmsprop.objective.ci95, null);
  });
});

describe('PNG encoder', () => {
  test('writes a valid header and the exact pixels', () => {
    const pixels = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]; // 2×2 RGB
    const png = encodePng(2, 2, 3, pixels);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('ascii', 12, 16), 'IHDR');
    assert.equal(png.readUInt32BE(16), 2);
    // IHDR CRC of this exact header, computed with Python's zlib.crc32.
    assert.equal(png.readUInt32BE(29), 0xfd_d4_9a_73);
    const idatLength = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    assert.deepEqual([...raw], [0, 0, 10, 20, 30, 40, 50, 0, 60, 70, 80, 90, 100, 110]);
    assert.throws(() => encodePng(2, 2, 3, [1, 2]), /expected 2×2×3 = 12 values, got 2/);
  });
});

describe('HTML report', () => {
  test('escapes every user-provided string', () => {
    const v = view();
    v.name = '<img src=x onerror=alert(1)>';
    v.trials[0]!.params = { opt: '<b>bold</b>' };
    const html = renderReportHtml(v, buildLeaderboard(v));
    assert.doesNotMatch(html, /<img src=x/);
    assert.doesNotMatch(html, /<b>bold/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no external resources');
  });
});

describe('pruned trials (early termination)', () => {
  const ASHA = { type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 2, max_epochs: 4 } as const;

  /** `accs.length` epochs, val_accuracy = accs[i]; metrics are taken at the last epoch for a pruned trial. */
  function prunedTrial(id: string, params: Record<string, Scalar>, seed: number, accs: number[]): TrialView {
    return aTrialView({
      id, params, seed, status: 'PRUNED', bestEpoch: 1, durationMs: 20_000, plannedEpochs: 4,
      epochs: accs.map((acc, i) => anEpoch(i + 1, { loss: 0.5, accuracy: acc, val_loss: 1 - acc, val_accuracy: acc, val_auc: 0.8, lr: 0.01 })),
    });
  }

  /** view(), every finished trial planned for 4 epochs and trained 1, plus group opt=sgd-nesterov pruned at epoch 2. */
  function prunedView(): SweepView {
    const v = view();
    v.scheduler = { ...ASHA };
    v.trials = [
      ...v.trials.map((t) => ({ ...t, plannedEpochs: 4 })),
      prunedTrial('p1pppppppppp', { opt: 'sgd-nesterov' }, 1, [0.5, 0.6]),
      prunedTrial('p2pppppppppp', { opt: 'sgd-nesterov' }, 2, [0.55, 0.64]),
    ];
    return v;
  }
  // 5 finished trials × 1 epoch + 2 pruned × 2 epochs (the failed one trained none) = 9 of 8 × 4 = 32.
  const SUMMARY = 'early termination (asha): 9 of 32 epochs trained (28 %), 1 of 4 groups pruned';

  test('table, groups mode: the summary line, and pruned groups apart with rung, value and label, no rank', () => {
    const text = renderTable(buildLeaderboard(prunedView()));
    const lines = text.split('\n');
    assert.equal(lines[1], SUMMARY);
    const caption = lines.findIndex((l) => l.startsWith('Stopped early by the scheduler'));
    assert.ok(caption > 0, text);
    assert.ok(lines.findIndex((l) => /verdict/.test(l)) < caption, 'after the ranked groups');
    assert.match(lines[caption + 2]!, /^opt\s+n\s+rung\s+val_accuracy at rung\s+status$/);
    // Mean of 0.6 and 0.64 at epoch 2.
    assert.match(lines[caption + 4]!, /^sgd-nesterov\s+2\s+2\s+0\.6200\s+pruned at epoch 2$/);
    // The ranked groups table is untouched: three ranks, the verdicts only among them.
    const ranked = lines.slice(0, caption).filter((l) => /^\s+\d+\s/.test(l));
    assert.equal(ranked.length, 3);
    assert.ok(!ranked.some((l) => l.includes('sgd-nesterov')));
  });

  test('table, trials mode: pruned rows after the ranked ones, no rank, status says where', () => {
    const text = renderTable(buildLeaderboard(prunedView()), { mode: 'trials' });
    const rows = text.split('\n').filter((l) => /^\s+(\d+|—)\s/.test(l));
    assert.deepEqual(rows.map((r) => r.trim().split(/\s+/).slice(0, 2).join(' ')), [
      '1 a2aaaaaa', '2 a1aaaaaa', '3 c1cccccc', '4 b2bbbbbb', '5 b1bbbbbb', '— p2pppppp', '— p1pppppp', '— f1ffffff',
    ]);
    assert.match(rows[5]!, /sgd-nesterov\s+2\s+0\.6400\s+0\.3600\s+0\.8000\s+2\s+2\s+20s\s+PRUNED at epoch 2/);
  });

  test('top N hides pruned rows (they are never among the best) but keeps the summary', () => {
    const lb = buildLeaderboard(prunedView(), { top: 2 });
    const groups = renderTable(lb);
    assert.ok(groups.includes(SUMMARY));
    assert.doesNotMatch(groups, /sgd-nesterov/);
    assert.doesNotMatch(renderTable(lb, { mode: 'trials' }), /PRUNED/);
    assert.doesNotMatch(renderCsv(lb), /pruned/);
  });

  test('CSV: pruned_at_epoch for trials; pruned groups with empty rank and statistics, rung and value', () => {
    const lb = buildLeaderboard(prunedView());
    const trials = renderCsv(lb, 'trials').split('\r\n');
    assert.equal(trials[0], 'rank,trial_id,opt,seed,objective,val_accuracy,val_loss,val_auc,best_epoch,epochs_run,duration_ms,status,error,pruned_at_epoch');
    assert.equal(trials[1]!.split(',').at(-1), '', 'a ranked trial has no pruned_at_epoch');
    assert.equal(trials[6], ',p2pppppppppp,sgd-nesterov,2,0.64,0.64,0.36,0.8,2,2,20000,PRUNED,,2');
    const groups = renderCsv(lb).split('\r\n');
    const header = groups[0]!.split(',');
    assert.deepEqual(header.slice(-3), ['verdict', 'pruned_at_epoch', 'value_at_rung']);
    assert.match(groups[1]!, /,best,,$/, 'ranked groups leave the pruned columns empty');
    const row = groups[4]!.split(',');
    assert.equal(row.length, header.length);
    assert.deepEqual(row.slice(0, 5), ['', 'opt=sgd-nesterov', 'sgd-nesterov', '2', '2 1']);
    assert.ok(row.slice(5, -3).every((f) => f === ''), 'no statistics, no tests');
    assert.deepEqual(row.slice(-3), ['pruned at epoch 2', '2', '0.62']);
    assert.equal(groups[5], '');
  });

  test('CSV shape without pruned trials is unchanged', () => {
    assert.doesNotMatch(renderCsv(buildLeaderboard(view()), 'trials'), /pruned/);
    assert.doesNotMatch(renderCsv(buildLeaderboard(view())), /pruned/);
  });

  test('JSON: a pruned section with rung and value, prunedAt on trials, the summary', () => {
    const parsed = JSON.parse(renderJson(buildLeaderboard(prunedView()))) as {
      pruned: Array<Record<string, unknown>>; groups: unknown[]; trials: Array<{ id: string; rank: unknown; prunedAt: unknown; objective: unknown }>;
      earlyTermination: Record<string, unknown>;
    };
    assert.equal(parsed.groups.length, 3);
    assert.equal(parsed.pruned.length, 1);
    const p = parsed.pruned[0]!;
    assert.deepEqual({ ...p, value: undefined }, {
      key: 'opt=sgd-nesterov', params: { opt: 'sgd-nesterov' }, trialIds: ['p2pppppppppp', 'p1pppppppppp'], seeds: [2, 1], n: 2,
      rung: 2, value: undefined, valueN: 2, label: 'pruned at epoch 2',
    });
    assert.ok(Math.abs((p.value as number) - 0.62) < 1e-12);
    const p2 = parsed.trials.find((t) => t.id === 'p2pppppppppp')!;
    assert.deepEqual([p2.rank, p2.prunedAt, p2.objective], [null, 2, 0.64]);
    assert.equal(parsed.trials.find((t) => t.id === 'a1aaaaaaaaaa')!.prunedAt, null);
    assert.equal(parsed.earlyTermination.line, SUMMARY);
    assert.deepEqual([parsed.earlyTermination.epochsTrained, parsed.earlyTermination.epochsPlanned], [9, 32]);
  });

  test('HTML: summary line, pruned section, marked curves and the ASHA rungs', () => {
    const v = prunedView();
    const html = renderReportHtml(v, buildLeaderboard(v));
    assert.ok(html.includes(`<p class="early-termination">${SUMMARY}</p>`));
    assert.match(html, /<section id="pruned">/);
    assert.match(html, /<td class="status pruned">pruned at epoch 2<\/td>/);
    assert.match(html, /<td class="status pruned">PRUNED at epoch 2<\/td>/);
    assert.match(html, /<path class="series pruned"[^>]*><title>seed 1 validation — pruned at epoch 2<\/title>/);
    assert.match(html, /<path class="prune-marker"/);
    // grace 1, η 2, max 4: rungs at epochs 1, 2 and 4; the x axes span epochs 1–2 (pruned) or just 1.
    assert.match(html, /<line class="rung" data-epoch="2"/);
    assert.doesNotMatch(html, /data-epoch="4"/, 'a rung beyond the plotted epochs is not drawn');
    const noScheduler = { ...v, scheduler: null };
    assert.doesNotMatch(renderReportHtml(noScheduler, buildLeaderboard(noScheduler)), /class="rung"/);
    const median = { ...v, scheduler: { type: 'median', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, min_groups: 3 } as const };
    assert.doesNotMatch(renderReportHtml(median, buildLeaderboard(median)), /class="rung"/, 'median stopping has no rungs');
    const plain = renderReportHtml(view(), buildLeaderboard(view()));
    assert.doesNotMatch(plain, /<p class="early-termination"|<section id="pruned"|<path class="prune-marker"|class="series pruned"/);
  });

  test('HTML: a pruned group name is escaped', () => {
    const v = prunedView();
    v.trials = v.trials.map((t) => (t.status === 'PRUNED' ? { ...t, params: { opt: '<i>x</i>' } } : t));
    const html = renderReportHtml(v, buildLeaderboard(v));
    assert.doesNotMatch(html, /<i>x/);
    assert.match(html, /&lt;i&gt;x&lt;\/i&gt;/);
  });
});
