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
    assert.deepEqual(Object.keys(parsed).sort(), ['defaultMode', 'groupBy', 'groups', 'marginals', 'objective', 'schemaVersion', 'sweepId', 'sweepName', 'sweptParams', 'top', 'trials']);
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
