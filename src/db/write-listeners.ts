// Lets what a process remembers of some rows hear of every write it makes to them, before the
// writer's caller hears back (the caches also follow other processes' writes through the change
// feed, db/change-feed.ts, but that arrives a few milliseconds later).
export interface WriteListeners {
  onWrite(listener: () => void): void;
  /** Awaits the write, then tells every listener (also when it failed: a transaction may have half run). */
  written<T>(write: Promise<T>): Promise<T>;
}

export function createWriteListeners(): WriteListeners {
  const listeners = new Set<() => void>();
  return {
    onWrite(listener) {
      listeners.add(listener);
    },
    async written(write) {
      try {
        return await write;
      } finally {
        for (const listener of listeners) listener();
      }
    },
  };
}
