// Runs a task now and then every `intervalMs`, never two runs of it at once in this process;
// stop() waits for the run in flight. The background jobs and the reconciler run on it.
export interface PeriodicTask<T> {
  /** One run; a call while one is in flight shares it. */
  runOnce(): Promise<T>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export function createPeriodicTask<T>(run: () => Promise<T>, onError: (error: unknown) => void): PeriodicTask<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;

  function runOnce(): Promise<T> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    runOnce,
    start(intervalMs) {
      const tick = () => void runOnce().catch(onError);
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
