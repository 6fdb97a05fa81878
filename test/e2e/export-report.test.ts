// A real quick sweep (synthetic.yaml: export top 1) on a real nats-server with one worker process, then the
// ONNX export, predict and report commands on its results.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerSuite } from '../helpers/nats-server.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { TrialStore } from '../../src/transport/trial-store.js';
import { ModelStore } from '../../src/transport/model-store.js';
import { isProgramCheck, type AnyOnnxRecord, type OnnxRecord } from '../../src/domain/onnx.js';
import type { TrialRecord } from '../../src/domain/trial-record.js';
import { readOnnxModelInfo } from '../../src/export/onnx-model-info.js';
import { encodePng } from '../../src/report/html/png.js';

const SPEC = join(REPO_ROOT, 'sweeps', 'synthetic.yaml');
const SWEEP = 'synthetic-quick';

function assertVerifiedCheck(onnx: AnyOnnxRecord | null, what: string): asserts onnx is OnnxRecord {
  assert.ok(onnx, `${what}: the trial record has no onnx`);
  assert.ok(!isProgramCheck(onnx), `${what}: a parity check, not a program model's`);
  assert.equal(onnx.ok, true, `${what}: verification failed`);
  assert.ok(onnx.maxAbsDiff >= 0 && onnx.maxAbsDiff <= 1e-4, `${what}: max |Δ| ${onnx.maxAbsDiff}`);
  assert.equal(onnx.top1Agreement, 1, `${what}: 64 validation images must all agree`);
  assert.ok(onnx.ortP50Ms > 0 && onnx.ortP99Ms >= onnx.ortP50Ms, `${what}: ORT latency ${onnx.ortP50Ms}/${onnx.ortP99Ms}`);
  assert.ok(onnx.tfjsP50Ms > 0 && Math.abs(onnx.speedup - onnx.tfjsP50Ms / onnx.ortP50Ms) < 1e-9, `${what}: speed-up`);
  assert.ok(onnx.ref.bytes > 0 && /^[0-9a-f]{64}$/.test(onnx.ref.sha256), `${what}: object-store ref`);
}

