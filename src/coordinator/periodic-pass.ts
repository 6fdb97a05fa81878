/** A background pass that the coordinator repeats while it follows a sweep (the reaper, the garbage collector). */
export interface PeriodicPass<T, A> {
  /** One pass now, after any in progress (passes never overlap); `arg` is handed to it (timer passes get none). */
  runNow(arg?: A): Promise<T>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` every `intervalMs` (after the previous one ends) until stop(). A failed pass is reported to `onError`
 * and the next one runs as planned: a broker that is briefly unavailable must not end the coordinator's passes.
 */
export function startPeriodicPass<T, A = never>(intervalMs: number, pass: (arg?: A) => Promise<T>, onError: (e: unknown) => void): PeriodicPass<T, A> {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> = Promise.resolve();
  const runNow = (arg?: A): Promise<T> => {
    const next = running.catch(() => undefined).then(() => pass(arg));
    running = next;
    return next;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      runNow().then(schedule, (e: unknown) => {
        onError(e);
        schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running.catch(() => undefined);
    },
  };
}
