// Builds the web console (console/) into console/dist with Vite. Run by `npm install` (postinstall),
// before `npm start` (prestart) and by the browser tests; with --if-stale it does nothing when the
// build matches the sources (a hash of console/ and the lockfile kept in dist/.source-hash).
// Where Vite is not installed (npm install --omit=dev), an existing build is served as it is.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = path.join(root, 'console');
const distDir = path.join(consoleDir, 'dist');
const stampFile = path.join(distDir, '.source-hash');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !(dir === consoleDir && entry.name === 'dist'))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? sourceFiles(full) : [full];
    })
    .sort();
}

export function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(consoleDir), path.join(root, 'package-lock.json')]) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isFresh() {
  return existsSync(path.join(distDir, 'index.html')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === sourceHash();
}

export async function buildConsole({ ifStale = false, log = console.log } = {}) {
  if (ifStale && isFresh()) return 'fresh';
  let vite;
  try {
    vite = await import('vite');
  } catch {
    if (existsSync(path.join(distDir, 'index.html'))) {
      log('[console] Vite is not installed (production install): serving the existing build');
      return 'kept';
    }
    log('[console] not built: Vite is a dev dependency; run `npm install` with dev dependencies, then `npm run build:console`');
    return 'missing';
  }
  const started = Date.now();
  const hash = sourceHash();
  // A production bundle whoever runs this (vitest sets NODE_ENV=test, which Vite would follow).
  process.env.NODE_ENV = 'production';
  await vite.build({ configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  writeFileSync(stampFile, `${hash}\n`);
  const size = readdirSync(path.join(distDir, 'assets')).reduce((sum, file) => sum + statSync(path.join(distDir, 'assets', file)).size, 0);
  log(`[console] built console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s (${Math.round(size / 1024)} KiB of assets)`);
  return 'built';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildConsole({ ifStale: process.argv.includes('--if-stale') }).catch((error) => {
    console.error('[console] build failed:', error);
    process.exit(1);
  });
}
