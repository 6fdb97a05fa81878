import type { BackendName } from '../../domain/backends.js';
import { TrainerProcess } from './trainer-process.js';

/**
 * One persistent trainer process per worker slot: a trial borrows an idle one, and a trainer that died (native
 * abort, OOM kill) is replaced by a fresh one for the next trial, so a crash costs one attempt, never a slot.
 */
export class TrainerPool {
  private readonly idle: TrainerProcess[] = [];
  private readonly all = new Set<TrainerProcess>();

  constructor(
    private readonly opts: { backend: BackendName; dataDir?: string; log: (level: 'debug' | 'info' | 'warn', msg: string) => void },
  ) {}

  /** Starts one trainer ahead of the first trial and returns the backend it initialised (what /readyz reports). */
  async warm(): Promise<string> {
    const t = this.spawn();
    this.idle.push(t);
    return t.backend();
  }

  /** An idle live trainer, started if none is idle; rejects when its backend cannot initialise. */
  async acquire(): Promise<TrainerProcess> {
    let t = this.idle.pop();
    while (t && !t.alive) {
      this.all.delete(t);
      t = this.idle.pop();
    }
    t ??= this.spawn();
    try {
      await t.backend();
    } catch (e) {
      this.all.delete(t);
      await t.kill();
      throw e;
    }
    return t;
  }

  release(t: TrainerProcess): void {
    if (t.alive && !t.busy) this.idle.push(t);
    else this.all.delete(t);
  }

  /** Kills every trainer (the worker is exiting). */
  async close(): Promise<void> {
    await Promise.all([...this.all].map((t) => t.kill()));
    this.all.clear();
    this.idle.length = 0;
  }

  private spawn(): TrainerProcess {
    const t = new TrainerProcess({ backend: this.opts.backend, log: this.opts.log, ...(this.opts.dataDir ? { dataDir: this.opts.dataDir } : {}) });
    this.all.add(t);
    return t;
  }
}
