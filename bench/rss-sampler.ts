// Resident memory of another process, read from /proc/<pid>/status (Linux) every interval.
import { readFile } from 'node:fs/promises';

export async function readRssBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSampler {
  /** Stops sampling: the highest and the last value seen, in bytes. */
  stop(): Promise<{ peak: number; last: number; samples: number }>;
}

export function sampleRss(pid: number, intervalMs = 200): RssSampler {
  let peak = 0;
  let last = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rss = await readRssBytes(pid);
      if (rss !== undefined) {
        peak = Math.max(peak, rss);
        last = rss;
        samples += 1;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peak, last, samples };
    },
  };
}
