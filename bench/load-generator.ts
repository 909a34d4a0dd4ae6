// Load from a separate process: autocannon's CLI, spawned per measurement, so the generator's CPU
// is never charged to the process under test (the bench process itself only waits).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../src/config.ts';

export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** Seconds of unmeasured load first (JIT, pools, caches), at the same concurrency. */
  warmupSeconds?: number;
}

export async function generateLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const args = [path.join(repoRoot, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-n', '-c', String(options.connections), '-d', String(options.seconds)];
  if (options.warmupSeconds) args.push('--warmup', '[', '-c', String(options.connections), '-d', String(options.warmupSeconds), ']');
  if (target.method) args.push('-m', target.method);
  for (const [name, value] of Object.entries(target.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (target.body !== undefined) args.push('-b', target.body);
  args.push(target.url);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
  });
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.slice(-500)}`);
  // With --warmup, autocannon prints the warm-up's result first: the measured one is the last line.
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
