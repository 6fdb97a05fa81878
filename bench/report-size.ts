/**
 * Report size benchmark (issue 14, "Sweeps of any size read well"): synthetic sweep views of 10,000 and 100,000
 * trials, each trial with `--epochs` epochs of plausible metrics, rendered by the real report entry points in
 * memory (no broker): `buildLeaderboard` + `renderReportHtml` (what `sweep report` runs) and `renderTable` (what
 * `sweep leaderboard` prints: groups mode, then trials mode capped to the top 20 rows).
 *
 * Two shapes per size:
 *   - repeats: one configuration run with N seeds (the 10,000-trial sleep sweep of the issue: `repeats: 10000`);
 *   - random: a random search, N/3 configurations × 3 seeds, with a continuous learning rate and dropout, a
 *     categorical optimizer and an integer depth (thousands of groups, thousands of levels per param).
 *
 * Each case runs in a child process of its own, so its peak RSS (resourceUsage().maxRSS) is its own.
 *
 *   npx tsx bench/report-size.ts [--trials 10000,100000] [--shapes repeats,random] [--epochs 20]
 *
 * Writes bench/results/report-size-<date>.json. Targets: ≤ 5 MB and ≤ 10 s at 10,000 trials, ≤ 15 MB at 100,000.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildLeaderboard, renderReportHtml, renderTable } from '../src/report/index.js';
import type { SweepView, TrialView } from '../src/report/types.js';
import type { EpochMetrics } from '../src/domain/metrics.js';
import type { Scalar } from '../src/domain/trial-config.js';
import { createRandom } from '../src/training/datasets/random.js';

type Shape = 'repeats' | 'random';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '10000,100000' },
    shapes: { type: 'string', default: 'repeats,random' },
    epochs: { type: 'string', default: '20' },
    case: { type: 'string' },
  },
});
const EPOCHS = Number(args.epochs);
const TARGET = { bytes10k: 5 * 1024 * 1024, seconds10k: 10, bytes100k: 15 * 1024 * 1024 };

const CLASSES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
// One set of sample pixels shared by every trial (as a loaded view would hold per trial, without 100k copies).
const PIXELS = Array.from({ length: 8 }, (_, s) => Array.from({ length: 28 * 28 }, (_, i) => (i * 7 + s * 31) % 256));

/** Epoch metrics of a run that learns towards `ceiling` at rate `speed`, with seeded noise. */
function epochsOf(ceiling: number, speed: number, lr0: number, rand: () => number, epochs: number): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, i) => {
    const e = i + 1;
    const progress = 1 - Math.exp(-speed * e);
    const noise = (rand() - 0.5) * 0.02;
    const accuracy = Math.min(0.999, 0.1 + (ceiling + 0.03 - 0.1) * progress + noise);
    const val_accuracy = Math.min(0.999, 0.1 + (ceiling - 0.1) * progress + noise * 1.5);
    return {
      epoch: e, loss: 2.3 * (1 - progress) + 0.05 + rand() * 0.01, accuracy, val_loss: 2.3 * (1 - progress) + 0.2 + rand() * 0.02,
      val_accuracy, val_auc: 0.5 + 0.5 * val_accuracy, lr: lr0 * (e > epochs / 2 ? 0.5 : 1), seconds: 0.05, images_per_sec: 1000,
    };
  });
}

function trialId(index: number): string {
  return createHash('sha256').update(`bench-report-${index}`).digest('hex').slice(0, 16);
}

