import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { spawnGuarded } from '../../src/lib/process-guardian.ts';

/** Running, not merely a zombie waiting for a reaper (PID 1 in a container may never reap it). */
function isAlive(pid: number): boolean {
  try {
    const state = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)]).toString().trim();
    return state !== '' && !state.startsWith('Z');
  } catch {
    return false;
  }
}

/** The `sleep` started by the guardian wrapper whose process group is `pgid`. */
function sleepPidIn(pgid: number): number | undefined {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,comm=']).toString();
  const line = out.split('\n').map((l) => l.trim().split(/\s+/)).find(([, group, comm]) => Number(group) === pgid && comm === 'sleep');
  return line ? Number(line[0]) : undefined;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return predicate();
}

describe('spawnGuarded', () => {
  it('when stop is called, then the guarded process and its group exit', async () => {
    const guarded = spawnGuarded('sleep', ['300']);
    expect(await waitFor(() => sleepPidIn(guarded.pid) !== undefined, 5000)).toBe(true);
    const sleepPid = sleepPidIn(guarded.pid)!;
    await guarded.stop(5000);
    expect(await waitFor(() => !isAlive(sleepPid), 5000)).toBe(true);
  });

  it('when a stop signal is given, then stop sends it to the child, which exits on its own terms', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-guardian-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const ready = path.join(dir, 'ready');
    const received = path.join(dir, 'received');
    // A Node child: bash cannot trap SIGINT in a background job, which starts with it ignored.
    const script = `
      const fs = require('node:fs');
      for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { fs.writeFileSync(${JSON.stringify(received)}, signal); process.exit(0); });
      fs.writeFileSync(${JSON.stringify(ready)}, '');
      setInterval(() => undefined, 1000);`;
    const guarded = spawnGuarded(process.execPath, ['-e', script], { stopSignal: 'SIGINT' });
    expect(await waitFor(() => existsSync(ready), 5000)).toBe(true);

    await guarded.stop(5000);

    expect(await readFile(received, 'utf8')).toBe('SIGINT');
    expect(await guarded.exited).toBe(0);
  });

  it('when the parent is SIGKILLed, then the guarded process is gone within seconds', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/support/fixtures/guarded-parent.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const wrapperPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
      parent.once('exit', () => reject(new Error('parent exited early')));
    });
    expect(await waitFor(() => sleepPidIn(wrapperPid) !== undefined, 5000)).toBe(true);
    const sleepPid = sleepPidIn(wrapperPid)!;
    expect(isAlive(sleepPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(() => !isAlive(sleepPid), 5000)).toBe(true);
    expect(await waitFor(() => !isAlive(wrapperPid), 5000)).toBe(true);
  });
});
