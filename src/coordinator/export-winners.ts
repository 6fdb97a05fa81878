import { datasetOf } from '../domain/trial-config.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Logger } from '../log.js';
import { SweepError } from '../domain/errors.js';
import { onnxCheckOf, type AnyOnnxCheck, type AnyOnnxRecord } from '../domain/onnx.js';
import { checkProgramOnnx } from '../export/program-onnx-check.js';
import { isTerminal } from '../domain/trial-state.js';
import { buildLeaderboard } from '../report/index.js';
import type { BackendName } from '../domain/backends.js';
import { selectBackend } from '../training/backends/index.js';
import type { OnnxVerification, VerifyOptions } from '../export/verify.js';
import { UnsupportedLayerError } from '../export/errors.js';
import type { BlobRef } from '../domain/blobs.js';
import type { TrialRecord } from '../domain/trial-record.js';
import { ModelStore } from '../transport/model-store.js';
import { SweepStore } from '../transport/sweep-store.js';
import { TrialStore } from '../transport/trial-store.js';
import { DatasetCache } from '../training/datasets/dataset-cache.js';
import { exportTrainedTrial } from './export-trial.js';
import { loadUserModule } from '../training/models/user-module.js';
import { UnknownSweepError, sweepView } from './sweep-view.js';
import { trustedModuleSha256 } from './trusted-module.js';
import type { SweepRecord } from '../domain/sweep-record.js';

/** A trial that cannot be exported, or an export that could not be done; the message says why and what to do. */
export class ExportError extends SweepError {}

/** Trial IDs (full or a unique prefix), or the best K exportable trials by the leaderboard ranking. */
export type ExportSelection = readonly string[] | { top: number };

export interface ExportOptions {
  /** Root folder; files go to `<outDir>/<sweep>/<trial>.onnx` and `.json`. */
  outDir: string;
  dataDir?: string;
  /** tfjs backend to rebuild and time the model on; default auto. */
  backend?: BackendName;
  /** Validation images compared between tfjs and onnxruntime; default 1,000. */
  maxImages?: number;
  /** Keep a trial's recorded export instead of redoing it (automatic export on relaunch). */
  reuseRecorded?: boolean;
  verify?: VerifyOptions;
  log: Logger;
}

export interface ExportResult {
  trialId: string;
  /** The .onnx file written. */
  file: string;
  /** The verification JSON written next to it. */
  reportFile: string;
  ref: BlobRef;
  check: AnyOnnxCheck;
  /** Full verification; null when the recorded export was reused. */
  verification: OnnxVerification | null;
  reused: boolean;
}

const DEFAULT_MAX_IMAGES = 1000;

/**
 * Exports trained trials of a sweep to ONNX: rebuilds each model from its config and final weights, verifies it
 * with onnxruntime on validation images, stores it in the sweep-models object store and in
 * `<outDir>/<sweep>/<trial>.onnx` (+ `.json` with the verification) and records `onnx` in the trial record.
 * A module trial's code is loaded only by the hash its sweep record names: every chosen trial is checked before
 * anything is exported, so a trial naming another hash (UntrustedModuleError) stops the export with nothing done.
 */
export async function exportTrials(nc: NatsConnection, sweepId: string, selection: ExportSelection, opts: ExportOptions): Promise<ExportResult[]> {
  const sweep = (await (await SweepStore.open(nc)).get(sweepId))?.value;
  if (!sweep) throw new UnknownSweepError(`no sweep "${sweepId}" on this broker; list them with \`sweep list\``);
  const trials = await TrialStore.open(nc);
  const records = await trials.snapshot(sweepId);
  const chosen = 'top' in selection ? topTrials(sweepView(sweep, records.values()), records, selection.top, sweepId) : namedTrials(selection, records, sweepId);
  for (const record of chosen) if (record.config?.module) trustedModuleSha256(sweep, record);

  const models = await ModelStore.open(nc);
  const results: ExportResult[] = [];
  let datasets: DatasetCache | null = null;
  for (const record of chosen) {
    if (opts.reuseRecorded && record.onnx) {
      results.push(await reuseRecorded(record, record.onnx, models, opts.outDir));
      continue;
    }
    if (record.config?.command) {
      results.push(await exportProgramModel(record, { models, trials }, opts));
      continue;
    }
    if (!datasets) {
      const backend = await selectBackend(opts.backend ?? 'auto', (m) => opts.log.debug(m));
      opts.log.info({ backend }, 'tfjs backend for ONNX export checks');
      datasets = new DatasetCache(opts.dataDir, (m) => opts.log.info(m));
    }
    results.push(await exportOne(record, { sweep, models, trials, datasets }, opts));
  }
  return results;
}

