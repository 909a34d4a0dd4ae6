// CPU profiles of another Node process, one per measurement, through the inspector protocol: the
// process is started with --inspect=127.0.0.1:<port>, and this connects over WebSocket (Node's
// global WebSocket) to start and stop V8's sampling profiler around each load.
import type { CpuProfileLike } from './cpu-profile.ts';

export interface InspectorProfiler {
  start(): Promise<void>;
  stop(): Promise<CpuProfileLike>;
  close(): void;
}

export async function connectProfiler(inspectPort: number, samplingIntervalUs = 200): Promise<InspectorProfiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  return {
    start: () => call('Profiler.start'),
    async stop() {
      return (await call<{ profile: CpuProfileLike }>('Profiler.stop')).profile;
    },
    close: () => socket.close(),
  };
}
