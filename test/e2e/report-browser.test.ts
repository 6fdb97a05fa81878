// Renders the HTML report of a sweep trained for real (2 regularizers × 2 seeds of a tiny VGG on synthetic
// images, tfjs cpu backend, plus a third regularizer's 2 seeds stopped by an ASHA scheduler after 2 of their 3
// epochs), opens it in headless Chromium and checks that every chart drew, that the pruned curves are marked
// and that the scheduler's rungs are drawn.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { chromium, type Browser } from 'playwright-core';
import { buildLeaderboard } from '../../src/report/leaderboard/build-leaderboard.js';
import { renderReportHtml } from '../../src/report/html/render-report-html.js';
import type { SweepView, TrialView } from '../../src/report/types.js';
import { aTrialView } from '../helpers/trial-record-builder.js';
import type { Regularizer, SyntheticDatasetOptions, TrialConfig } from '../../src/domain/trial-config.js';
import type { SchedulerConfig } from '../../src/domain/scheduler.js';
import { trialId } from '../../src/spec/trial-id.js';
import { trainTrial } from '../../src/training/engine.js';
import { makeSyntheticDataset } from '../../src/training/datasets/synthetic.js';
import type { Dataset } from '../../src/training/datasets/types.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT_DIR = 'test-output';
/** Rungs at epochs 1 and 2 (1 × 2^k ≤ 3); the pruned group stops at the second. */
const ASHA: SchedulerConfig = { type: 'asha', metric: 'val_accuracy', goal: 'max', grace_epochs: 1, reduction_factor: 2, max_epochs: 3 };
const PLANNED_EPOCHS = 3;
const PRUNED_AT = 2;
const SYNTHETIC: SyntheticDatasetOptions = { height: 8, width: 8, channels: 3, classes: 4, train_size: 128, validation_size: 48, noise: 0.4 };

function config(regularizer: Regularizer, seed: number): TrialConfig {
  return {
    version: 1,
    model: { family: 'vgg', depth: 1, regularizer, dropout_rate: 0.2, dense_dropout_rate: 0.3, dense_units: 8, sleep_ms: 0 },
    optimizer: { name: 'adam', learning_rate: 0.004, momentum: 0.9 },
    training: {
      epochs: 3,
      batch_size: 32,
      reduce_lr_on_plateau: { monitor: 'val_loss', factor: 0.5, patience: 0, min_lr: 0, cooldown: 0, min_delta: 0.1 },
      early_stopping: null,
    },
    dataset: { name: 'synthetic', validation: 'test', normalize: 'scale', subset: { train: null, validation: null }, synthetic: SYNTHETIC },
    seed,
    params: { regularizer },
  };
}

/** What the coordinator records for a finished trial: the training result plus the sample images' pixels. */
async function trainToView(cfg: TrialConfig, dataset: Dataset): Promise<TrialView> {
  const started = performance.now();
  const result = await trainTrial({ config: cfg, dataset });
  (result.model as { dispose?: () => void } | undefined)?.dispose?.();
  const pixelsPerImage = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  return {
    id: trialId(cfg),
    status: 'COMPLETED',
    plannedEpochs: PLANNED_EPOCHS,
    params: cfg.params,
    seed: cfg.seed,
    epochs: result.epochs,
    bestEpoch: result.bestEpoch,
    durationMs: performance.now() - started,
    classNames: dataset.classNames,
    confusionMatrix: result.confusionMatrix,
    samples: result.samples,
    sampleImages: {
      shape: dataset.shape,
      pixels: result.samples.map((s) => Array.from(dataset.validation.images.subarray(s.index * pixelsPerImage, (s.index + 1) * pixelsPerImage))),
    },
  };
}

async function trainedSweep(): Promise<SweepView> {
  await tf.setBackend('cpu');
  await tf.ready();
  const dataset = makeSyntheticDataset(SYNTHETIC, 11);
  const trials: TrialView[] = [];
  for (const regularizer of ['batchnorm', 'dropout'] as const) {
    for (const seed of [1, 2]) trials.push(await trainToView(config(regularizer, seed), dataset));
  }
  // The scheduler stopped regularizer=none at the rung of epoch 2: what the worker records is the epochs it trained.
  for (const seed of [1, 2]) {
    const full = config('none', seed);
    const cut = await trainToView({ ...full, training: { ...full.training, epochs: PRUNED_AT } }, dataset);
    trials.push({ ...cut, id: trialId(full), status: 'PRUNED' });
  }
  const winner = trials[0]!;
  // The report must escape what it shows: a failure message with markup in it.
  trials.push(aTrialView({
    id: 'f00dfeed00000000', status: 'FAILED', params: { regularizer: 'none' }, durationMs: 1200, plannedEpochs: PLANNED_EPOCHS,
    error: 'worker crashed: <script>window.__pwned = true</script> & gave up after 5 deliveries',
  }));
  // Input fixture for the ONNX table (the exporter's verifier produces these fields; no export runs here).
  winner.onnx = { ok: true, maxAbsDiff: 3.1e-8, top1Agreement: 1, ortP50Ms: 0.21, ortP99Ms: 0.42, tfjsP50Ms: 1.9, speedup: 9.05, file: `models/${winner.id}.onnx` };
  return { id: 'report-e2e', name: 'report <e2e> & escaping', objective: { metric: 'val_accuracy', goal: 'max' }, scheduler: ASHA, trials };
}