describe('ONNX export, predict and report on a real sweep', () => {
  const broker = brokerSuite();
  let workDir: string;
  let records: Map<string, TrialRecord>;
  let winner: TrialRecord;
  let other: TrialRecord;
  let firstLeaderboard = '';
  const cli = (args: string[]) => runCli([...args, '--nats', broker.url, '--state-dir', join(workDir, '.sweep')], { cwd: workDir, timeoutMs: 120_000 });
  const snapshot = async () => (await TrialStore.open(broker.nc)).snapshot(SWEEP);

  before(() => {
    workDir = broker.tempDir('sweep-export-e2e-');
  });

  test('launch exports the best trial (spec export: top 1), verified by onnxruntime, and shows it in the leaderboard', async () => {
    const res = await cli(['launch', SPEC, '--quick', '--workers', '1', '--backend', 'wasm']);
    assert.equal(res.code, 0, res.stderr);
    firstLeaderboard = res.stdout;
    records = await snapshot();
    assert.equal(records.size, 2);
    const exported = [...records.values()].filter((r) => r.onnx !== null);
    assert.equal(exported.length, 1, 'exactly the top 1 trial is exported');
    winner = exported[0]!;
    other = [...records.values()].find((r) => r !== winner)!;
    const best = Math.max(...[...records.values()].map((r) => r.epochs.at(-1)!.val_accuracy!));
    assert.equal(winner.epochs.at(-1)!.val_accuracy, best, 'the exported trial is the one ranked first');
    assertVerifiedCheck(winner.onnx, 'auto export');

    const file = join(workDir, 'exports', SWEEP, `${winner.trialId}.onnx`);
    assert.match(res.stderr, new RegExp(`exported ${winner.trialId.slice(0, 8)} to exports/${SWEEP}/${winner.trialId}\\.onnx \\(onnx ok\\)`));
    const bytes = readFileSync(file);
    const stored = await (await ModelStore.open(broker.nc)).getOnnx(winner.onnx.ref);
    assert.ok(stored && Buffer.from(stored).equals(bytes), 'the object store holds the same ONNX bytes as the file');

    const info = readOnnxModelInfo(bytes, file);
    assert.deepEqual(info.inputShape, [16, 16, 1]);
    assert.equal(info.metadata.sweep, SWEEP);
    assert.equal(info.metadata.trial, winner.trialId);
    assert.equal(info.metadata.normalize, 'scale');
    assert.equal(info.metadata.source_backend, 'wasm');
    assert.deepEqual(JSON.parse(info.metadata.class_names!), winner.result!.classNames);
    assert.deepEqual(JSON.parse(info.metadata.params!), winner.params);
    assert.equal((JSON.parse(info.metadata.metrics!) as { epoch: number }).epoch, 1);

    // The verification ran on the validation split the worker evaluated, normalized the same way: same accuracy.
    const report = JSON.parse(readFileSync(join(workDir, 'exports', SWEEP, `${winner.trialId}.json`), 'utf8')) as {
      verification: { images: number; ortAccuracy: number; tfjsAccuracy: number; tfjsBackend: string };
    };
    assert.equal(report.verification.images, 64);
    assert.equal(report.verification.tfjsBackend, 'wasm');
    assert.equal(report.verification.ortAccuracy, winner.epochs.at(-1)!.val_accuracy);
    assert.equal(report.verification.tfjsAccuracy, winner.epochs.at(-1)!.val_accuracy);

    const header = res.stdout.split('\n').find((l) => l.includes('regularizer'));
    assert.match(header ?? '', /onnx\s+ORT p50 ms\s+speed-up/);
    const winnerLine = res.stdout.split('\n').find((l) => l.includes(winner.trialId.slice(0, 8)));
    assert.match(winnerLine ?? '', new RegExp(`COMPLETED\\s+ok\\s+${winner.onnx.ortP50Ms.toFixed(3)}\\s+${winner.onnx.speedup.toFixed(1)}×`));
  });

  test('relaunching reuses the recorded export and prints the same leaderboard', async () => {
    rmSync(join(workDir, 'exports'), { recursive: true, force: true });
    const res = await cli(['launch', SPEC, '--quick', '--workers', '1', '--backend', 'wasm']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /recorded earlier/);
    assert.ok(existsSync(join(workDir, 'exports', SWEEP, `${winner.trialId}.onnx`)), 'the file is restored from the object store');
    assert.deepEqual((await snapshot()).get(winner.trialId)!.onnx, winner.onnx, 'the record is unchanged');
    assert.equal(res.stdout, firstLeaderboard);
  });

  test('sweep export --trial exports another trial by its short ID and records it', async () => {
    const outDir = join(workDir, 'out');
    const res = await cli(['export', SWEEP, '--trial', other.trialId.slice(0, 8), '-o', outDir, '--backend', 'wasm', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const results = JSON.parse(res.stdout) as { trialId: string; file: string; check: { ok: boolean }; verification: { images: number } }[];
    assert.equal(results.length, 1);
    assert.equal(results[0]!.trialId, other.trialId);
    assert.equal(results[0]!.file, join(outDir, SWEEP, `${other.trialId}.onnx`));
    assert.ok(existsSync(results[0]!.file));
    assert.equal(results[0]!.verification.images, 64);
    assertVerifiedCheck((await snapshot()).get(other.trialId)!.onnx, 'sweep export --trial');

    const table = await cli(['export', SWEEP, '--top', '1', '-o', outDir, '--backend', 'wasm']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /trial\s+onnx ok\s+max \|Δ\|\s+top-1 agree\s+ORT p50 ms\s+ORT p99 ms\s+tfjs p50 ms\s+speed-up\s+file/);
    assert.match(table.stdout, new RegExp(`${winner.trialId.slice(0, 8)}\\s+ok\\s+\\S+\\s+100\\.00 %`));
  });

  test('sweep export: unknown trials and sweeps are bad input (exit 2, one line, no stack)', async () => {
    const noStack = (stderr: string) => assert.ok(!stderr.includes('    at '), `a stack trace on stderr:\n${stderr}`);
    const unknown = await cli(['export', SWEEP, '--trial', 'ffffffff']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /^no trial "ffffffff" in sweep synthetic-quick; its trials are: /);
    assert.ok(unknown.stderr.includes(winner.trialId.slice(0, 8)) && unknown.stderr.includes(other.trialId.slice(0, 8)), 'lists the trials');
    noStack(unknown.stderr);
    const ambiguous = await cli(['export', SWEEP, '--trial', '']);
    assert.equal(ambiguous.code, 2, ambiguous.stderr);
    assert.match(ambiguous.stderr, /^"" matches 2 trials; give more characters/);
    noStack(ambiguous.stderr);
    const noSweep = await cli(['export', 'nope', '--top', '1']);
    assert.equal(noSweep.code, 2, noSweep.stderr);
    assert.match(noSweep.stderr, /^no sweep "nope" on this broker; known sweeps: synthetic-quick/);
    noStack(noSweep.stderr);
    const noReport = await cli(['report', 'nope', '-o', join(workDir, 'nope.html')]);
    assert.equal(noReport.code, 2, noReport.stderr);
    assert.match(noReport.stderr, /^no sweep "nope" on this broker; known sweeps: synthetic-quick/);
    noStack(noReport.stderr);
    assert.ok(!existsSync(join(workDir, 'nope.html')), 'no report written for an unknown sweep');
  });

  test('sweep predict classifies a PNG of a validation image as the trained model did', async () => {
    const result = winner.result!;
    const sample = result.samples[0]!;
    const [h, w, c] = result.sampleImages!.shape;
    const png = join(workDir, 'sample.png');
    writeFileSync(png, encodePng(w, h, c, result.sampleImages!.pixels[0]!));
    const res = await cli(['predict', join(workDir, 'exports', SWEEP, `${winner.trialId}.onnx`), png, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const [prediction] = JSON.parse(res.stdout) as { top: { name: string; probability: number }[] }[];
    assert.equal(prediction!.top[0]!.name, result.classNames[sample.predicted]);
    assert.ok(Math.abs(prediction!.top[0]!.probability - sample.probabilities[sample.predicted]!) < 1e-4);
  });

  test('sweep report -o writes an HTML report with the ONNX section', async () => {
    const out = join(workDir, 'reports', 'report.html');
    const res = await cli(['report', SWEEP, '-o', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), out);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    const section = html.slice(html.indexOf('<section id="onnx">'));
    assert.match(section, /ONNX export check/);
    for (const r of [winner, other]) assert.ok(section.includes(`title="${r.trialId}"`), `ONNX row of ${r.trialId}`);
  });
});
