import type { TrialRecord } from '../domain/trial-record.js';
import { isTerminal } from '../domain/trial-state.js';

export interface ProgressCounts {
  total: number;
  queued: number;
  running: number;
  completed: number;
  /** Stopped early by the sweep's scheduler. */
  pruned: number;
  stopped: number;
  failed: number;
}

/** Live state of a sweep as its trial records change; pure, so the renderers and tests share it. */
export class SweepProgress {
  /** Full records of running trials only (progress lines); the rest are tracked by status, to keep memory flat. */
  private readonly running = new Map<string, TrialRecord>();
  private readonly statusOf = new Map<string, { status: TrialRecord['status']; durationMs: number | null }>();
  private readonly startedAt = Date.now();
  /** Kept incrementally: a 100k-trial sweep gets ~300k record updates. */
  private readonly byStatus = new Map<string, number>();
  private finishedDurationMs = 0;
  private finishedCount = 0;

  constructor(
    private readonly expected: ReadonlySet<string> | null,
    private readonly total: number,
    private readonly objectiveMetric: string,
  ) {}

  update(r: TrialRecord): void {
    if (this.expected && !this.expected.has(r.trialId)) return;
    const prev = this.statusOf.get(r.trialId);
    if (prev) {
      this.byStatus.set(prev.status, (this.byStatus.get(prev.status) ?? 0) - 1);
      if (isTerminal(prev.status) && prev.durationMs !== null) {
        this.finishedDurationMs -= prev.durationMs;
        this.finishedCount--;
      }
    }
    this.statusOf.set(r.trialId, { status: r.status, durationMs: r.durationMs });
    if (r.status === 'RUNNING') this.running.set(r.trialId, r);
    else this.running.delete(r.trialId);
    this.byStatus.set(r.status, (this.byStatus.get(r.status) ?? 0) + 1);
    if (isTerminal(r.status) && r.durationMs !== null) {
      this.finishedDurationMs += r.durationMs;
      this.finishedCount++;
    }
  }

  counts(): ProgressCounts {
    const n = (s: string) => this.byStatus.get(s) ?? 0;
    const c: ProgressCounts = {
      total: this.total, queued: 0, running: n('RUNNING'), completed: n('COMPLETED'), pruned: n('PRUNED'), stopped: n('STOPPED'), failed: n('FAILED'),
    };
    c.queued = this.total - c.running - finishedCount(c);
    return c;
  }

  get done(): boolean {
    return finishedCount(this.counts()) >= this.total;
  }

  /** Seconds left, from the average duration of finished trials and the parallelism seen so far. */
  etaSeconds(): number | null {
    const c = this.counts();
    if (this.finishedCount === 0) return null;
    const avg = this.finishedDurationMs / this.finishedCount / 1000;
    const parallel = Math.max(1, c.running);
    return Math.round(((c.queued + c.running / 2) * avg) / parallel);
  }

  elapsedSeconds(): number {
    return Math.round((Date.now() - this.startedAt) / 1000);
  }

  runningLines(totalEpochs: (r: TrialRecord) => number | null): string[] {
    const lines: string[] = [];
    for (const r of this.running.values()) {
      const last = r.epochs.at(-1);
      const total = totalEpochs(r);
      const metric = last?.[this.objectiveMetric];
      const eta = last?.seconds !== undefined && total ? Math.round(last.seconds * (total - last.epoch)) : null;
      const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ');
      lines.push(
        `  ${r.trialId.slice(0, 8)} ${params} seed=${r.seed}  epoch ${last?.epoch ?? 0}/${total ?? '?'}` +
          (metric !== undefined ? `  ${this.objectiveMetric}=${metric.toFixed(4)}` : '') +
          (eta !== null ? `  eta ${formatDuration(eta)}` : '') +
          `  [${r.worker ?? '?'}]`,
      );
    }
    return lines;
  }
}

/** Trials in a terminal status. */
export const finishedCount = (c: ProgressCounts): number => c.completed + c.pruned + c.stopped + c.failed;

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressBar(c: ProgressCounts, width = 30): string {
  const done = finishedCount(c);
  const filled = c.total === 0 ? width : Math.round((done / c.total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${c.total}`;
}
