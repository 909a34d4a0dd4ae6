// The web console in headless Chromium against the real app, a fresh Keycloak realm and a real
// database: people sign in on Keycloak's login page and do through the console what the API
// allows them, and the pages pass axe-core.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { apiClient } from '../support/api.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium, readmeScreenshot, seriousAxeViolations, signInOnKeycloak } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { tryClientCredentials } from '../support/keycloak-inspect.ts';
import { createTestRealm, DEMO_PASSWORD, passwordGrant, type TestRealm } from '../support/keycloak.ts';
import { expectNoSecretLeaked } from '../support/leaks.ts';

let tenant: TestRealm;
/** This file's own platform realm (PLATFORM_REALM), whose root is cpi-admin. */
let platform: TestRealm;
let app: TestApp;
let browser: Browser;
const secrets: string[] = [];

beforeAll(async () => {
  // The build the app serves, made now if console/ changed since the last one.
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-console.mjs'), '--if-stale'], { stdio: 'inherit' });
  tenant = await createTestRealm('console');
  platform = await createTestRealm('console-ops', { operator: true });
  // The portal client sends people back to PUBLIC_URL, so the app listens where it says.
  const port = await freePort();
  app = await startTestApp({
    realms: [tenant.realm, platform.realm],
    port,
    env: { PUBLIC_URL: `http://127.0.0.1:${port}`, PLATFORM_REALM: platform.realm },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (app && secrets.length > 0) await expectNoSecretLeaked(app, secrets);
  await app?.close();
  await tenant?.remove();
  await platform?.remove();
});

async function signIn(context: BrowserContext, username: string, realm = tenant.realm): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${app.baseUrl}/console/`);
  await page.getByLabel('Tenant').fill(realm);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await signInOnKeycloak(page, username, DEMO_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'Service accounts' }).waitFor();
  return page;
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAxeViolations(page)).toEqual([]);
}

/** Everything the page's origin keeps in browser storage, to prove no token or secret is there. */
async function browserStorage(page: Page): Promise<string> {
  return page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
}

describe('console', () => {
  it('when the console is opened, then the bridge serves it with a strict Content-Security-Policy and its sign-in settings', async () => {
    const page = await fetch(`${app.baseUrl}/console/service-accounts/sa_x`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('<div id="app">');
    const settings = await (await fetch(`${app.baseUrl}/console/config.json`)).json();
    expect(settings).toMatchObject({ platform_realm: platform.realm, client_id: 'portal' });
    expect((await fetch(`${app.baseUrl}/console/assets/missing.js`)).status).toBe(404);
    const post = await fetch(`${app.baseUrl}/console/service-accounts`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const bare = await fetch(`${app.baseUrl}/console`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/console/']);
  });

  it('when alice signs in, then she creates a service account, reads its secret once, rotates it with grace, disables and deletes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await signIn(context, 'alice');
    await expect.poll(() => page.getByText('tenant-admin').first().isVisible()).toBe(true);
    await expectAccessible(page);

    // A few service accounts made through the API, so the list has something to show.
    const alice = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, 'alice')).access_token);
    for (const [name, description] of [
      ['billing-export', 'Nightly export of invoices to the data warehouse'],
      ['grafana-reader', 'Dashboards read service-account status'],
    ]) {
      const created = await alice.post('/v1/service-accounts', { name, description, role: 'viewer' });
      expect(created.status).toBe(201);
      secrets.push(created.body.client_secret);
    }
    const disabled = await alice.patch(`/v1/service-accounts/${(await alice.get('/v1/service-accounts?q=grafana')).body.items[0].id}`, { enabled: false });
    expect(disabled.status).toBe(200);

    // Create, first with a name the API refuses: its message stands next to the field.
    await page.getByRole('button', { name: 'Create service account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create service account' });
    await dialog.getByLabel('Name').fill('CI Pipeline');
    await dialog.getByLabel('Description').fill('Deploys from the CI pipeline');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const name = dialog.getByLabel('Name');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    const nameError = await page.locator(`#${(await name.getAttribute('aria-describedby'))!.split(' ').at(-1)}`).textContent();
    expect(nameError).toContain('lowercase slug');
    // Keyboard users land on the field to fix.
    await expect.poll(() => page.evaluate<string>('document.activeElement.getAttribute("name")')).toBe('name');
    await expectAccessible(page);

    await name.fill('ci-pipeline');
    await dialog.getByLabel('Role').selectOption('devops');
    await dialog.getByLabel('Rotate the secret automatically').check();
    await dialog.getByLabel('Every (days)').fill('30');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    const created = page.getByRole('dialog', { name: 'Service account ci-pipeline created' });
    await created.waitFor();
    const clientId = await created.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
    const secret = await created.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
    secrets.push(secret);
    expect(clientId).toMatch(/^sa-ci-pipeline-/);
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await expect.poll(() => created.getByText('This is the only time it is shown').isVisible()).toBe(true);
    for (const snippet of ['Environment variables', 'curl: get a token', 'Kubernetes Secret']) {
      expect(await created.getByRole('region', { name: snippet }).textContent()).toContain(secret);
    }
    await readmeScreenshot(page, 'console-create-secret');
    await expectAccessible(page);

    // The secret works at Keycloak, and neither it nor a token was kept in the browser.
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).toBe(200);
    const stored = await browserStorage(page);
    expect(stored).not.toContain(secret);
    expect(stored).not.toMatch(/eyJ[\w-]+\.eyJ/);

    // Closing the dialog forgets the secret.
    await created.getByRole('button', { name: 'Done, I stored the secret' }).click();
    await expect.poll(() => page.content()).not.toContain(secret);
    await page.getByRole('link', { name: 'ci-pipeline' }).waitFor();
    await readmeScreenshot(page, 'console-list');

    // Filters: search and status.
    await page.getByLabel('Search').fill('grafana');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Status').selectOption('active');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'grafana-reader' }).count()).toBe(0);
    await page.getByRole('link', { name: 'ci-pipeline' }).click();

    // The detail page, with its own audit events.
    await page.getByRole('heading', { level: 1, name: /ci-pipeline/ }).waitFor();
    await page.getByRole('heading', { name: 'Audit events' }).waitFor();
    await page.getByText('every 30 days, old secret kept 24 hours').waitFor();
    await expect.poll(() => page.getByRole('cell', { name: 'service_account.created' }).count()).toBe(1);
    expect(await page.getByText(`${tenant.realm}/protocol/openid-connect/token`).count()).toBeGreaterThan(0);
    // Its conditions, in words: a fresh SA is Ready (Provisioned) until the reconciler checks it.
    await expect.poll(async () => (await page.getByRole('listitem').filter({ hasText: 'Ready' }).first().textContent()) ?? '').toMatch(/Ready: yes \((Provisioned|InSync)\)/);
    await readmeScreenshot(page, 'console-detail', { fullPage: true });
    await expectAccessible(page);

    // A reload loses the tokens (memory only); the sign-in resumes without a login page.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: /ci-pipeline/ }).waitFor();
    expect(await browserStorage(page)).not.toMatch(/eyJ[\w-]+\.eyJ/);

    // Rotate with an hour of grace: both secrets work.
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate the secret of ci-pipeline' });
    await rotate.getByLabel('Grace period').fill('1');
    await rotate.getByLabel('Unit').selectOption('hours');
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = page.getByRole('dialog', { name: 'New secret for ci-pipeline' });
    const newSecret = await rotated.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
    secrets.push(newSecret);
    expect(newSecret).not.toBe(secret);
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).toBe(200);
    expect((await tryClientCredentials(tenant.realm, clientId, newSecret)).status).toBe(200);
    await rotated.getByRole('button', { name: 'Done, I stored the secret' }).click();
    await expect.poll(() => page.content()).not.toContain(newSecret);

    // End the grace period: only the new secret works.
    await page.getByRole('button', { name: 'End grace period' }).click();
    await page.getByText('The previous secret no longer works.').waitFor();
    expect((await tryClientCredentials(tenant.realm, clientId, secret)).status).not.toBe(200);
    expect((await tryClientCredentials(tenant.realm, clientId, newSecret)).status).toBe(200);

    // Disable: the secret is refused; enable again; disable once more before deleting.
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect((await tryClientCredentials(tenant.realm, clientId, newSecret)).status).not.toBe(200);

    // Delete, confirmed by typing the name.
    await page.getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: 'Delete ci-pipeline' });
    const confirm = remove.getByRole('button', { name: 'Delete service account' });
    expect(await confirm.isDisabled()).toBe(true);
    await remove.getByLabel('Type ci-pipeline to confirm').fill('ci-pipeline');
    await confirm.click();
    await page.getByText('Deleted ci-pipeline.').waitFor();
    expect(await page.getByRole('link', { name: 'ci-pipeline' }).count()).toBe(0);
    expect((await alice.get(`/v1/audit-events?action=service_account.deleted`)).body.items).toHaveLength(1);

    // Sign out: back to the sign-in form.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await context.close();
  }, 240_000);

  it('when vic (viewer) signs in, then he reads service accounts and is offered no create, rotate, disable or delete', async () => {
    const alice = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, 'alice')).access_token);
    const created = await alice.post('/v1/service-accounts', { name: 'read-only-check' });
    expect(created.status).toBe(201);
    secrets.push(created.body.client_secret);

    const context = await browser.newContext();
    const page = await signIn(context, 'vic');
    await page.getByRole('link', { name: 'read-only-check' }).waitFor();
    expect(await page.getByRole('button', { name: 'Create service account' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await expectAccessible(page);

    await page.getByRole('link', { name: 'read-only-check' }).click();
    await page.getByRole('heading', { level: 1, name: /read-only-check/ }).waitFor();
    for (const action of ['Rotate secret', 'Disable', 'Enable', 'Delete', 'End grace period']) {
      expect(await page.getByRole('button', { name: action }).count(), action).toBe(0);
    }
    await expectAccessible(page);
    await context.close();
  }, 120_000);

  it('when root (cpi-admin) signs in to the platform realm, then she acts on the tenant she picks and edits its policy', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, 'root', platform.realm);
    await page.getByLabel('Acting on tenant').fill(tenant.realm);
    await page.getByRole('button', { name: 'Switch' }).click();
    await page.getByRole('link', { name: 'billing-export' }).waitFor();
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Tenant policy' }).click();
    await page.getByRole('heading', { level: 1, name: `Tenant policy: ${tenant.realm}` }).waitFor();
    const ttl = page.getByLabel('Default access token lifetime (seconds)');
    await ttl.fill('4000');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => ttl.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`#${(await ttl.getAttribute('aria-describedby'))!.split(' ').at(-1)}`).textContent()).toContain('exceeds max_access_token_ttl');
    await expectAccessible(page);
    await ttl.fill('600');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy saved.').waitFor();
    const alice = apiClient(app.baseUrl, (await passwordGrant(tenant.realm, 'alice')).access_token);
    expect((await alice.get(`/v1/tenants/${tenant.realm}/policy`)).body.default_access_token_ttl).toBe(600);

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Action').fill('tenant.policy_updated');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('cell', { name: 'root (user)' }).count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhook endpoints.').waitFor();
    await expectAccessible(page);
    await context.close();
  }, 120_000);
});
