// The Keycloak server distribution from Maven Central: downloaded once (sha1-checked), unpacked
// once, built once with our features, all in a cache folder outside the repository. A lock
// folder keeps two processes (say `npm start` and a test run) from preparing it at once.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Jdk } from './find-jdk.ts';

const run = promisify(execFile);
const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist';

/** Build-time options: features and providers are baked into the optimized server. */
export const BUILD_OPTIONS = ['--db=dev-file', '--features=client-secret-rotation', '--health-enabled=true', '--cache=local'];

async function withLock<T>(lockDir: string, log: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(await readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      const alive = pid > 0 && (() => { try { process.kill(pid, 0); return true; } catch { return false; } })();
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (!alive && age > 2000) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 20 * 60_000) throw new Error(`timed out waiting for ${lockDir}`);
      if ((Date.now() - started) % 30_000 < 1000) log(`waiting for another process preparing Keycloak (${lockDir})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function download(url: string, file: string, log: (m: string) => void): Promise<void> {
  const expected = (await (await fetch(`${url}.sha1`, { signal: AbortSignal.timeout(60_000) })).text()).trim().split(/\s+/)[0];
  const response = await fetch(url, { signal: AbortSignal.timeout(30 * 60_000) });
  if (!response.ok || !response.body) throw new Error(`downloading ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  let received = 0;
  let reported = 0;
  const hash = createHash('sha1');
  const partial = `${file}.partial`;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    hash.update(chunk);
    const percent = total ? Math.floor((received / total) * 100) : 0;
    if (percent >= reported + 10) {
      reported = percent - (percent % 10);
      log(`downloading Keycloak: ${reported}% of ${(total / 1e6).toFixed(0)} MB`);
    }
  });
  await pipeline(body, createWriteStream(partial));
  const actual = hash.digest('hex');
  if (expected && actual !== expected) {
    await rm(partial, { force: true });
    throw new Error(`checksum mismatch for ${url}: expected sha1 ${expected}, got ${actual}`);
  }
  await rename(partial, file);
}

/** Returns the Keycloak home folder, ready for `kc.sh start --optimized`. */
export async function prepareDistribution(options: { version: string; cacheDir: string; jdk: Jdk; env: NodeJS.ProcessEnv; log: (m: string) => void }): Promise<string> {
  const { version, cacheDir, jdk, log } = options;
  await mkdir(cacheDir, { recursive: true });
  const home = path.join(cacheDir, `keycloak-${version}`);
  const marker = path.join(home, '.sa-bridge-build.json');
  const wanted = JSON.stringify({ options: BUILD_OPTIONS, javaMajor: jdk.major });
  if ((await readFile(marker, 'utf8').catch(() => '')) === wanted) return home;

  return withLock(path.join(cacheDir, `.lock-keycloak-${version}`), log, async () => {
    if ((await readFile(marker, 'utf8').catch(() => '')) === wanted) return home;
    const tarball = path.join(cacheDir, `keycloak-${version}.tar.gz`);
    if (!existsSync(tarball)) {
      log(`downloading Keycloak ${version} from Maven Central (once; cached in ${cacheDir})`);
      await download(`${MAVEN_CENTRAL}/${version}/keycloak-quarkus-dist-${version}.tar.gz`, tarball, log);
    }
    if (!existsSync(path.join(home, 'bin', 'kc.sh'))) {
      log('unpacking Keycloak');
      const staging = await mkdtemp(path.join(cacheDir, '.unpack-'));
      await run('tar', ['-xzf', tarball, '-C', staging]);
      await rm(home, { recursive: true, force: true });
      await rename(path.join(staging, `keycloak-${version}`), home);
      await rm(staging, { recursive: true, force: true });
    }
    log(`building Keycloak with ${BUILD_OPTIONS.join(' ')} on Java ${jdk.version} (once, about a minute)`);
    const started = Date.now();
    await run(path.join(home, 'bin', 'kc.sh'), ['build', ...BUILD_OPTIONS], {
      env: { ...options.env, ...(jdk.javaHome && { JAVA_HOME: jdk.javaHome }) },
      maxBuffer: 32 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    await writeFile(marker, wanted);
    log(`Keycloak built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return home;
  });
}