async function exportOne(
  record: TrialRecord,
  ctx: { sweep: SweepRecord; models: ModelStore; trials: TrialStore; datasets: DatasetCache },
  opts: ExportOptions,
): Promise<ExportResult> {
  const { sweepId, trialId } = record;
  const config = record.config!;
  const weights = await ctx.models.getWeights(record.model!);
  if (!weights) {
    throw new ExportError(`trial ${trialId}: its final weights (${record.model!.name}) are missing from the sweep-models store; retrain it with \`sweep retry ${sweepId}\``);
  }
  opts.log.info({ trialId }, 'exporting to ONNX');
  if (config.module) {
    const sha256 = trustedModuleSha256(ctx.sweep, record);
    const code = await ctx.models.getModule(sha256);
    if (code === null) throw new ExportError(`trial ${trialId}: the bundle of its model module ${config.module.file} is missing from the sweep-models store; relaunch the sweep to store it`);
    await loadUserModule(sha256, code);
  }
  const dataset = await ctx.datasets.get(datasetOf(config));
  const { onnx, verification } = await exportTrainedTrial({ record, config, weights, dataset }, opts.maxImages ?? DEFAULT_MAX_IMAGES, opts.verify).catch((e: unknown) => {
    if (e instanceof UnsupportedLayerError) throw new ExportError(`trial ${trialId}: ${e.message}`, { cause: e });
    throw e;
  });
  const { file, reportFile, ref, check } = await storeExport(record, onnx, verification, (file) => onnxCheckOf({ ...verification, file }), ctx, opts.outDir);
  if (!verification.ok) opts.log.warn({ trialId, failures: verification.failures }, 'ONNX export does not match the tfjs model');
  return { trialId, file, reportFile, ref, check, verification, reused: false };
}

/**
 * A command trial's own model (the model.onnx its program wrote, stored by the worker as the trial's model): no
 * tfjs twin to compare with, so it is checked to load, run on a batch of 1 shaped from its inputs, and timed.
 */
async function exportProgramModel(record: TrialRecord, ctx: { models: ModelStore; trials: TrialStore }, opts: ExportOptions): Promise<ExportResult> {
  const { sweepId, trialId } = record;
  const onnx = await ctx.models.getWeights(record.model!);
  if (!onnx) throw new ExportError(`trial ${trialId}: its model.onnx (${record.model!.name}) is missing from the sweep-models store; retrain it with \`sweep retry ${sweepId}\``);
  opts.log.info({ trialId }, "checking the program's ONNX model");
  const verification = await checkProgramOnnx(onnx);
  const { file, reportFile, ref, check } = await storeExport(record, onnx, verification, (file) => ({ ...verification, file }), ctx, opts.outDir);
  if (!verification.ok) opts.log.warn({ trialId, problem: verification.problem }, "the program's ONNX model failed its check");
  return { trialId, file, reportFile, ref, check, verification: null, reused: false };
}

/**
 * An export of either kind, kept: the model in the sweep-models store and in `<outDir>/<sweep>/<trial>.onnx`, its
 * verification beside it (`.json`), and its check (with the file) in the trial record.
 */
async function storeExport<C extends AnyOnnxCheck>(
  record: TrialRecord,
  onnx: Uint8Array,
  verification: unknown,
  checkOf: (file: string) => C,
  ctx: { models: ModelStore; trials: TrialStore },
  outDir: string,
): Promise<{ file: string; reportFile: string; ref: BlobRef; check: C }> {
  const { sweepId, trialId } = record;
  const ref = await ctx.models.putOnnx(sweepId, trialId, onnx);
  const { file, reportFile } = exportPaths(outDir, sweepId, trialId);
  mkdirSync(join(outDir, sweepId), { recursive: true });
  writeFileSync(file, onnx);
  writeFileSync(reportFile, JSON.stringify({ sweep: sweepId, trial: trialId, file, ref, params: record.params, verification }, null, 2) + '\n');
  const check = checkOf(file);
  await ctx.trials.mutate(sweepId, trialId, (cur) => (cur ? { ...cur, onnx: { ...check, ref } satisfies AnyOnnxRecord } : null));
  return { file, reportFile, ref, check };
}

