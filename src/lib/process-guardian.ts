// Runs a long-lived child (Keycloak's Java process) so that it never outlives this process:
//  - stop() signals the child's whole process group (it is spawned detached) and escalates
//    to SIGKILL after a grace period;
//  - if this process dies without cleaning up (SIGKILL, crash), a small bash wrapper notices
//    that its stdin pipe, held open by us, reached EOF, and terminates the child.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

// bash gives background jobs /dev/null as stdin, so the watcher reads our pipe through fd 3.
const wrapper = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
( while IFS= read -r _ <&3; do :; done; kill -TERM "$child" 2>/dev/null; sleep 20; kill -KILL "$child" 2>/dev/null ) &
watcher=$!
wait "$child"; status=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

export interface GuardedProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnGuardedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the child's stdout and stderr go (appended); default: discarded. */
  logFile?: string;
}

export function spawnGuarded(command: string, args: string[], options: SpawnGuardedOptions = {}): GuardedProcess {
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn('bash', ['-c', wrapper, 'guardian', command, ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', out, out],
  });
  if (typeof out === 'number') closeSync(out);
  // The pipe is the parent's lifeline: it must stay open, and must not keep the event loop alive.
  child.stdin?.on('error', () => undefined);
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  // Last resort on a normal exit of this process (process.exit, end of event loop).
  const onExit = () => signalGroup('SIGKILL');
  process.once('exit', onExit);
  void exited.then(() => process.removeListener('exit', onExit));

  let stopping: Promise<void> | undefined;
  return {
    pid,
    child,
    exited,
    stop(graceMs = 20_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        // Anything left in the group (the watcher subshell) goes too.
        signalGroup('SIGKILL');
      })();
      return stopping;
    },
  };
}