interface PageFacts {
  title: string;
  pwned: boolean;
  scripts: number;
  errorCell: string;
  charts: Array<{ label: string | null; paths: number; rects: number; width: number }>;
  lineCharts: number;
  images: Array<{ ok: boolean; w: number }>;
  groupRows: number;
  trialRows: number;
  onnxRows: number;
  earlyTermination: string;
  prunedRows: string[];
  prunedTrialStatuses: string[];
  /** Drawn pruned lines (faded: their computed opacity) and their × markers' tooltips. */
  prunedSeries: Array<{ length: number; opacity: string }>;
  pruneMarkers: string[];
  prunedLegend: string[];
  /** Per line chart: the rung lines' epochs, and whether each is a dashed vertical inside the plot frame. */
  rungCharts: Array<{ epochs: string[]; ok: boolean[]; xs: number[] }>;
}

// Page-side code as strings: the tsx transform would inject helpers (__name) into inline functions.
const PAGE_FACTS = `(() => {
  const svgs = [...document.querySelectorAll('svg.chart')];
  return {
    title: document.title,
    pwned: window.__pwned === true,
    scripts: document.querySelectorAll('script').length,
    errorCell: [...document.querySelectorAll('td.error')].map((e) => e.textContent || '').join(' '),
    charts: svgs.map((s) => ({
      label: s.getAttribute('aria-label'),
      paths: [...s.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 10 && p.getTotalLength() > 0).length,
      rects: s.querySelectorAll('rect.cm-cell').length,
      width: s.getBoundingClientRect().width,
    })),
    lineCharts: svgs.filter((s) => ['Accuracy', 'Loss', 'Learning rate'].includes(s.getAttribute('aria-label') || '')).length,
    images: [...document.querySelectorAll('img.sample')].map((i) => ({ ok: i.complete, w: i.naturalWidth })),
    groupRows: document.querySelectorAll('#groups tbody tr').length,
    trialRows: document.querySelectorAll('#trials tbody tr').length,
    onnxRows: document.querySelectorAll('#onnx tbody tr').length,
    earlyTermination: document.querySelector('header .early-termination')?.textContent || '',
    prunedRows: [...document.querySelectorAll('#pruned tbody tr')].map((r) => r.textContent || ''),
    prunedTrialStatuses: [...document.querySelectorAll('#trials td.status.pruned')].map((td) => (td.parentElement.firstElementChild.textContent || '') + ' ' + (td.textContent || '')),
    prunedSeries: [...document.querySelectorAll('path.series.pruned')].map((p) => ({ length: p.getTotalLength(), opacity: getComputedStyle(p).opacity })),
    pruneMarkers: [...document.querySelectorAll('path.prune-marker')].map((p) => (p.getTotalLength() > 0 ? p.querySelector('title')?.textContent || '' : 'not drawn')),
    prunedLegend: [...document.querySelectorAll('.legend-item.pruned')].map((e) => e.textContent || ''),
    rungCharts: svgs.filter((s) => ['Accuracy', 'Loss', 'Learning rate'].includes(s.getAttribute('aria-label') || '')).map((s) => {
      const frame = s.querySelector('rect.frame').getBBox();
      const lines = [...s.querySelectorAll('line.rung')];
      return {
        epochs: lines.map((l) => l.getAttribute('data-epoch')),
        xs: lines.map((l) => l.x1.baseVal.value),
        ok: lines.map((l) => {
          const x1 = l.x1.baseVal.value, x2 = l.x2.baseVal.value, y1 = l.y1.baseVal.value, y2 = l.y2.baseVal.value;
          return x1 === x2 && x1 >= frame.x && x1 <= frame.x + frame.width && y1 === frame.y && y2 === frame.y + frame.height &&
            getComputedStyle(l).strokeDasharray !== 'none' && l.getBoundingClientRect().height > 0;
        }),
      };
    }),
  };
})()`;

const DISTINCT_COLOURS_OF_FIRST_SAMPLE = `(() => {
  const img = document.querySelector('img.sample');
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const distinct = new Set();
  for (let i = 0; i < data.length; i += 4) distinct.add(data[i] * 65536 + data[i + 1] * 256 + data[i + 2]);
  return distinct.size;
})()`;

function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

