import type { TrialStore } from '../../../src/transport/trial-store.js';
import type { NatsConnection } from 'nats';
import { trialsWithJobs } from '../../../src/transport/job-queue.js';
import { isTerminal } from '../../../src/domain/trial-state.js';

/**
 * "Every non-terminal record has a job", checked once a second while a run goes on. A trial counts as stranded
 * when two checks in a row find it non-terminal, in the same status and attempt, with no job in the stream: a
 * record written just before its job is published (launch, retry) is seen once at most. Checks that fail (the
 * broker is down) are skipped.
 */
export class JobCheck {
  readonly stranded: string[] = [];
  checks = 0;
  private suspects = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: TrialStore,
    private readonly sweepIds: () => string[],
  ) {}

  start(everyMs = 1_000): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.check()).catch(() => undefined);
    }, everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async check(): Promise<void> {
    const next = new Map<string, string>();
    for (const sweepId of this.sweepIds()) {
      const records = await this.store.snapshot(sweepId);
      const jobs = await trialsWithJobs(this.nc, sweepId);
      for (const r of records.values()) {
        if (isTerminal(r.status) || jobs.has(r.trialId)) continue;
        const key = `${sweepId}/${r.trialId}`;
        const state = `${r.status} attempt ${r.attempt} on ${r.worker ?? 'no worker'}`;
        if (this.suspects.get(key) === state) this.stranded.push(`${key}: ${state}, no job in the stream at two checks in a row (${new Date().toISOString()})`);
        next.set(key, state);
      }
    }
    this.suspects = next;
    this.checks++;
  }
}
