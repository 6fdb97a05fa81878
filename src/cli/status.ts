import type { Command } from 'commander';
import type { TrialRecord } from '../domain/trial-record.js';
import { isTerminal } from '../domain/trial-state.js';
import { terminalSafe } from '../domain/terminal-text.js';
import { createLogger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';

interface StatusFlags {
  watch?: boolean;
  json?: boolean;
}

/** `backed`: the trial has a job in the queue; a non-terminal trial without one is marked (nothing would run it). */
function trialRow(r: TrialRecord, backed: boolean): string[] {
  const last = r.epochs.at(-1);
  return [
    r.trialId.slice(0, 12),
    isTerminal(r.status) || backed ? r.status : `${r.status} (no job)`,
    Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '),
    String(r.seed),
    last ? String(last.epoch) : '-',
    last?.val_accuracy !== undefined ? last.val_accuracy.toFixed(4) : '-',
    String(r.attempt),
    r.worker ?? '-',
    // A program's stderr: one terminal-safe line (the table makes every cell safe too).
    r.error ? terminalSafe(r.error).replace(/\s+/g, ' ').trim().slice(0, 80) : '',
  ];
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the state of a sweep: counts per status and one line per trial')
    .argument('[sweep]', 'sweep ID (default: the most recently updated sweep)')
    .option('--watch', 'follow live until every trial is finished')
    .option('--json', 'JSON output')
    .action(async (id: string | undefined, flags: StatusFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Imported in the action: `sweep --help` loads no broker client.
      const [{ loadSweepView }, { followSweep }, { TrialStore }, { pendingJobs, trialsWithJobs }, { renderTextTable }, { openBroker }] = await Promise.all([
        import('../coordinator/sweep-view.js'),
        import('../coordinator/follow.js'),
        import('../transport/trial-store.js'),
        import('../transport/job-queue.js'),
        import('../report/render/text-table.js'),
        import('./broker.js'),
      ]);
      const log = createLogger('status');
      const handle = await openBroker(brokerOptions(g), g.stateDir, log, 'sweep-status');
      try {
        const { sweep } = await loadSweepView(handle.nc, id);
        if (flags.watch) {
          await followSweep(handle.nc, {
            sweepId: sweep.id,
            expected: sweep.trials ? new Set(sweep.trials.map((t) => t.id)) : null,
            total: sweep.trialCount,
            objectiveMetric: sweep.objective.metric,
            totalEpochs: null,
            log,
            tty: process.stderr.isTTY === true,
            abort: new Promise<void>((r) => process.once('SIGINT', () => r())),
          });
        }
        const records = [...(await (await TrialStore.open(handle.nc)).snapshot(sweep.id)).values()].sort((a, b) => a.index - b.index);
        const counts: Record<string, number> = { QUEUED: sweep.trialCount - records.length, RUNNING: 0, COMPLETED: 0, PRUNED: 0, STOPPED: 0, FAILED: 0 };
        for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
        const queue = await pendingJobs(handle.nc, 'default').catch(() => null);
        const withJobs = await trialsWithJobs(handle.nc, sweep.id);
        const recorded = new Set(records.map((r) => r.trialId));
        // Non-terminal trials that no job backs: records, and listed trials that have no record yet.
        const unbacked = [
          ...records.filter((r) => !isTerminal(r.status) && !withJobs.has(r.trialId)).map((r) => r.trialId),
          ...(sweep.trials ?? []).filter((t) => !recorded.has(t.id) && !withJobs.has(t.id)).map((t) => t.id),
        ];
        if (flags.json) {
          process.stdout.write(JSON.stringify({ sweep, counts, queue, unbacked, trials: records }, null, 2) + '\n');
          return;
        }
        const header = ['trial', 'status', 'params', 'seed', 'epoch', 'val_acc', 'attempt', 'worker', 'error'];
        process.stdout.write(terminalSafe(
          `sweep ${sweep.id} (${sweep.status === 'RUNNING' && counts.QUEUED === 0 && counts.RUNNING === 0 ? 'all trials finished' : sweep.status}): ` +
            Object.entries(counts).map(([k, v]) => `${k.toLowerCase()} ${v}`).join(', ') +
            (queue ? `; queue: ${queue.pending} waiting, ${queue.inProgress} in progress` : '') +
            (unbacked.length > 0 && sweep.status !== 'CANCELLED'
              ? `; ${unbacked.length} unfinished trial(s) with no job in the queue (relaunching the spec requeues them; \`sweep attach ${sweep.id}\` requeues those with a record)`
              : ''),
        ) + '\n');
        if (records.length > 0) {
          process.stdout.write(
            renderTextTable(header.map((h) => ({ header: h, align: 'left' as const })), records.map((r) => trialRow(r, withJobs.has(r.trialId)).map((text) => ({ text }))), false) + '\n',
          );
        }
      } finally {
        await handle.close();
      }
    });
}
