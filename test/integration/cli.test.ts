// The sa-bridge command as a pipeline runs it: a separate process (bin/sa-bridge.mjs), no
// terminal, configured by its environment, against the real bridge and Keycloak. Every output
// format is read back with a parser nobody here wrote (JSON.parse, dotenv, yaml, bash).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { auditActions } from '../../src/audit/audit-actions.ts';
import { repoRoot } from '../../src/config.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { tryClientCredentials } from '../support/keycloak-inspect.ts';
import { launchChromium } from '../support/browser.ts';
import { DEMO_PASSWORD, passwordGrant, testKeycloak } from '../support/keycloak.ts';
import { useTenantApp } from '../support/tenant-app.ts';
import { deployTools, runTool } from '../deploy/deploy-tools.ts';

const fixture = useTenantApp('cli');
let home: string;
let aliceToken: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-cli-home-'));
  aliceToken = (await passwordGrant(fixture.tenant.realm, 'alice')).access_token;
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sa-bridge <args>` with only the given environment (plus PATH and a scratch HOME). */
function sa(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'node'), [path.join(repoRoot, 'bin', 'sa-bridge.mjs'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const asAlice = () => ({ SA_BRIDGE_URL: fixture.app.baseUrl, SA_BRIDGE_TOKEN: aliceToken });

function expectOneLineFailure(run: Run, code: number, pattern: RegExp) {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^sa-bridge: /);
  expect(run.stderr).toMatch(pattern);
}

describe('sa-bridge in a pipeline', () => {
  let created: { id: string; client_id: string; client_secret: string; issuer: string };

  it('when an SA is created with --output json, then stdout is its JSON with the secret, and nothing reaches stderr', async () => {
    const run = await sa(['sa', 'create', 'cli-json', '--description', 'from the CLI', '--ttl', '5m', '--output', 'json'], asAlice());
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    created = JSON.parse(run.stdout);
    fixture.secrets.push(created.client_secret);
    expect(created).toMatchObject({ name: 'cli-json', description: 'from the CLI', access_token_ttl: 300, status: 'active', role: 'tenant-admin' });
    expect(created.client_secret).toEqual(expect.any(String));
    expect((await fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id } })).status).toBe('active');
  });

  it('when an SA is created with --output dotenv, then the dotenv parser reads its credentials, and they get a token', async () => {
    const run = await sa(['sa', 'create', 'cli-dotenv', '-o', 'dotenv'], asAlice());
    expect(run.code).toBe(0);
    const values = parseDotenv(run.stdout);
    fixture.secrets.push(values.SA_BRIDGE_CLIENT_SECRET!);
    expect(Object.keys(values).sort()).toEqual(['SA_BRIDGE_CLIENT_ID', 'SA_BRIDGE_CLIENT_SECRET', 'SA_BRIDGE_ISSUER', 'SA_BRIDGE_TOKEN_ENDPOINT']);
    expect(values.SA_BRIDGE_ISSUER).toBe(`${testKeycloak().url}/realms/${fixture.tenant.realm}`);
    expect((await tryClientCredentials(fixture.tenant.realm, values.SA_BRIDGE_CLIENT_ID!, values.SA_BRIDGE_CLIENT_SECRET!)).status).toBe(200);
  });

  it('when an SA is created with --output env, then bash evaluates it into the variables the CLI itself reads', async () => {
    const run = await sa(['sa', 'create', "cli-env", '--claim', "team=o'brien & co", '-o', 'env'], asAlice());
    expect(run.code).toBe(0);
    const shell = await new Promise<Run>((resolve) => {
      const child = spawn('bash', ['-c', 'eval "$(cat)"; printf "%s\\n%s\\n" "$SA_BRIDGE_CLIENT_ID" "$SA_BRIDGE_ISSUER"'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
      child.stdin.end(run.stdout);
    });
    expect(shell.code).toBe(0);
    const [clientId, issuer] = shell.stdout.trim().split('\n');
    expect(clientId).toMatch(/^sa-cli-env-[0-9a-f]{6}$/);
    expect(issuer).toBe(`${testKeycloak().url}/realms/${fixture.tenant.realm}`);
    fixture.secrets.push(/SA_BRIDGE_CLIENT_SECRET='([^']+)'/.exec(run.stdout)![1]!);
  });

  it('when an SA is created with --output k8s-secret, then the yaml parser reads a Secret and a ConfigMap', async () => {
    const run = await sa(['sa', 'create', 'cli-k8s', '-o', 'k8s-secret', '--namespace', 'payments'], asAlice());
    expect(run.code).toBe(0);
    const documents = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(documents.map((d) => d.kind)).toEqual(['Secret', 'ConfigMap']);
    const [secret, configMap] = documents;
    expect(secret).toMatchObject({ apiVersion: 'v1', type: 'Opaque', metadata: { name: 'cli-k8s-credentials', namespace: 'payments' } });
    expect(Object.keys(secret.stringData).sort()).toEqual(['client_id', 'client_secret', 'issuer', 'token_endpoint']);
    expect(configMap).toMatchObject({ apiVersion: 'v1', metadata: { name: 'cli-k8s-settings', namespace: 'payments' }, data: { client_id: secret.stringData.client_id } });
    expect(JSON.stringify(configMap)).not.toContain(secret.stringData.client_secret);
    for (const document of documents) expect(document.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    fixture.secrets.push(secret.stringData.client_secret);
    expect((await tryClientCredentials(fixture.tenant.realm, secret.stringData.client_id, secret.stringData.client_secret)).status).toBe(200);
  });

  it('when an SA is created with --output github, then its outputs are appended to GITHUB_OUTPUT and the secret is masked first', async () => {
    const outputFile = path.join(home, 'github-output');
    const run = await sa(['sa', 'create', 'cli-github', '-o', 'github'], { ...asAlice(), GITHUB_OUTPUT: outputFile });
    expect(run.code).toBe(0);
    const outputs = Object.fromEntries((await readFile(outputFile, 'utf8')).trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(Object.keys(outputs).sort()).toEqual(['client_id', 'client_secret', 'id', 'issuer', 'token_endpoint']);
    expect(run.stdout).toBe(`::add-mask::${outputs.client_secret}\n`);
    expect(((await stat(outputFile)).mode & 0o777).toString(8)).toBe('600');
    fixture.secrets.push(outputs.client_secret!);
  });

  it('when the SA is read in a table or listed, then no secret is printed', async () => {
    const one = await sa(['sa', 'get', 'cli-json', '-o', 'table'], asAlice());
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^client_id\s+sa-cli-json-/m);
    expect(one.stdout).not.toContain(created.client_secret);
    expect(one.stdout).not.toMatch(/^client_secret/m);
    const list = await sa(['sa', 'list', '-o', 'table'], asAlice());
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATUS/);
    expect(list.stdout).toContain('cli-json');
    expect(list.stdout).not.toContain(created.client_secret);
  });

  it('when token is asked for with the SA credentials, then it prints a real JWT from Keycloak', async () => {
    const run = await sa(['token', created.client_id], { SA_BRIDGE_CLIENT_SECRET: created.client_secret, SA_BRIDGE_ISSUER: created.issuer });
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    fixture.secrets.push(token);
    expect(decodeJwt(token)).toMatchObject({ iss: created.issuer, azp: created.client_id });
    expect(run.stderr).toBe('');
  });

  it("when a pipeline's own SA drives the CLI, then whoami shows that SA with its inherited role", async () => {
    const run = await sa(['whoami', '-o', 'json'], {
      SA_BRIDGE_URL: fixture.app.baseUrl,
      SA_BRIDGE_CLIENT_ID: created.client_id,
      SA_BRIDGE_CLIENT_SECRET: created.client_secret,
      SA_BRIDGE_ISSUER: created.issuer,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ role: 'tenant-admin', actor: { type: 'service_account', name: created.client_id }, service_account_id: created.id });
  });

  it('when the SA is rotated with a grace period, then the new secret is printed and both secrets work', async () => {
    const run = await sa(['sa', 'rotate', 'cli-json', '--grace', '1h', '-o', 'json'], asAlice());
    expect(run.code).toBe(0);
    const rotated = JSON.parse(run.stdout);
    fixture.secrets.push(rotated.client_secret);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(new Date(rotated.previous_secret_expires_at).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, created.client_secret)).status).toBe(200);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, rotated.client_secret)).status).toBe(200);
    created.client_secret = rotated.client_secret;
  });

  it('when the SA is rotated in a GitHub job, then the new secret is masked before it is written to GITHUB_OUTPUT, and both secrets work for the grace period', async () => {
    const outputFile = path.join(home, 'github-rotate-output');
    const run = await sa(['sa', 'rotate', 'cli-json', '--grace', '24h', '--yes', '--output', 'github'], { ...asAlice(), GITHUB_OUTPUT: outputFile });
    expect(run.code).toBe(0);
    const outputs = Object.fromEntries((await readFile(outputFile, 'utf8')).trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    fixture.secrets.push(outputs.client_secret!);
    expect(outputs).toMatchObject({ id: created.id, client_id: created.client_id, issuer: created.issuer });
    expect(outputs.client_secret).not.toBe(created.client_secret);
    expect(run.stdout).toBe(`::add-mask::${outputs.client_secret}\n`);
    const row = await fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.previousSecretExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, created.client_secret)).status).toBe(200);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, outputs.client_secret!)).status).toBe(200);
    created.client_secret = outputs.client_secret!;
  });

  it('when the SA is rotated with --output k8s-secret, then the manifests carry the new secret and pass kubernetes-validate --strict', async () => {
    const run = await sa(['sa', 'rotate', 'cli-json', '--grace', '1h', '--yes', '-o', 'k8s-secret', '--namespace', 'payments'], asAlice());
    expect(run.code).toBe(0);
    const [secret] = parseAllDocuments(run.stdout).map((d) => d.toJS());
    fixture.secrets.push(secret.stringData.client_secret);
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'cli-json-credentials', namespace: 'payments' }, stringData: { client_id: created.client_id } });
    expect(secret.stringData.client_secret).not.toBe(created.client_secret);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, secret.stringData.client_secret)).status).toBe(200);
    created.client_secret = secret.stringData.client_secret;

    const setup = await deployTools();
    if (!setup.tools) return console.warn(`[cli] kubernetes-validate not run: ${setup.skipReason}`);
    const file = path.join(home, 'rotated.yaml');
    await writeFile(file, run.stdout, { mode: 0o600 });
    const validated = await runTool(setup.tools.kubernetesValidate, ['--strict', '--quiet', '-k', '1.31.0', file]);
    expect(validated.stdout + validated.stderr).toBe('');
    expect(validated.code).toBe(0);
  }, 30 * 60_000); // a cold machine builds the validators first (deploy/tools/install.sh)

  it('when a destructive command runs without a terminal and without --yes, then it refuses with exit 2 and changes nothing', async () => {
    for (const args of [['sa', 'disable', 'cli-json'], ['sa', 'delete', 'cli-json'], ['sa', 'rotate', 'cli-json']]) {
      expectOneLineFailure(await sa(args, asAlice()), 2, /without --yes when not on a terminal/);
    }
    expect((await fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id } })).status).toBe('active');
  });

  it('when the SA is disabled and then deleted with --yes, then Keycloak refuses its secret and the row is deleted', async () => {
    const disabled = await sa(['sa', 'disable', 'cli-json', '--yes', '-o', 'json'], asAlice());
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout).status).toBe('disabled');
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, created.client_secret)).status).toBeGreaterThanOrEqual(400);
    const deleted = await sa(['sa', 'delete', created.id, '--yes'], asAlice());
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain('deleted cli-json');
    expect((await fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id } })).status).toBe('deleted');
  });
});

describe('sa-bridge policy, exchange, update, end-grace and audit', () => {
  it('when a cpi-admin sets the policy, then the tenant admin reads it, and an SA exchanges its token only for an allowed audience', async () => {
    const root = (await passwordGrant('platform', 'root')).access_token;
    const set = await sa(['policy', 'set', fixture.tenant.realm, '--allowed-audiences', 'cli-reports-api', '--max-grace', '2d', '-o', 'json'], {
      SA_BRIDGE_URL: fixture.app.baseUrl,
      SA_BRIDGE_TOKEN: root,
    });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ allowed_audiences: ['cli-reports-api'], max_grace_period_seconds: 172800 });
    const refused = await sa(['policy', 'set', '--max-grace', '3d'], asAlice());
    expectOneLineFailure(refused, 4, /insufficient_role/);

    const read = await sa(['policy', 'get', '-o', 'table'], asAlice());
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/^allowed_audiences\s+cli-reports-api$/m);
    expect(read.stdout).toMatch(/^max_grace_period_seconds\s+172800$/m);

    const created = JSON.parse((await sa(['sa', 'create', 'cli-exchanger', '-o', 'json'], asAlice())).stdout);
    fixture.secrets.push(created.client_secret);
    const workload = { SA_BRIDGE_URL: fixture.app.baseUrl, SA_BRIDGE_CLIENT_ID: created.client_id, SA_BRIDGE_CLIENT_SECRET: created.client_secret, SA_BRIDGE_ISSUER: created.issuer };
    const exchanged = await sa(['exchange', '--audience', 'cli-reports-api'], workload);
    expect(exchanged.stderr).toBe('');
    expect(exchanged.code).toBe(0);
    fixture.secrets.push(exchanged.stdout.trim());
    expect(decodeJwt(exchanged.stdout.trim())).toMatchObject({ aud: 'cli-reports-api', iss: created.issuer });
    expectOneLineFailure(await sa(['exchange', '--audience', 'payroll-api'], workload), 1, /invalid_target/);
  });

  it('when an SA is updated and its grace period ended, then the row, Keycloak and the audit list all show it', async () => {
    const created = JSON.parse((await sa(['sa', 'create', 'cli-updated', '-o', 'json'], asAlice())).stdout);
    fixture.secrets.push(created.client_secret);
    const updated = await sa(['sa', 'update', 'cli-updated', '--description', 'nightly reports', '--ttl', '10m', '-o', 'json'], asAlice());
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ description: 'nightly reports', access_token_ttl: 600 });
    expect(await fixture.app.deps.db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ description: 'nightly reports' });

    const rotated = JSON.parse((await sa(['sa', 'rotate', 'cli-updated', '--grace', '1h', '-o', 'json'], asAlice())).stdout);
    fixture.secrets.push(rotated.client_secret);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, created.client_secret)).status).toBe(200);
    const ended = await sa(['sa', 'end-grace', 'cli-updated', '-o', 'json'], asAlice());
    expect(ended.code).toBe(0);
    expect(JSON.parse(ended.stdout).previous_secret_expires_at ?? null).toBeNull();
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, created.client_secret)).status).toBe(401);
    expect((await tryClientCredentials(fixture.tenant.realm, created.client_id, rotated.client_secret)).status).toBe(200);

    const audit = await sa(['audit', 'list', '--target', created.id, '-o', 'json'], asAlice());
    expect(audit.code).toBe(0);
    const actions = JSON.parse(audit.stdout).map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining([auditActions.serviceAccountCreated, auditActions.secretRegenerated, auditActions.previousSecretRevoked]));
    expect(actions.some((a: string) => a === auditActions.serviceAccountUpdated || a === auditActions.tokenShapeUpdated)).toBe(true);
    const table = await sa(['audit', 'list', '--target', created.id, '--limit', '2', '-o', 'table'], asAlice());
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTION\s+OUTCOME\s+ACTOR\s+TARGET$/);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stdout).not.toContain(rotated.client_secret);
  });
});

describe('sa-bridge failures', () => {
  it('when the token is wrong, then exit 4 and one line', async () => {
    expectOneLineFailure(await sa(['sa', 'list'], { SA_BRIDGE_URL: fixture.app.baseUrl, SA_BRIDGE_TOKEN: 'not-a-token' }), 4, /invalid_token/);
  });

  it('when no credentials are set, then exit 4 saying how to sign in', async () => {
    expectOneLineFailure(await sa(['whoami'], { SA_BRIDGE_URL: fixture.app.baseUrl }), 4, /not signed in/);
  });

  it('when the SA does not exist, then exit 3', async () => {
    expectOneLineFailure(await sa(['sa', 'get', 'sa_AAAAAAAAAAAAAAAAAAAA'], asAlice()), 3, /service_account_not_found/);
    expectOneLineFailure(await sa(['sa', 'get', 'no-such-name'], asAlice()), 3, /no service account named no-such-name/);
  });

  it('when the command line is wrong, then exit 2', async () => {
    expect((await sa(['sa', 'create'], asAlice())).code).toBe(2);
    expect((await sa(['sa', 'list', '--output', 'xml'], asAlice())).code).toBe(2);
    expect((await sa(['sa', 'list'], { SA_BRIDGE_TOKEN: aliceToken })).code).toBe(2);
  });

  it('when the API refuses the request, then exit 1 with the field named', async () => {
    expectOneLineFailure(await sa(['sa', 'create', 'Bad Name'], asAlice()), 1, /invalid_request: .*body\.name/);
  });

  describe('when Keycloak is down', () => {
    let proxy: FaultProxy;
    let app: TestApp;

    beforeAll(async () => {
      proxy = await startFaultProxy(testKeycloak().url);
      app = await startTestApp({ realms: [fixture.tenant.realm], keycloakUrl: proxy.url, env: { KEYCLOAK_TIMEOUT_MS: '2000' } });
    });

    afterAll(async () => {
      await app?.close();
      await proxy?.close();
    });

    it('then a create through the bridge and a token at Keycloak both exit 5', async () => {
      proxy.add({ match: () => true, mode: 'unavailable' });
      expectOneLineFailure(await sa(['sa', 'create', 'during-outage'], { SA_BRIDGE_URL: app.baseUrl, SA_BRIDGE_TOKEN: aliceToken }), 5, /keycloak_unavailable/);
      const token = await sa(['token', 'sa-anything'], { SA_BRIDGE_CLIENT_SECRET: 'x', SA_BRIDGE_ISSUER: `${proxy.url}/realms/${fixture.tenant.realm}` });
      expectOneLineFailure(token, 5, /failed after/);
    });
  });
});

describe('sa-bridge login (device authorization grant)', () => {
  it('when a person approves the code on Keycloak\'s own pages, then the CLI keeps a 0600 login that drives later commands and renews itself', async () => {
    const issuer = `${testKeycloak().url}/realms/${fixture.tenant.realm}`;
    const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'node'), [path.join(repoRoot, 'bin', 'sa-bridge.mjs'), 'login', '--issuer', issuer], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const prompt = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sign-in prompt: ${stderr}`)), 30_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /open (\S+) and confirm the code (\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match);
        }
      });
    });
    const [, verificationUrl, userCode] = prompt;
    expect(verificationUrl).toContain(`user_code=${userCode}`);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(verificationUrl!);
      await page.locator('#username').fill('alice');
      await page.locator('#password').fill(DEMO_PASSWORD);
      await page.locator('#kc-login').click();
      // Keycloak asks the person to grant the portal client access, then confirms.
      await page.locator('#kc-login').click();
      await page.getByText('Device Login Successful').waitFor();
    } finally {
      await browser.close();
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('signed in');
    const file = path.join(home, '.config', 'sa-bridge', 'credentials.json');
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');

    const me = await sa(['whoami', '-o', 'json'], { SA_BRIDGE_URL: fixture.app.baseUrl });
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ actor: { type: 'user', name: 'alice' }, role: 'tenant-admin' });

    // An expired access token is renewed with the refresh token, and the renewal is kept.
    const stored = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...stored, expires_at: Date.now() - 1000 }), { mode: 0o600 });
    const renewed = await sa(['whoami', '-o', 'json'], { SA_BRIDGE_URL: fixture.app.baseUrl });
    expect(renewed.code).toBe(0);
    const after = JSON.parse(await readFile(file, 'utf8'));
    expect(after.access_token).not.toBe(stored.access_token);
    expect(after.expires_at).toBeGreaterThan(Date.now());

    const out = await sa(['logout']);
    expect(out.code).toBe(0);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expectOneLineFailure(await sa(['whoami'], { SA_BRIDGE_URL: fixture.app.baseUrl }), 4, /not signed in/);
  });
});
