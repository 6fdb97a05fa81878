import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isCheckpointEpoch } from '../trainer/protocol.js';
import { packDirectory } from './checkpoint-archive.js';
import { EpochLines } from './epoch-lines.js';
import { CommandExitError, CommandNotFoundError, CommandOutputError, CommandRunnerError, CommandTimeoutError } from './errors.js';
import { LineSplitter } from './line-splitter.js';
import { MetricsFileTail } from './metrics-file.js';
import { OutputTail } from './output-tail.js';
import { isExecFailure, signalGroup, spawnInGroup, type ProgramProcess } from './process-group.js';
import { prepareLaunch, type Launch } from './workspace.js';
import type { CommandEpochMetrics, CommandEpochReport, CommandOutcome, CommandParams, CommandRunOptions, CommandTrainerConfig } from './types.js';

export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Lines of stderr (and of stdout, for a run without epoch lines) quoted in error messages. */
const QUOTED_LINES = 20;
/** How long the program's stdout and stderr may stay open after it exited (held by a process it started). */
const CLOSE_WAIT_MS = 2_000;
/** setTimeout's longest delay; a longer timeout_s (24.8 days) is cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Why the runner ended the program; the first cause wins. */
type StopCause = 'aborted' | 'stopped' | 'timeout' | 'failed';

/** One attempt of a command trainer: see run-command.ts for the contract it implements. */
export class CommandRun {
  readonly finished: Promise<CommandOutcome | 'aborted'>;
  private child: ProgramProcess | null = null;
  private exited = false;
  private cause: StopCause | null = null;
  private failure: Error | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly lines: EpochLines;
  private readonly epochs: CommandEpochMetrics[] = [];
  /** The reports to onEpoch, one at a time and in epoch order. */
  private reports: Promise<void> = Promise.resolve();
  private readonly stdoutTail = new OutputTail();
  private readonly stderrTail = new OutputTail();
  private stderrFirstLine: string | null = null;

