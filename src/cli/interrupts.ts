import type { LocalWorkers } from '../coordinator/local-workers.js';
import type { EmbeddedServer } from '../transport/embedded-server.js';
import { ExitCode } from './errors.js';

/** After a second signal, how long the normal shutdown (workers, then broker) may take before we exit anyway. */
const FORCED_EXIT_MS = 15_000;

/**
 * SIGINT/SIGTERM while `launch` or `attach` runs. Local workers and the embedded nats-server have their own process groups, so
 * a terminal's Ctrl-C reaches only this process, which stops them in order: the first signal drains the workers
 * and stops following (the command's finally then waits for them and stops the broker last; exit 130), the second
 * kills the workers.
 */
export class Interrupts {
  workers: LocalWorkers | null = null;
  embedded: EmbeddedServer | null = null;
  private count = 0;
  private forcedExit: NodeJS.Timeout | null = null;
  private readonly controller = new AbortController();
  private readonly onSignal = (sig: NodeJS.Signals) => this.interrupted(sig);

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  throwIfInterrupted(): void {
    if (this.count > 0) throw new ExitCode(130, 'interrupted: the sweep goes on when you launch or attach it again');
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    if (this.forcedExit) clearTimeout(this.forcedExit);
  }

  private interrupted(sig: NodeJS.Signals): void {
    const what = sig === 'SIGINT' ? 'Ctrl-C' : sig;
    this.count++;
    if (this.count === 1) {
      process.stderr.write(
        this.workers
          ? `${what}: draining local workers (running trials are requeued); press Ctrl-C again to stop them now\n`
          : `${what}: stopping\n`,
      );
      this.workers?.drain();
      this.controller.abort();
      return;
    }
    process.stderr.write(`${what} again: stopping local workers now\n`);
    this.workers?.kill();
    // Something unforeseen (e.g. an export) may still hold the shutdown up: do not leave the broker behind.
    this.forcedExit ??= setTimeout(() => {
      this.embedded?.kill();
      process.exit(130);
    }, FORCED_EXIT_MS).unref();
  }
}
