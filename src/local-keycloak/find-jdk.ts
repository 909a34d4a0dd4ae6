import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Jdk {
  javaHome: string | undefined;
  java: string;
  version: string;
  major: number;
}

export class JdkNotFoundError extends Error {
  constructor(keycloakVersion: string, minimumMajor: number, seen: string[]) {
    super(
      `Keycloak ${keycloakVersion} needs Java ${minimumMajor} or newer` +
        (seen.length ? ` (found only ${seen.join(', ')})` : ' (none found)') +
        `: install one (e.g. apt-get install openjdk-${minimumMajor}-jdk-headless, or Temurin ${minimumMajor}+) or set JAVA_HOME to it`,
    );
    this.name = 'JdkNotFoundError';
  }
}

async function probe(java: string, javaHome: string | undefined): Promise<Jdk | undefined> {
  try {
    const { stderr } = await run(java, ['-version'], { timeout: 15_000 });
    const match = /version "([^"]+)"/.exec(stderr);
    if (!match?.[1]) return undefined;
    const version = match[1];
    const major = Number(version.startsWith('1.') ? version.split('.')[1] : version.split(/[.+-]/)[0]);
    return { javaHome, java, version, major };
  } catch {
    return undefined;
  }
}

/** The newest JDK at or above `minimumMajor`: JAVA_HOME first if it qualifies, then /usr/lib/jvm, then PATH. */
export async function findJdk(options: { javaHome?: string; minimumMajor: number; keycloakVersion: string }): Promise<Jdk> {
  const candidates: Array<{ java: string; home: string | undefined }> = [];
  if (options.javaHome) candidates.push({ java: path.join(options.javaHome, 'bin', 'java'), home: options.javaHome });
  const jvmRoot = '/usr/lib/jvm';
  if (existsSync(jvmRoot)) {
    for (const entry of readdirSync(jvmRoot)) {
      const java = path.join(jvmRoot, entry, 'bin', 'java');
      if (existsSync(java)) candidates.push({ java, home: path.join(jvmRoot, entry) });
    }
  }
  candidates.push({ java: 'java', home: undefined });
  const found = (await Promise.all(candidates.map((c) => probe(c.java, c.home)))).filter((j): j is Jdk => j !== undefined);
  const fromJavaHome = options.javaHome ? found.find((j) => j.javaHome === options.javaHome && j.major >= options.minimumMajor) : undefined;
  if (fromJavaHome) return fromJavaHome;
  const usable = found.filter((j) => j.major >= options.minimumMajor).sort((a, b) => b.major - a.major);
  if (usable[0]) return usable[0];
  throw new JdkNotFoundError(options.keycloakVersion, options.minimumMajor, [...new Set(found.map((j) => `Java ${j.version}`))]);
}
