import { describe, expect, it } from 'vitest';
import { createPeriodicTask } from '../../src/lib/periodic-task.ts';

describe('createPeriodicTask', () => {
  it('when stopped during a run, then the run ends at its next safe point, stop() waits for it, and no further run starts', async () => {
    const done: number[] = [];
    let runs = 0;
    const task = createPeriodicTask(async (signal) => {
      runs += 1;
      for (let item = 0; item < 50; item += 1) {
        if (signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        done.push(item);
      }
    }, () => undefined);
    task.start(10);
    await new Promise((resolve) => setTimeout(resolve, 70));
    const stopped = task.stop();
    const doneAtStop = done.length;
    await stopped;
    // The item in progress at stop() finished; none after it started.
    expect(done.length).toBe(doneAtStop + 1);
    expect(done.length).toBeLessThan(50);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs).toBe(1);
  });

  it('when run once after a stop, then the run is not told to stop', async () => {
    const task = createPeriodicTask(async (signal) => signal.aborted, () => undefined);
    await task.stop();
    expect(await task.runOnce()).toBe(false);
  });
});
