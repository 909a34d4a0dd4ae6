import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createTestDatabase, databaseKinds } from '../support/database.ts';

const sa = (id: string, name: string, status: 'active' | 'deleted' = 'active') => ({
  id,
  tenant: 'acme',
  name,
  clientId: `sa-${name}-${id.slice(-6)}`,
  role: 'devops',
  status,
  createdByType: 'user' as const,
  createdById: 'u1',
  createdByName: 'alice',
});

describe.each(databaseKinds)('database on %s', (kind) => {
  it('when opened, then migrations create the tables and record one migration; opening again applies nothing', async () => {
    const { db, url, drop } = await createTestDatabase(kind);
    try {
      const migrations = await db.prisma.$queryRaw<Array<{ migration_name: string; finished_at: Date | null }>>`
        SELECT migration_name, finished_at FROM _prisma_migrations`;
      expect(migrations).toHaveLength(1);
      expect(migrations[0]!.migration_name).toBe('20261122000000_init');
      expect(migrations[0]!.finished_at).toBeInstanceOf(Date);
      const tables = await db.prisma.$queryRaw<Array<{ table_name: string }>>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
      expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', 'audit_events', 'idempotency_keys', 'service_accounts', 'tenants']);
      if (url) {
        const again = await openDatabase({ kind: 'postgres', url });
        const count = await again.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM _prisma_migrations`;
        expect(Number(count[0]!.n)).toBe(1);
        await again.close();
      }
    } finally {
      await drop();
    }
  });

  it('when a second live SA takes a name, then the partial unique index refuses it until the first is deleted', async () => {
    const { db, drop } = await createTestDatabase(kind);
    try {
      await db.prisma.tenant.create({ data: { realm: 'acme', displayName: 'Acme' } });
      await db.prisma.serviceAccount.create({ data: sa('sa_000000000000000000a1', 'ci') });
      await expect(db.prisma.serviceAccount.create({ data: sa('sa_000000000000000000a2', 'ci') })).rejects.toThrow();
      await db.prisma.serviceAccount.update({ where: { id: 'sa_000000000000000000a1' }, data: { status: 'deleted' } });
      await db.prisma.serviceAccount.create({ data: sa('sa_000000000000000000a3', 'ci') });
      expect(await db.prisma.serviceAccount.count({ where: { name: 'ci' } })).toBe(2);
    } finally {
      await drop();
    }
  });

  it('when the database is closed, then ping fails', async () => {
    const { db, drop } = await createTestDatabase(kind);
    await db.ping();
    await drop();
    await expect(db.ping()).rejects.toThrow();
  });
});

describe('PGlite on disk', () => {
  it('when a data directory is reopened, then the rows are still there and no migration is re-applied', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-pglite-'));
    try {
      const first = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'db') });
      await first.prisma.tenant.create({ data: { realm: 'acme', displayName: 'Acme' } });
      await first.close();
      const logs: string[] = [];
      const second = await openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'db') }, { log: (m) => logs.push(m) });
      expect(await second.prisma.tenant.findMany()).toEqual([expect.objectContaining({ realm: 'acme' })]);
      expect(logs.filter((l) => l.startsWith('applied migrations'))).toEqual([]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
