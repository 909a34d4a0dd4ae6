// Runs a long-lived child (Keycloak's Java process, the embedded PostgreSQL) so that it never
// outlives this process:
//  - stop() asks the child to stop, and escalates to SIGKILL on its whole process group (it is
//    spawned detached) after a grace period;
//  - if this process dies without cleaning up (SIGKILL, crash), a small bash wrapper notices
//    that its stdin pipe, held open by us, reached EOF, and signals the child.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

// bash gives background jobs /dev/null as stdin, so the watcher reads our pipe through fd 3.
// $1 is the signal that asks the child to stop.
const wrapper = `
sig=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
trap 'kill -s "$sig" "$child" 2>/dev/null' TERM INT HUP
( while IFS= read -r _ <&3; do :; done; kill -s "$sig" "$child" 2>/dev/null; sleep 20; kill -KILL "$child" 2>/dev/null ) &
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
  /** Asks the child to stop, SIGKILL to the process group after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnGuardedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the child's stdout and stderr go (appended); default: discarded. */
  logFile?: string;
  /**
   * Default: stop() sends SIGTERM to the whole process group. When set, this signal goes to the
   * child alone (the wrapper forwards it): PostgreSQL's postmaster takes SIGINT as "fast
   * shutdown" and stops its own children, which read signals sent to them as other commands.
   */
  stopSignal?: 'SIGINT' | 'SIGTERM';
  /** Run the wrapper and the child as this OS user (this process must be root). */
  uid?: number;
  gid?: number;
}

export function spawnGuarded(command: string, args: string[], options: SpawnGuardedOptions = {}): GuardedProcess {
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const stopSignal = options.stopSignal ?? 'SIGTERM';
  const child = spawn('bash', ['-c', wrapper, 'guardian', stopSignal.replace(/^SIG/, ''), command, ...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['pipe', out, out],
    ...(options.uid !== undefined && { uid: options.uid }),
    ...(options.gid !== undefined && { gid: options.gid }),
  });
  if (typeof out === 'number') closeSync(out);
  // The pipe is the parent's lifeline: it must stay open, and must not keep the event loop alive.
  child.stdin?.on('error', () => undefined);
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);

  const signal = (target: number, sig: NodeJS.Signals) => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };
  const signalGroup = (sig: NodeJS.Signals) => signal(-pid, sig);
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
        // The wrapper's trap turns its SIGTERM into stopSignal for the child.
        if (options.stopSignal) signal(pid, 'SIGTERM');
        else signalGroup('SIGTERM');
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
