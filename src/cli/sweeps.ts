import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { brokerOptions, type GlobalOptions } from './global-options.js';

/** `sweep list`, `sweep cancel`, `sweep down`: small commands on the set of sweeps (each imports its modules when it runs). */
export function registerSweepCommands(program: Command): void {
  program
    .command('list')
    .description('list the sweeps on the broker')
    .option('--json', 'JSON output')
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ SweepStore }, { renderTextTable }, { openBroker }] = await Promise.all([
        import('../transport/sweep-store.js'),
        import('../report/render/text-table.js'),
        import('./broker.js'),
      ]);
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('list'), 'sweep-list');
      try {
        const sweeps = await (await SweepStore.open(handle.nc)).list();
        if (flags.json) return void process.stdout.write(JSON.stringify(sweeps.map(({ trials: _t, ...s }) => s), null, 2) + '\n');
        if (sweeps.length === 0) return void process.stdout.write('no sweeps yet; launch one with `sweep launch <spec>`\n');
        const rows = sweeps.map((s) => [s.id, s.status, String(s.trialCount), `${s.objective.metric} (${s.objective.goal})`, s.updatedAt].map((text) => ({ text })));
        const cols = ['sweep', 'status', 'trials', 'objective', 'updated'].map((header) => ({ header, align: 'left' as const }));
        process.stdout.write(renderTextTable(cols, rows, false) + '\n');
      } finally {
        await handle.close();
      }
    });

  program
    .command('cancel')
    .description('cancel a sweep: queued jobs are removed, running trials stop at their next epoch boundary')
    .argument('<sweep>', 'sweep ID')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const [{ cancelSweep }, { openBroker }] = await Promise.all([import('../coordinator/cancel.js'), import('./broker.js')]);
      const handle = await openBroker(brokerOptions(g), g.stateDir, createLogger('cancel'), 'sweep-cancel');
      try {
        const { purgedJobs, stoppedTrials } = await cancelSweep(handle.nc, id);
        process.stdout.write(
          `sweep ${id} cancelled: ${purgedJobs} queued job(s) removed, ${stoppedTrials} trial(s) marked STOPPED; running trials stop at their next epoch\n`,
        );
      } finally {
        await handle.close();
      }
    });

  program
    .command('down')
    .description('stop the embedded nats-server and local workers left running by `sweep launch --detach`')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { stopEmbedded } = await import('./broker.js');
      const stopped = stopEmbedded(g.stateDir, createLogger('down'));
      process.stdout.write(stopped ? 'embedded nats-server stopped\n' : 'no embedded nats-server is running here\n');
    });
}