describe('HTML report in headless Chromium', () => {
  const missing = browserMissing();
  if (missing !== null && process.env.CI !== 'true') {
    test('report renders in Chromium', { skip: missing }, () => {});
    console.log(`skipping the browser test: ${missing}`);
    return;
  }

  let browser: Browser;
  before(async () => {
    assert.equal(missing, null, `${missing} — CI=true requires the browser`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  test('every chart draws, text is escaped, nothing loads from the network', { timeout: 240_000 }, async () => {
    const trainingStarted = performance.now();
    const view = await trainedSweep();
    console.log(`trained 6 trials in ${((performance.now() - trainingStarted) / 1000).toFixed(1)} s`);
    const lb = buildLeaderboard(view);
    const html = renderReportHtml(view, lb);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const file = join(OUTPUT_DIR, 'report.html');
    writeFileSync(file, html);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('request', (r) => { if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(`file://${join(process.cwd(), file)}`, { waitUntil: 'load' });
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));

    const facts = await page.evaluate<PageFacts>(PAGE_FACTS);

    assert.deepEqual(consoleErrors, [], 'console errors');
    assert.deepEqual(requests, [], 'the report must not fetch anything');
    assert.equal(facts.title, 'Sweep report: report <e2e> & escaping');
    assert.equal(facts.pwned, false, 'markup in an error message must not execute');
    assert.equal(facts.scripts, 0);
    assert.match(facts.errorCell, /<script>window.__pwned = true<\/script> & gave up/);
    assert.equal(facts.groupRows, 2);
    assert.equal(facts.trialRows, 7);
    assert.equal(facts.onnxRows, 1);
    // 3 panels for each of 2 ranked groups, the pruned group and each of the 6 trained trials.
    assert.equal(facts.lineCharts, 3 * (2 + 1 + 6));
    for (const chart of facts.charts) {
      assert.ok(chart.width > 100, `${chart.label} has no size`);
      if (chart.label === 'confusion matrix') assert.equal(chart.rects, 16, 'a 4×4 heatmap');
      else assert.ok(chart.paths > 0, `${chart.label} drew no lines`);
    }
    assert.ok(facts.charts.some((c) => c.label === 'parallel coordinates' && c.paths === 4), 'one parallel-coordinates line per ranked trial');
    assert.ok(facts.images.length >= 2, 'sample images of the top models');
    for (const img of facts.images) assert.ok(img.ok && img.w === 8, `sample image decoded (${JSON.stringify(img)})`);

    // Early termination: the summary line, the pruned group apart and unranked, its curves marked, the rungs drawn.
    const trained = view.trials.reduce((sum, t) => sum + t.epochs.length, 0);
    assert.equal(trained, 4 * PLANNED_EPOCHS + 2 * PRUNED_AT);
    assert.equal(facts.earlyTermination,
      `early termination (asha): ${trained} of ${7 * PLANNED_EPOCHS} epochs trained (${Math.round((trained / (7 * PLANNED_EPOCHS)) * 100)} %), 1 of 3 groups pruned`);
    assert.equal(facts.prunedRows.length, 1);
    assert.match(facts.prunedRows[0]!, /^none2(2 1|1 2)2[01]\.\d{4}pruned at epoch 2$/);
    assert.deepEqual(facts.prunedTrialStatuses, ['— PRUNED at epoch 2', '— PRUNED at epoch 2']);
    // 2 pruned trials × (train + validation in 2 panels + learning rate) = 5 lines each, drawn in the group's
    // panels and in each trial's own.
    assert.equal(facts.prunedSeries.length, 2 * 5 * 2);
    for (const line of facts.prunedSeries) assert.ok(line.length > 0 && line.opacity === '0.45', `a faded pruned line (${JSON.stringify(line)})`);
    assert.equal(facts.pruneMarkers.length, facts.prunedSeries.length, 'every pruned line ends in a ×');
    for (const title of facts.pruneMarkers) assert.match(title, /seed [12]\)?( train| validation)? — pruned at epoch 2$/);
    assert.equal(facts.prunedLegend.length, 2 + 2, 'the pruned group\'s legend and each pruned trial\'s');
    for (const item of facts.prunedLegend) assert.match(item, /pruned at epoch 2$/);
    assert.equal(facts.rungCharts.length, facts.lineCharts);
    for (const chart of facts.rungCharts) {
      assert.deepEqual(chart.epochs, ['1', '2'], 'the rungs at epochs 1 and 2 in every learning-curve panel');
      assert.deepEqual(chart.ok, [true, true], 'each rung is a dashed vertical across the plot');
      assert.ok(chart.xs[0]! < chart.xs[1]!);
    }

    const imagePixels = await page.evaluate<number>(DISTINCT_COLOURS_OF_FIRST_SAMPLE);
    assert.ok(imagePixels > 8, `a sample image shows a picture, not a flat colour (${imagePixels} distinct colours)`);

    await page.screenshot({ path: join(OUTPUT_DIR, 'report.png'), fullPage: true });
    await page.close();
  });
});
