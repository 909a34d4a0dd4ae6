// The published contract: /openapi.json is a valid OpenAPI 3.1 document (checked by a validator
// nobody here wrote), it describes exactly the routes Express serves, and /docs renders every
// operation in a real browser with no request leaving the bridge.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/config.ts';
import { listRoutes } from '../../src/http/method-not-allowed.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { launchChromium } from '../support/browser.ts';
import { createTestRealm, type TestRealm } from '../support/keycloak.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let app: TestApp;
let tenant: TestRealm;
let document: Json;

beforeAll(async () => {
  tenant = await createTestRealm('contract');
  app = await startTestApp({ realms: [tenant.realm] });
  const response = await fetch(`${app.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  document = await response.json();
});

afterAll(async () => {
  await app?.close();
  await tenant?.remove();
});

const operations = () =>
  Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })),
  );

describe('GET /openapi.json', () => {
  it('when fetched without a token, then it is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('when read, then info.version follows package.json and bearer JWT is the security scheme', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(document.info.version).toBe(pkg.version);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('when read, then every operation has an id, a summary, the roles that may call it, and responses for its errors', () => {
    const ids = new Set<string>();
    for (const { template, method, operation } of operations()) {
      const where = `${method} ${template}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(operation.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, where).toEqual(expect.any(String));
      expect(Array.isArray(operation['x-roles']), where).toBe(true);
      expect(operation.responses['500'], `${where}: no 500 answer`).toBeDefined();
      if (operation.security.length > 0) {
        expect(operation['x-roles'].length, `${where}: a protected operation names its roles`).toBeGreaterThan(0);
        expect(operation.responses['401'].headers['WWW-Authenticate'], where).toBeDefined();
      }
    }
  });

  it('when a service account is created, then links lead to reading, changing, rotating and deleting it', () => {
    const created = document.paths['/v1/service-accounts'].post.responses['201'];
    expect(Object.values(created.links).map((link: Json) => link.operationId).sort()).toEqual([
      'deleteServiceAccount',
      'getServiceAccount',
      'regenerateSecret',
      'updateServiceAccount',
    ]);
    for (const link of Object.values(created.links) as Json[]) expect(link.parameters).toEqual({ id: '$response.body#/id' });
    expect(created.headers.Location.required).toBe(true);
    expect(document.paths['/v1/service-accounts'].post.parameters.map((p: Json) => p.name)).toContain('Idempotency-Key');
    expect(created.content['application/json'].schema.$ref).toBe('#/components/schemas/ServiceAccountWithSecret');
  });

  it('when the problem codes of an operation are read, then each belongs to the status it is listed under', () => {
    const created = document.paths['/v1/service-accounts'].post.responses;
    expect(created['403'].content['application/problem+json'].schema.properties.code.enum.sort()).toEqual(['insufficient_role', 'role_escalation']);
    expect(created['409'].content['application/problem+json'].schema.properties.code.enum.sort()).toEqual([
      'idempotency_request_in_progress',
      'name_taken',
    ]);
    const exchange = document.paths['/v1/token-exchange'].post.responses;
    expect(exchange['400'].content['application/json'].schema.properties.error.enum).toContain('invalid_target');
  });
});

describe('the document against the app', () => {
  it('when the routes Express serves are compared with the operations of the document, then they are the same set', () => {
    // The web console (/console) is a browser application the bridge serves, not part of the API:
    // it calls the /v1 API like any other client.
    const served = listRoutes(app.express)
      .filter((route) => !route.path.startsWith('/console'))
      .flatMap((route) => route.methods.map((method) => `${method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`))
      .sort();
    const documented = operations()
      .map(({ template, method }) => `${method} ${template}`)
      .sort();
    expect(served).toEqual(documented);
  });

  it('when the document is read, then it covers every /v1 route, /healthz, /readyz and /metrics', () => {
    const paths = Object.keys(document.paths);
    for (const required of ['/healthz', '/readyz', '/metrics', '/v1/me', '/v1/service-accounts', '/v1/audit-events', '/v1/token-exchange']) {
      expect(paths).toContain(required);
    }
  });
});

describe('GET /docs', () => {
  it('when opened in headless Chromium with every other host unreachable, then it shows every operation of the document', async () => {
    const browser = await launchChromium();
    const outside: string[] = [];
    try {
      const context = await browser.newContext();
      await context.route('**/*', (route) => {
        if (route.request().url().startsWith(app.baseUrl)) return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      const response = await page.goto(`${app.baseUrl}/docs`);
      expect(response?.status()).toBe(200);
      const expected = operations().length;
      await page.waitForFunction((count) => document.querySelectorAll('.opblock').length >= count, expected, { timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBe(expected);
      const shown = await page.locator('.opblock-summary-path').allTextContents();
      for (const { template } of operations()) expect(shown.map((p) => p.replace(/\u200b/g, ''))).toContain(template);
      expect(await page.locator('.info .title').textContent()).toContain('sa-bridge');
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
