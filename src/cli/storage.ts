import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';
import { UnknownSweepArgumentError, UsageError } from './errors.js';

/** `sweep gc` and `sweep delete`: the commands that free storage on the broker (each imports its modules when it runs). */
export function registerStorageCommands(program: Command): void {
  program
    .command('gc')
    .description('remove checkpoints and models that no trial record references (all sweeps on the broker)')
    .option('--dry-run', 'list what would be removed; remove nothing')
    .option('--json', 'machine-readable output')
    .action(async (flags: { dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ collectGarbage, gcGraceMs }, { openBroker }] = await Promise.all([import('../coordinator/collect-garbage.js'), import('./broker.js')]);
      const graceMs = gcGraceMs();
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('gc'), 'sweep-gc');
      try {
        const report = await collectGarbage(handle.nc, { sweepId: null, dryRun: flags.dryRun ?? false, graceMs });
        if (flags.json) return void process.stdout.write(JSON.stringify({ dryRun: flags.dryRun ?? false, graceS: graceMs / 1000, ...report }, null, 2) + '\n');
        for (const line of report.garbage) process.stdout.write(`${line.bucket}  ${line.name}  ${formatBytes(line.bytes)}  ${line.reason}\n`);
        const verb = flags.dryRun ? 'would remove' : 'removed';
        const notes = [
          report.keptYoung > 0 ? `${report.keptYoung} unreferenced object(s) younger than ${graceMs / 1000} s kept (SWEEP_GC_GRACE_S)` : '',
          report.keptUnreadable > 0 ? `${report.keptUnreadable} kept: their trial record is unreadable` : '',
          report.unrecognised.length > 0 ? `${report.unrecognised.length} object(s) with names sweep does not write left alone` : '',
        ].filter(Boolean);
        process.stdout.write(`gc: ${verb} ${report.garbage.length} object(s), ${formatBytes(report.bytes)}` + (notes.length ? `; ${notes.join('; ')}` : '') + '\n');
      } finally {
        await handle.close();
      }
    });

  program
    .command('delete')
    .description("delete a sweep: its records, prune decisions, events, jobs, checkpoints and models")
    .argument('<sweep>', 'sweep ID')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--force', 'cancel the sweep first when trials are running, and wait for them to stop')
    .option('--json', 'machine-readable output')
    .action(async (id: string, flags: { yes?: boolean; force?: boolean; json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ deleteSweep, planSweepDeletion }, { UnknownSweepError }, { openBroker }] = await Promise.all([
        import('../coordinator/delete-sweep.js'),
        import('../coordinator/sweep-view.js'),
        import('./broker.js'),
      ]);
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('delete'), 'sweep-delete');
      try {
        const plan = await planSweepDeletion(handle.nc, id).catch((e: unknown) => {
          throw e instanceof UnknownSweepError ? new UnknownSweepArgumentError(e.message, { cause: e }) : e;
        });
        const what =
          `sweep ${id}: ${plan.trials} trial record(s), ${plan.objects} stored object(s) (${formatBytes(plan.bytes)})` +
          (plan.running > 0 ? `, ${plan.running} trial(s) running` : '') +
          (plan.hasSweepRecord ? '' : ' (its sweep record is already gone: finishing an earlier deletion)');
        if (!flags.yes && !(await confirm(`delete ${what}? [y/N] `))) {
          process.stderr.write('nothing deleted\n');
          return;
        }
        let waited = false;
        const out = await deleteSweep(handle.nc, plan, {
          force: flags.force ?? false,
          onWaiting: (n) => {
            if (!waited) process.stderr.write(`cancelled; waiting for ${n} running trial(s) to stop (up to ${Math.round(plan.staleAfterMs / 1000)} s)\n`);
            waited = true;
          },
        });
        if (flags.json) return void process.stdout.write(JSON.stringify({ sweepId: id, ...out }, null, 2) + '\n');
        if (out.stillRunning > 0) process.stderr.write(`${out.stillRunning} trial(s) still heartbeat: their owners' next writes are refused, and \`sweep gc\` removes what they write after\n`);
        process.stdout.write(
          `deleted sweep ${id}: ${out.trials} trial record(s), ${out.decisions} prune decision(s), ${out.events} event batch(es), ` +
            `${out.jobs} queued job(s), ${out.objects} object(s) (${formatBytes(out.bytes)})\n`,
        );
      } finally {
        await handle.close();
      }
    });
}

/** Asks on the terminal; without one (a script, CI), refuses: deleting needs --yes there. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('sweep delete asks for confirmation, but stdin is not a terminal: add --yes to delete without asking');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
