import type { JsMsg } from 'nats';

/**
 * Keeps a job's lease alive while a trial runs: calls msg.working() every ackWait/3, so an epoch longer
 * than ack_wait never triggers a redelivery, while a worker that dies loses the job after ack_wait.
 */
export class AckExtender {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly msg: JsMsg,
    private readonly ackWaitMs: number,
  ) {}

  start(): this {
    if (this.timer) return this;
    this.timer = setInterval(() => {
      try {
        this.msg.working();
      } catch {
        // connection down: the reconnect logic will catch up; the lease may lapse and another worker resumes
      }
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
