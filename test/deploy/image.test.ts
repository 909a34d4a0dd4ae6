// The image (Dockerfile, .dockerignore) cannot be built on these machines (no Docker engine), so
// this checks what it is made of: the compiled JavaScript of `npm run build` loads with plain node,
// imports only production dependencies, carries the migrations and applies them; and the Dockerfile
// runs that build, non-root, with a health check, and no TypeScript toolchain at run time.
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { startDatabaseServer, type HarnessDatabaseServer } from '../harness/environment.ts';

const run = promisify(execFile);
// Inside the repository (gitignored), so the compiled files find node_modules and "type": "module".
const outDir = path.join(repoRoot, '.vitest-cache', 'build-test');
const packageJson = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.js')).map((e) => path.join(e.parentPath, e.name));
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Runs compiled code with this Node (24, from the `node` dev dependency) and a clean environment. */
async function node(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('compiled JavaScript (npm run build)', () => {
  let dataDir: string;
  let databases: HarnessDatabaseServer;
  beforeAll(async () => {
    await run(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--out-dir', outDir], { cwd: repoRoot, timeout: 300_000 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-build-test-'));
    // A real PostgreSQL for the migration runs: TEST_DATABASE_URL's server, or an embedded one.
    databases = await startDatabaseServer(() => undefined);
  }, 300_000);
  afterAll(async () => {
    await databases?.stop();
    await rm(outDir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('when built, then the entries, the migrations and the demo realms are there, and no .ts import is left', async () => {
    for (const file of ['src/main.js', 'scripts/migrate.js', 'scripts/setup-keycloak.js', 'src/generated/prisma/client.js', 'prisma/migrations/migration_lock.toml', 'keycloak-realm/acme.json']) {
      expect((await stat(path.join(outDir, file))).isFile(), file).toBe(true);
    }
    const leftovers: string[] = [];
    for (const file of await jsFiles(outDir)) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        if (!match[1]!.endsWith('.js')) leftovers.push(`${path.relative(outDir, file)}: ${match[1]}`);
      }
    }
    expect(leftovers).toEqual([]);
  });

  it('when its imports are listed, then each is a Node built-in or a production dependency (the image has no dev dependencies)', async () => {
    const builtins = new Set(builtinModules);
    const outside: string[] = [];
    for (const file of await jsFiles(outDir)) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"./][^'"]*)['"]/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
        if (!(packageOf(specifier) in packageJson.dependencies)) outside.push(`${path.relative(outDir, file)}: ${specifier}`);
      }
    }
    expect(outside).toEqual([]);
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
    expect(packageJson.dependencies).not.toHaveProperty('typescript');
  });

  it('when the bridge starts with a bad setting, then the whole module graph loaded and it stops with the config error', async () => {
    const { code, out } = await node([path.join(outDir, 'src', 'main.js')], { PORT: 'not-a-port', DATA_DIR: dataDir });
    expect(out).toContain('invalid configuration');
    expect(code).toBe(2);
  });

  it('when migrate.js runs twice on an empty database, then it applies every migration, then finds nothing to do', async () => {
    const migrations = (await readdir(path.join(repoRoot, 'prisma', 'migrations'), { withFileTypes: true })).filter((e) => e.isDirectory());
    const database = await databases.createDatabase();
    const first = await node([path.join(outDir, 'scripts', 'migrate.js')], { DATA_DIR: dataDir, DATABASE_URL: database.url });
    expect(first.out).toContain('migrations: applied');
    for (const m of migrations) expect(first.out).toContain(m.name);
    expect(first.code).toBe(0);
    const second = await node([path.join(outDir, 'scripts', 'migrate.js')], { DATA_DIR: dataDir, DATABASE_URL: database.url });
    expect(second.out).toContain(`database is up to date (${migrations.length} known)`);
    expect(second.code).toBe(0);
    await database.drop();
  }, 120_000);

  it('when migrate.js cannot reach its database, then it exits non-zero', async () => {
    const { code, out } = await node([path.join(outDir, 'scripts', 'migrate.js')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(out).toContain('migrations failed');
    expect(code).toBe(1);
  }, 60_000);
});

describe('Dockerfile and .dockerignore', () => {
  const stages = async () => (await readFile(path.join(repoRoot, 'Dockerfile'), 'utf8')).split(/^FROM /m).slice(1);

  it('when read, then the last stage runs compiled JS as a numeric non-root user with a /healthz health check', async () => {
    const all = await stages();
    expect(all.length).toBeGreaterThanOrEqual(3);
    const runtime = all.at(-1)!;
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toContain('CMD ["node", "dist/src/main.js"]');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
    expect(runtime).not.toMatch(/tsx|typescript|npm ci/);
    const prodDeps = all.find((s) => s.includes('AS prod-deps'))!;
    expect(prodDeps).toContain('npm ci --omit=dev --omit=optional --ignore-scripts');
    const build = all.find((s) => s.includes('AS build'))!;
    expect(build).toContain('npm run build');
  });

  it('when read, then .dockerignore sends an allow-list and never node_modules, .data, .env or keys', async () => {
    const lines = (await readFile(path.join(repoRoot, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    for (const never of ['**/node_modules', '**/.data', '**/.env', '**/.env.*', '**/*.key', '**/credentials.json', 'src/generated', 'dist']) {
      expect(lines).toContain(never);
    }
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    expect(allowed.sort()).toEqual(['keycloak-realm', 'package-lock.json', 'package.json', 'prisma', 'scripts', 'src', 'tsconfig.build.json', 'tsconfig.json']);
    // The re-excludes come after every re-include, so they win (last match decides).
    expect(lines.lastIndexOf('**/node_modules')).toBeGreaterThan(Math.max(...allowed.map((a) => lines.indexOf(`!${a}`))));
  });
});
