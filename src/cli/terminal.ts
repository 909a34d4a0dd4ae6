// What the CLI does only on a terminal: ask before destroying, and show that it is working.
import { createInterface } from 'node:readline/promises';
import type { CliEnvironment } from './cli-environment.ts';
import { CliError, exitCodes } from './exit-codes.ts';

/** Asks on a TTY; without one (a pipeline), only --yes may go ahead. */
export async function confirm(environment: CliEnvironment, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!environment.stdinIsTty || !environment.stderrIsTty) {
    throw new CliError(`refusing to ${question} without --yes when not on a terminal`, exitCodes.usage);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question}? Type yes to go ahead: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new CliError('cancelled', exitCodes.usage);
  } finally {
    prompt.close();
  }
}

/** A spinner on stderr while `work` runs, only when stderr is a terminal. */
export async function withProgress<T>(environment: CliEnvironment, label: string, work: () => Promise<T>): Promise<T> {
  if (!environment.stderrIsTty) return work();
  const frames = ['|', '/', '-', '\\'];
  let frame = 0;
  const timer = setInterval(() => process.stderr.write(`\r${frames[(frame += 1) % frames.length]} ${label}`), 120);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write(`\r${' '.repeat(label.length + 2)}\r`);
  }
}

/** "90s", "15m", "1h", "7d" or plain seconds, to seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new CliError(`not a duration: ${text} (use e.g. 90s, 15m, 1h, 7d)`, exitCodes.usage);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
