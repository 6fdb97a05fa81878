/** What the worker needs of a running attempt: a periodic heartbeat, and a stop when it drains. */
export interface LiveAttempt {
  heartbeat(): void;
  abort(): void;
}

/**
 * The attempts a worker runs now, with one heartbeat timer for all of them: per-trial timers and drain
 * listeners cost dispatch benchmarks of thousands of 0 ms trials more than the heartbeats themselves.
 */
export class ActiveAttempts {
  private readonly live = new Set<LiveAttempt>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly heartbeatMs: number) {}

  add(a: LiveAttempt): void {
    this.live.add(a);
    if (this.timer) return;
    this.timer = setInterval(() => {
      for (const attempt of this.live) attempt.heartbeat();
    }, this.heartbeatMs);
    this.timer.unref();
  }

  delete(a: LiveAttempt): void {
    this.live.delete(a);
    if (this.live.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Drain: every running attempt stops at its next batch boundary. */
  abortAll(): void {
    for (const attempt of this.live) attempt.abort();
  }
}
