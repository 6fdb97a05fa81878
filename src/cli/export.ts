import { Option, type Command } from 'commander';
import type { NatsConnection } from 'nats';
import type { ExportResult } from '../coordinator/export-winners.js';
import { BACKEND_NAMES, type BackendName } from '../domain/backends.js';
import type { Logger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { ExitCode, UsageError, parsePositiveInt } from './errors.js';
import { checkFolderArgument, checkOutputDir } from './output-path.js';

interface ExportFlags {
  top?: number;
  trial?: string[];
  output: string;
  dataDir?: string;
  backend: BackendName;
  maxImages: number;
  json?: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export trained trials to ONNX, verify them with onnxruntime on validation images and record the result')
    .argument('<sweep>', 'sweep ID')
    .option('--top <k>', 'the best K exportable trials by the leaderboard ranking (default 1 without --trial)', (v) => parsePositiveInt(v, '--top'))
    .option('--trial <id...>', 'trial IDs (or unique prefixes) to export')
    .option('-o, --output <dir>', 'root folder of the exports; files go to <dir>/<sweep>/<trial>.onnx and .json', 'exports')
    .option('--data-dir <dir>', 'where datasets are (or are cached); default $SWEEP_DATA_DIR or ~/.cache/sweep')
    .addOption(new Option('--backend <name>', 'tfjs backend to compare and time against').choices(BACKEND_NAMES).default('auto'))
    .option('--max-images <n>', 'validation images compared between tfjs and onnxruntime', (v) => parsePositiveInt(v, '--max-images'), 1000)
    .option('--json', 'JSON output (full verification per trial)')
    .action(async (sweepId: string, flags: ExportFlags, cmd: Command) => {
      await exportCommand(sweepId, flags, cmd.optsWithGlobals<GlobalOptions>());
    });
}

// The exporter (tfjs, onnxruntime, datasets) and the broker client are imported inside the action, so
// `sweep --help` loads none of them. Bad input (flags, the output folder, the sweep and trial IDs) is refused
// with exit 2 before any export starts.
async function exportCommand(sweepId: string, flags: ExportFlags, g: GlobalOptions): Promise<void> {
  if (flags.top !== undefined && flags.trial) throw new UsageError('choose one of --top and --trial');
  if (flags.top === 0 || flags.maxImages === 0) throw new UsageError('--top and --max-images must be at least 1');
  checkOutputDir(flags.output, '-o/--output');
  if (flags.dataDir !== undefined) checkFolderArgument(flags.dataDir, '--data-dir');
  const [{ createLogger }, { openBroker }, { resolveExportArguments }, { exportTrials }, { renderOnnxChecks }] = await Promise.all([
    import('../log.js'),
    import('./broker.js'),
    import('./export-selection.js'),
    import('../coordinator/export-winners.js'),
    import('../report/render/onnx-columns.js'),
  ]);
  const log = createLogger('export');
  const handle = await openBroker(brokerOptions(g), g.stateDir, log, 'sweep-export');
  let results: ExportResult[];
  try {
    const trials = await resolveExportArguments(handle.nc, sweepId, flags.trial);
    results = await exportTrials(handle.nc, sweepId, trials ?? { top: flags.top ?? 1 }, {
      outDir: flags.output,
      backend: flags.backend,
      maxImages: flags.maxImages,
      log,
      ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    });
  } finally {
    await handle.close();
  }
  const out = flags.json ? JSON.stringify(results, null, 2) : renderOnnxChecks(results.map((r) => ({ trialId: r.trialId, check: r.check })), process.stdout.isTTY === true);
  process.stdout.write(out + '\n');
  const failed = results.filter((r) => !r.check.ok);
  if (failed.length > 0) {
    const why = failed.map((r) => `${r.trialId.slice(0, 8)}: ${r.verification?.failures.join('; ') ?? 'recorded as not ok'}`).join('\n  ');
    throw new ExitCode(1, `${failed.length} export(s) do not match their tfjs model:\n  ${why}`);
  }
}

/**
 * The automatic export at the end of `sweep launch` (spec `export: {top: K}`). A trial exported before keeps its
 * recorded check, so a relaunch does not redo (and re-time) it. Returns the error message when the export failed,
 * so the caller can still print the leaderboard before failing.
 */
export async function exportWinnersAfterLaunch(
  nc: NatsConnection,
  sweepId: string,
  top: number,
  opts: { dataDir?: string; backend: BackendName; log: Logger },
): Promise<string | null> {
  try {
    const [{ exportTrials }, { onnxCheckText }] = await Promise.all([import('../coordinator/export-winners.js'), import('../report/render/onnx-columns.js')]);
    const results = await exportTrials(nc, sweepId, { top }, { outDir: 'exports', backend: opts.backend, log: opts.log, reuseRecorded: true, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
    for (const r of results) {
      process.stderr.write(`exported ${r.trialId.slice(0, 8)} to ${r.file} (onnx ${onnxCheckText(r.check).verdict}${r.reused ? ', recorded earlier' : ''})\n`);
    }
    const bad = results.filter((r) => !r.check.ok).map((r) => r.trialId.slice(0, 8));
    return bad.length > 0 ? `the ONNX check of ${bad.join(', ')} failed (an export that does not match its tfjs model, or a program's model that does not load or run); see exports/${sweepId}/<trial>.json` : null;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return `export of the winners failed: ${err.message}`;
  }
}
