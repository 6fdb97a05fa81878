import { killHard, signalTree, stopGently, type SweepProcess } from '../chaos-processes.js';
import { readPoolAckWaitMs } from '../../../src/transport/bind-resources.js';
import type { TrialRecord } from '../../../src/domain/trial-record.js';
import { TORTURE_DUPLICATE_WINDOW_S, TortureCluster } from './cluster.js';
import type { Op } from './schedule.js';
import { A_EXTENDED_REPEATS, TORTURE_POOL, sweepASpec, sweepBSpec } from './specs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What an op needs of the run around it. */
export interface OpContext {
  cluster: TortureCluster;
  /** Every record of the run's sweeps now (waits out a broker restart). */
  records: () => Promise<TrialRecord[]>;
  /** Counts a fault against trials (they may retrain up to one checkpoint interval for it). */
  charge: (records: TrialRecord[]) => void;
  /** Called once A was extended (its trials grow) or B launched. */
  onSweepsChanged: () => void;
}

const pickOf = <T>(items: readonly T[], pick: number): T | undefined => items[Math.floor(pick * items.length)];
const runningOn = (records: TrialRecord[], w: SweepProcess) => records.filter((r) => r.status === 'RUNNING' && r.worker?.startsWith(w.workerIdPrefix));

/**
 * Runs one op. Returns what it did (for the run's log), or null when it could not apply (no candidate target,
 * a once-only op already done) and was skipped.
 */
export async function runOp(op: Op, ctx: OpContext): Promise<string | null> {
  const { cluster } = ctx;
  const a = cluster.sweeps.get('torture-a')!;
  switch (op.kind) {
    case 'relaunch': {
      // Past the duplicate window since A's last publish: the broker no longer drops the same Msg-Ids.
      await sleep(Math.max(0, a.publishedAt + 2 * TORTURE_DUPLICATE_WINDOW_S * 1000 - Date.now()));
      await cluster.killCoordinator(a);
      const p = cluster.launch(a.id, a.file, a.extended);
      return `relaunched ${a.id}${a.extended ? ' with --extend' : ''} (coordinator pid ${p.child.pid})`;
    }
    case 'coordinator-kill': {
      const live = [...cluster.sweeps.values()].filter((s) => s.coordinator && s.coordinator.child.exitCode === null && !s.held);
      const s = pickOf(live, op.pick);
      if (!s) return null;
      const old = s.coordinator!.child.pid;
      await cluster.killCoordinator(s);
      const p = cluster.attach(s);
      return `killed coordinator of ${s.id} (pid ${old}), attached pid ${p.child.pid}`;
    }
    case 'worker-drain':
    case 'worker-kill':
    case 'worker-retire': {
      if (op.kind === 'worker-retire' && cluster.workers.length <= 2) return null;
      const w = pickOf(cluster.workers, op.pick);
      if (!w) return null;
      const held = runningOn(await ctx.records(), w);
      cluster.removeWorker(w);
      ctx.charge(held);
      if (op.kind === 'worker-kill') await killHard(w);
      else await stopGently(w, 60_000);
      const replacement = op.kind === 'worker-retire' ? null : cluster.startWorker();
      return `${op.kind === 'worker-kill' ? 'killed' : 'drained'} worker pid ${w.child.pid} holding [${held.map((r) => r.trialId).join(', ')}]${replacement ? `, started pid ${replacement.child.pid}` : ', not replaced'}`;
    }
    case 'worker-suspend': {
      const w = pickOf(cluster.workers, op.pick);
      if (!w) return null;
      const ackWaitMs = await readPoolAckWaitMs(await cluster.broker.nc.jetstreamManager(), TORTURE_POOL);
      const held = runningOn(await ctx.records(), w);
      ctx.charge(held);
      const forMs = Math.round(op.amount * ackWaitMs);
      signalTree(w.child.pid!, 'SIGSTOP');
      await sleep(forMs);
      signalTree(w.child.pid!, 'SIGCONT');
      return `suspended worker pid ${w.child.pid} for ${forMs} ms (ack_wait ${ackWaitMs} ms) holding [${held.map((r) => r.trialId).join(', ')}]`;
    }
    case 'second-sweep': {
      if (cluster.sweeps.has('torture-b')) return null;
      const ackWaitS = op.pick < 0.5 ? 2 : 8;
      const p = cluster.launch('torture-b', cluster.writeSpec('torture-b', sweepBSpec(ackWaitS)));
      ctx.onSweepsChanged();
      return `launched torture-b with ack_wait ${ackWaitS} s (coordinator pid ${p.child.pid})`;
    }
    case 'cancel-retry': {
      a.held = true;
      try {
        const running = (await ctx.records()).filter((r) => r.sweepId === a.id && r.status === 'RUNNING');
        ctx.charge(running);
        a.cancelledSince = true;
        const cancel = await cluster.command(['cancel', a.id]);
        if (cancel.code !== 0) throw new Error(`sweep cancel ${a.id} exited ${cancel.code}: ${cancel.output}`);
        await sleep(op.amount);
        const retry = await cluster.command(['retry', a.id]);
        if (retry.code !== 0) throw new Error(`sweep retry ${a.id} exited ${retry.code}: ${retry.output}`);
        a.publishedAt = Date.now();
        return `cancelled ${a.id} (${TortureCluster.ownLines(cancel.output)}), retried after ${Math.round(op.amount)} ms (${TortureCluster.ownLines(retry.output)})`;
      } finally {
        a.held = false;
      }
    }
    case 'extend': {
      await cluster.killCoordinator(a);
      const p = cluster.launch(a.id, cluster.writeSpec(a.id, sweepASpec(A_EXTENDED_REPEATS)), true);
      ctx.onSweepsChanged();
      return `extended ${a.id} to ${A_EXTENDED_REPEATS} trials (coordinator pid ${p.child.pid})`;
    }
    case 'broker-restart': {
      const running = (await ctx.records()).filter((r) => r.status === 'RUNNING');
      ctx.charge(running);
      await cluster.restartBroker(Math.round(op.amount));
      return `restarted the broker after ${Math.round(op.amount)} ms down with ${running.length} trial(s) running`;
    }
    case 'worker-late': {
      if (cluster.workers.length >= 4) return null;
      return `started late worker pid ${cluster.startWorker().child.pid}`;
    }
  }
}