  constructor(
    private readonly trainer: CommandTrainerConfig,
    private readonly params: CommandParams,
    private readonly opts: CommandRunOptions,
    private readonly onEpoch: (r: CommandEpochReport) => Promise<boolean>,
  ) {
    this.lines = new EpochLines(opts.resumeFrom ? opts.resumeEpoch : 0);
    this.finished = this.execute();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  abort(): void {
    this.stop('aborted');
  }

  private async execute(): Promise<CommandOutcome | 'aborted'> {
    const launch = await prepareLaunch(this.trainer, this.params, this.opts);
    if (this.cause === 'aborted') return 'aborted';
    const { log } = this.opts;
    const child = spawnInGroup(launch.argv, launch);
    this.child = child;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
      child.once('error', resolve);
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const metricsFile = new MetricsFileTail(launch.paths.metrics, (l) => this.onLine(l, 'metrics-file', launch), (e) => this.fail(new CommandRunnerError(`could not read ${launch.paths.metrics}: ${String(e)}`, { cause: e })));
    this.follow(child, launch);
    metricsFile.start();
    log('info', 'trainer command started', { pid: child.pid, argv: launch.argv });
    const timeout = this.trainer.timeout_s === null ? null : setTimeout(() => this.stop('timeout'), Math.min(this.trainer.timeout_s * 1000, MAX_TIMER_MS));

    const ended = await exit;
    this.exited = true;
    if (timeout) clearTimeout(timeout);
    if (this.killTimer) clearTimeout(this.killTimer);
    if (child.pid !== undefined && signalGroup(child.pid, 0)) {
      log('warn', 'trainer command exited and left processes behind in its group: killing them', { pid: child.pid });
      signalGroup(child.pid, 'SIGKILL');
    }
    // A process that left the group (setsid) may still hold the pipes: read what came, but do not wait for it.
    if (!(ended instanceof Error) && !(await Promise.race([closed.then(() => true), sleep(CLOSE_WAIT_MS).then(() => false)]))) {
      log('warn', `trainer command exited but its output stayed open for ${CLOSE_WAIT_MS} ms: no longer reading it`, { pid: child.pid });
      child.stdout.destroy();
      child.stderr.destroy();
    }
    await metricsFile.close();
    await this.reports;
    return this.settle(ended, launch);
  }

  private settle(ended: { code: number | null; signal: NodeJS.Signals | null } | Error, launch: Launch): CommandOutcome | 'aborted' {
    if (this.failure) throw this.failure;
    if (this.cause === 'aborted') return 'aborted';
    const stderr = this.quote('stderr', this.stderrTail);
    if (this.cause === 'timeout') throw new CommandTimeoutError(`trainer command ran past its timeout of ${this.trainer.timeout_s} s and was stopped${stderr}`);
    if (this.cause === 'stopped') return this.outcome('stopped', launch);
    if (ended instanceof Error) throw new CommandRunnerError(`could not start the trainer command through setpriv (util-linux): ${ended.message}`, { cause: ended });
    if (isExecFailure(ended.code, this.stderrFirstLine ?? '')) throw new CommandNotFoundError(`trainer command could not be executed: ${this.stderrFirstLine}`);
    if (ended.code !== 0) throw new CommandExitError(`trainer command ${ended.signal ? `was killed by ${ended.signal}` : `exited with code ${ended.code}`}${stderr}`);
    const resumed = this.opts.resumeFrom !== null && this.opts.resumeEpoch > 0;
    // A resumed program whose state was already its last epoch has nothing left to report.
    if (this.epochs.length === 0 && !resumed) {
      throw new CommandOutputError(`trainer command exited 0 without printing an epoch line (a JSON object with "epoch") to stdout or $SWEEP_METRICS${this.quote('stdout', this.stdoutTail)}`);
    }
    const missing = (this.opts.requiredMetrics ?? []).filter((name) => this.epochs.length > 0 && !this.epochs.some((m) => name in m));
    if (missing.length > 0) {
      const seen = [...new Set(this.epochs.flatMap((m) => Object.keys(m)))].filter((k) => k !== 'epoch');
      throw new CommandOutputError(`trainer command never reported ${missing.map((m) => `"${m}"`).join(', ')} (declared in the spec's metrics); its epoch lines had: ${seen.join(', ') || '(only "epoch")'}`);
    }
    return this.outcome('completed', launch);
  }

  private outcome(stopReason: CommandOutcome['stopReason'], launch: Launch): CommandOutcome {
    const model = join(launch.paths.outputDir, 'model.onnx');
    return { stopReason, epochs: this.epochs, outputDir: launch.paths.outputDir, modelPath: existsSync(model) ? model : null };
  }

  private quote(stream: string, tail: OutputTail): string {
    const text = tail.last(QUOTED_LINES);
    return text ? `; last ${stream} lines:\n${text}` : `; no ${stream} output`;
  }

  private follow(child: ProgramProcess, launch: Launch): void {
    const out = new LineSplitter((l) => this.onLine(l, 'stdout', launch));
    const err = new LineSplitter((l) => {
      this.stderrFirstLine ??= l;
      this.stderrTail.push(l);
      this.opts.log('info', l, { stream: 'stderr', pid: child.pid });
    });
    child.stdout.setEncoding('utf8').on('data', (s: string) => out.push(s)).on('end', () => out.end());
    child.stderr.setEncoding('utf8').on('data', (s: string) => err.push(s)).on('end', () => err.end());
  }

  private onLine(line: string, source: 'stdout' | 'metrics-file', launch: Launch): void {
    const parsed = this.lines.parse(line);
    if (parsed.kind === 'log' && source === 'stdout') {
      this.stdoutTail.push(line);
      this.opts.log('info', line, { stream: 'stdout', pid: this.child?.pid });
    } else if (parsed.kind === 'log') {
      if (line.trim() !== '') this.opts.log('warn', 'metrics file line skipped: not a JSON object', { line: line.slice(0, 500) });
    } else if (parsed.kind === 'skipped') {
      this.opts.log('warn', `epoch line skipped: ${parsed.reason}`, { source, line: line.slice(0, 500) });
    } else {
      this.report(parsed.metrics, launch);
    }
  }

  /** Packs the checkpoint directory now (the program goes on), then reports once the epochs before are reported. */
  private report(metrics: CommandEpochMetrics, launch: Launch): void {
    if (this.cause) return;
    const packing = isCheckpointEpoch(metrics.epoch, this.opts.checkpointEvery) ? packDirectory(launch.paths.checkpointDir) : Promise.resolve(null);
    packing.catch(() => undefined); // awaited below, in turn
    this.reports = this.reports
      .then(async () => {
        if (this.cause) return;
        const packed = await packing;
        this.epochs.push(metrics);
        const stop = await this.onEpoch({ metrics, state: packed ? { epoch: metrics.epoch, ...packed } : null });
        if (stop) this.stop('stopped');
      })
      .catch((e: unknown) => this.fail(e));
  }

  private fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    this.stop('failed');
  }

  /** SIGTERM to the program's group, SIGKILL after the grace. */
  private stop(cause: StopCause): void {
    if (this.cause) return;
    this.cause = cause;
    const { child } = this;
    if (!child || child.pid === undefined || this.exited) return;
    const { pid } = child;
    const grace = this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.opts.log('info', `stopping the trainer command (${cause}): SIGTERM`, { pid });
    signalGroup(pid, 'SIGTERM');
    this.killTimer = setTimeout(() => {
      this.opts.log('warn', `trainer command did not exit within ${grace} ms of SIGTERM: SIGKILL`, { pid });
      signalGroup(pid, 'SIGKILL');
    }, grace);
  }
}
