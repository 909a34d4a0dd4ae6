// Secrets must never reach logs, database rows or audit details. These read everything the
// bridge wrote and look for each secret it handed out.
import { expect } from 'vitest';
import type { TestApp } from './app.ts';

export async function dumpDatabase(app: TestApp): Promise<string> {
  const prisma = app.deps.db.prisma;
  const tables = await Promise.all([
    prisma.tenant.findMany(),
    prisma.serviceAccount.findMany(),
    prisma.auditEvent.findMany(),
    prisma.idempotencyKey.findMany(),
    prisma.webhook.findMany(),
    prisma.webhookDelivery.findMany(),
    prisma.apiKey.findMany(),
    prisma.apiKeyAddress.findMany(),
  ]);
  return JSON.stringify(tables);
}

export async function expectNoSecretLeaked(app: TestApp, secrets: string[]): Promise<void> {
  expect(secrets.length).toBeGreaterThan(0);
  const logs = app.logs.join('\n');
  const database = await dumpDatabase(app);
  expect(logs.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(logs.includes(secret), 'a secret appears in the logs').toBe(false);
    expect(database.includes(secret), 'a secret appears in the database').toBe(false);
  }
}