/** A recorded export: its file is written again from the object store when it is not on disk here. */
async function reuseRecorded(record: TrialRecord, onnx: AnyOnnxRecord, models: ModelStore, outDir: string): Promise<ExportResult> {
  const { file, reportFile } = exportPaths(outDir, record.sweepId, record.trialId);
  if (!existsSync(file)) {
    const bytes = await models.getOnnx(onnx.ref);
    if (!bytes) throw new ExportError(`trial ${record.trialId}: its recorded ONNX model ${onnx.ref.name} is missing from the sweep-models store; export it again with \`sweep export ${record.sweepId} --trial ${record.trialId}\``);
    mkdirSync(join(outDir, record.sweepId), { recursive: true });
    writeFileSync(file, bytes);
  }
  const { ref, ...check } = onnx;
  return { trialId: record.trialId, file, reportFile, ref, check, verification: null, reused: true };
}

export function exportPaths(outDir: string, sweepId: string, trialId: string): { file: string; reportFile: string } {
  return { file: join(outDir, sweepId, `${trialId}.onnx`), reportFile: join(outDir, sweepId, `${trialId}.json`) };
}

/** Why a trial cannot be exported, or null when it can. */
export function notExportableReason(r: TrialRecord): string | null {
  if (r.status !== 'COMPLETED') {
    return `it is ${r.status}; only COMPLETED trials have final weights` + (isTerminal(r.status) ? '' : ' (wait until it finishes)');
  }
  if (!r.config) return 'its record holds no config (written by an older worker); relaunch the sweep to retrain it';
  if (r.config.command) return r.model ? null : 'its program wrote no $SWEEP_OUTPUT_DIR/model.onnx';
  if (r.config.model.family !== 'vgg' && r.config.model.family !== 'module') return `its model family is '${r.config.model.family}', which trains no model to export`;
  if (!r.model) return 'no final weights were stored for it';
  return null;
}

function topTrials(view: ReturnType<typeof sweepView>, records: Map<string, TrialRecord>, k: number, sweepId: string): TrialRecord[] {
  if (!(Number.isInteger(k) && k > 0)) throw new ExportError(`export top must be a positive integer, got ${k}`);
  const ranked = buildLeaderboard(view).trials.filter((t) => t.rank !== null);
  const exportable = ranked.map((t) => records.get(t.id)).filter((r): r is TrialRecord => r !== undefined && notExportableReason(r) === null);
  if (exportable.length === 0) {
    const reasons = [...records.values()].slice(0, 3).map((r) => `${r.trialId.slice(0, 8)}: ${notExportableReason(r) ?? 'unranked'}`);
    throw new ExportError(`sweep ${sweepId} has no trial that can be exported to ONNX` + (reasons.length ? ` (${reasons.join('; ')})` : ' (no trial records)'));
  }
  return exportable.slice(0, k);
}

function namedTrials(ids: readonly string[], records: Map<string, TrialRecord>, sweepId: string): TrialRecord[] {
  if (ids.length === 0) throw new ExportError('no trial chosen: pass trial IDs or {top: K}');
  const out: TrialRecord[] = [];
  for (const id of ids) {
    const matches = [...records.values()].filter((r) => r.trialId === id || r.trialId.startsWith(id));
    const exact = matches.find((r) => r.trialId === id);
    const record = exact ?? (matches.length === 1 ? matches[0] : undefined);
    if (!record) {
      const known = [...records.keys()].slice(0, 12).map((k) => k.slice(0, 8));
      const why = matches.length > 1 ? `"${id}" matches ${matches.length} trials; give more characters` : `no trial "${id}" in sweep ${sweepId}`;
      throw new ExportError(`${why}; its trials are: ${known.join(', ') || '(none)'}${records.size > known.length ? ', …' : ''} (see \`sweep leaderboard ${sweepId} --trials\`)`);
    }
    const reason = notExportableReason(record);
    if (reason) throw new ExportError(`cannot export trial ${record.trialId}: ${reason}`);
    if (!out.includes(record)) out.push(record);
  }
  return out;
}
