// CPU time over a measurement, from /proc (Linux): the machine's (every core, every process:
// Keycloak, the bridge, the load generator, PostgreSQL) and one process's. Divided by the
// requests served, it says what each request cost, which throughput alone hides when several
// processes share the cores. Clock ticks are 1/100 s on Linux.
import { readFile } from 'node:fs/promises';

const TICK_MS = 10;

async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces, so split after its closing paren).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
}

async function machineCpuMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  // Steal (time the hypervisor gave to other machines) is not work done here.
  const [user, nice, system, _idle, _iowait, irq, softirq] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq!) * TICK_MS;
}

export interface CpuWindow {
  /** CPU milliseconds used since the window opened: the whole machine, and the process (if a pid was given). */
  stop(): Promise<{ machineMs: number; processMs: number | undefined }>;
}

export async function openCpuWindow(pid?: number): Promise<CpuWindow> {
  const machine0 = await machineCpuMs();
  const process0 = pid === undefined ? undefined : await processCpuMs(pid);
  return {
    async stop() {
      const machineMs = (await machineCpuMs()) - machine0;
      const processMs = pid === undefined ? undefined : (await processCpuMs(pid)) - process0!;
      return { machineMs, processMs };
    },
  };
}