/** A finished sweep of `n` trials; 1 % failed, the rest COMPLETED. */
function syntheticView(n: number, shape: Shape, epochs = EPOCHS): SweepView {
  const rand = createRandom(n * 7 + (shape === 'random' ? 1 : 0));
  const seeds = shape === 'repeats' ? n : 3;
  const trials: TrialView[] = [];
  for (let i = 0; i < n; i++) {
    const config = Math.floor(i / seeds);
    const seed = (i % seeds) + 1;
    const cfgRand = createRandom(config + 1);
    const lr = shape === 'repeats' ? 0.01 : Number((10 ** (-4 + 3 * cfgRand())).toPrecision(3));
    const params: Record<string, Scalar> =
      shape === 'repeats'
        ? { sleep_ms: 0 }
        : { optimizer: ['adam', 'sgd', 'rmsprop'][Math.floor(cfgRand() * 3)]!, learning_rate: lr, dropout: Number((cfgRand() * 0.5).toFixed(3)), depth: 1 + Math.floor(cfgRand() * 4) };
    const ceiling = 0.7 + 0.25 * cfgRand();
    const failed = rand() < 0.01;
    const ep = failed ? epochsOf(ceiling, 0.3, lr, rand, Math.floor(epochs / 2)) : epochsOf(ceiling, 0.15 + 0.2 * rand(), lr, rand, epochs);
    let best = ep[0]!;
    for (const e of ep) if ((e.val_accuracy ?? 0) > (best.val_accuracy ?? 0)) best = e;
    trials.push({
      id: trialId(i), status: failed ? 'FAILED' : 'COMPLETED', params, seed, epochs: ep, bestEpoch: failed ? null : best.epoch,
      durationMs: 1000 + Math.round(rand() * 100), plannedEpochs: epochs,
      ...(failed
        ? { error: 'trainer exited with code 137 (killed: out of memory?)' }
        : {
            classNames: CLASSES,
            confusionMatrix: CLASSES.map((_, r) => CLASSES.map((__, c) => (r === c ? 90 : 1))),
            samples: PIXELS.map((_, s) => ({ index: s, label: s % 10, predicted: (s * 3) % 10, probabilities: CLASSES.map((__, c) => (c === (s * 3) % 10 ? 0.91 : 0.01)) })),
            sampleImages: { shape: [28, 28, 1] as [number, number, number], pixels: PIXELS },
          }),
    });
  }
  return { id: `bench-${shape}-${n}`, name: `report size ${shape} ${n}`, objective: { metric: 'val_accuracy', goal: 'max' }, trials };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** One case, in this process: build the view, then time the renderers. Prints one JSON line. */
function runCase(n: number, shape: Shape): void {
  const view = syntheticView(n, shape);
  (globalThis as { gc?: () => void }).gc?.();
  const rssViewMB = mb(process.memoryUsage().rss);
  const t0 = performance.now();
  const lb = buildLeaderboard(view);
  const t1 = performance.now();
  const html = renderReportHtml(view, lb);
  const t2 = performance.now();
  const groupsText = renderTable(lb, { maxTrialRows: 20, maxGroupRows: 50 });
  const trialsText = renderTable(lb, { mode: 'trials', maxTrialRows: 20, maxGroupRows: 50 });
  const t3 = performance.now();
  const result = {
    trials: n, shape, epochs: EPOCHS, groups: lb.groups.length,
    htmlBytes: Buffer.byteLength(html), leaderboardSeconds: (t1 - t0) / 1000, htmlSeconds: (t2 - t1) / 1000,
    reportSeconds: (t2 - t0) / 1000,
    textBytes: { groups: Buffer.byteLength(groupsText), trials: Buffer.byteLength(trialsText) }, textLines: { groups: groupsText.split('\n').length, trials: trialsText.split('\n').length },
    textSeconds: (t3 - t2) / 1000,
    rssViewMB, peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function main(): void {
  if (args.case) {
    const [n, shape] = args.case.split(':');
    runCase(Number(n), shape as Shape);
    return;
  }
  const sizes = args.trials.split(',').map(Number);
  const shapes = args.shapes.split(',') as Shape[];
  const loadBefore = os.loadavg();
  const results: unknown[] = [];
  for (const n of sizes) {
    for (const shape of shapes) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), '--case', `${n}:${shape}`, '--epochs', String(EPOCHS)],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        console.error(`case ${n}:${shape} failed (exit ${child.status}):\n${child.stderr.slice(-2000)}`);
        results.push({ trials: n, shape, failed: true, exit: child.status });
        continue;
      }
      console.error(line);
      results.push(JSON.parse(line));
    }
  }
  const loadAfter = os.loadavg();
  const date = new Date().toISOString();
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  type Row = { trials: number; shape: string; htmlBytes: number; reportSeconds: number; peakRssMB: number; failed?: boolean };
  const rows = results as Row[];
  const ok = (r: Row): boolean =>
    !r.failed && (r.trials <= 10_000 ? r.htmlBytes <= TARGET.bytes10k && r.reportSeconds <= TARGET.seconds10k : r.htmlBytes <= TARGET.bytes100k);
  const targetsMet = rows.every(ok);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  const file = join(import.meta.dirname, 'results', `report-size-${date.slice(0, 19).replace(/[:T]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date, machine, loadavg: { before: loadBefore, after: loadAfter }, epochs: EPOCHS, targets: TARGET, targetsMet, results }, null, 2) + '\n');
  const cells = rows.map((r) => (r.failed ? `${r.shape}@${r.trials}=failed` : `${r.shape}@${r.trials}=${mb(r.htmlBytes)}MB/${r.reportSeconds.toFixed(2)}s/${r.peakRssMB}MB-rss`));
  console.log(`REPORT SIZE: ${cells.join(' ')} load=${loadBefore[0]!.toFixed(2)}→${loadAfter[0]!.toFixed(2)} targets=${targetsMet ? 'met' : 'MISSED'} (${file})`);
}

main();
