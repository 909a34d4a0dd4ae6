// Runs a task now and then every `intervalMs`, never two runs of it at once in this process;
// stop() waits for the run in flight. The background jobs and the reconciler run on it.
export interface PeriodicTask<T> {
  /** One run; a call while one is in flight shares it. */
  runOnce(): Promise<T>;
  start(intervalMs: number): void;
  /**
   * No further runs start; the run in flight sees its signal aborted and ends at its next safe
   * point (between two items, never inside one). Resolves when it has ended.
   */
  stop(): Promise<void>;
}

/** `run` gets a signal that stop() aborts: it checks `signal.aborted` where stopping is safe. */
export function createPeriodicTask<T>(run: (signal: AbortSignal) => Promise<T>, onError: (error: unknown) => void): PeriodicTask<T> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T> | undefined;
  let stopping = new AbortController();

  function runOnce(): Promise<T> {
    running ??= run(stopping.signal).finally(() => {
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
      timer = undefined;
      stopping.abort();
      await running?.catch(() => undefined);
      // A later runOnce (tests call it on stopped tasks) runs in full.
      stopping = new AbortController();
    },
  };
}
