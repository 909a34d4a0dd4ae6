// The database layer against a real PostgreSQL (the run's embedded server, or TEST_DATABASE_URL).
// Migrations run through Prisma's WebAssembly schema engine (src/db/migrate.ts).
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createAuditRepository, type AuditEventInput } from '../../src/audit/audit-repository.ts';
import { defaultMigrationsDir, describeTarget, openDatabase, type Database } from '../../src/db/client.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { createScratchTarget, createTestDatabase } from '../support/database.ts';

// Every folder in prisma/migrations, in the order the engine applies them.
const migrationNames = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const upToDate = `migrations: database is up to date (${migrationNames.length} known)`;

async function freshDatabase(): Promise<Database> {
  const { db, drop } = await createTestDatabase();
  onTestFinished(() => drop());
  return db;
}

async function scratch() {
  const target = await createScratchTarget();
  onTestFinished(() => target.remove());
  return target;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-bridge-db-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A copy of the real migrations plus a last one that fails on its second statement. Its first
 * statement has a ";" inside a string literal, which a script split on ";" would break.
 */
async function migrationsWithBrokenOne(): Promise<{ dir: string; broken: string }> {
  const dir = await tempDir();
  await cp(defaultMigrationsDir, dir, { recursive: true });
  const broken = '99991231000000_broken'; // sorts after every real migration
  await mkdir(path.join(dir, broken));
  await writeFile(
    path.join(dir, broken, 'migration.sql'),
    `CREATE TABLE "half_done" ("id" TEXT PRIMARY KEY, "note" TEXT DEFAULT 'a; b');\nINSERT INTO "no_such_table" VALUES (1);\n`,
  );
  return { dir, broken };
}

const tenant = { realm: 'acme', displayName: 'Acme Corp' };

function serviceAccount(id: string, name: string, overrides: Partial<Prisma.ServiceAccountUncheckedCreateInput> = {}) {
  return {
    id,
    tenant: 'acme',
    name,
    clientId: `sa-${name}-${id.slice(-6)}`,
    role: 'devops',
    status: 'active',
    createdByType: 'user',
    createdById: 'user-1',
    createdByName: 'alice',
    ...overrides,
  } satisfies Prisma.ServiceAccountUncheckedCreateInput;
}

type MigrationRow = { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number; logs: string | null };

describe('database on PostgreSQL', () => {
  it('when an empty database is opened, then the migrations create the tables and each gets one finished row in _prisma_migrations', async () => {
    const target = await scratch();
    const logs: string[] = [];
    const db = await openDatabase(target.target, { log: (msg) => logs.push(msg) });
    onTestFinished(() => db.close());

    expect(logs).toContain(`migrations: applied ${migrationNames.join(', ')}`);

    const tables = await db.prisma.$queryRaw<Array<{ table_name: string }>>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'audit_events', 'idempotency_keys', 'service_accounts', 'tenants']),
    );
    const migrations = await db.prisma.$queryRaw<MigrationRow[]>`
      SELECT migration_name, finished_at, rolled_back_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY migration_name`;
    expect(migrations).toEqual(
      migrationNames.map((name) => ({ migration_name: name, finished_at: expect.any(Date), rolled_back_at: null, applied_steps_count: 1, logs: null })),
    );
    const liveNameIndex = await db.prisma.$queryRaw<Array<{ indexdef: string }>>`
      SELECT indexdef FROM pg_indexes WHERE indexname = 'service_accounts_live_name_key'`;
    expect(liveNameIndex).toHaveLength(1);
    expect(liveNameIndex[0]!.indexdef).toMatch(/^CREATE UNIQUE INDEX .* \(tenant, name\) WHERE \(status <> 'deleted'::service_account_status\)$/);
  });

  it('when the migrations are applied to a database that has them, then nothing is applied and the history is unchanged', async () => {
    const target = await scratch();
    await (await openDatabase(target.target)).close();
    const before = await target.query<MigrationRow & { started_at: Date }>('SELECT * FROM _prisma_migrations');

    const again = await target.applyMigrations(defaultMigrationsDir);

    expect(again).toEqual({ applied: [] });
    expect(await target.query('SELECT * FROM _prisma_migrations')).toEqual(before);
    expect(before).toHaveLength(migrationNames.length);
  });

  it('when a tenant and a service account are written, then every field written reads back and the defaults are filled in', async () => {
    const db = await freshDatabase();
    const rotated = new Date('2026-11-01T10:00:00.123Z');

    await db.prisma.tenant.create({ data: tenant });
    const created = await db.prisma.serviceAccount.create({
      data: serviceAccount('sa_0000000000000000000001', 'ci-deployer', {
        description: 'deploys from CI',
        keycloakClientUuid: '6f1c7c1e-1111-4a4a-8b8b-000000000001',
        keycloakUserId: '6f1c7c1e-2222-4a4a-8b8b-000000000002',
        createdByType: 'service_account',
        secretRotatedAt: rotated,
      }),
    });

    const read = await db.prisma.serviceAccount.findUniqueOrThrow({ where: { id: created.id }, include: { tenantRef: true } });
    expect(read).toMatchObject({
      id: 'sa_0000000000000000000001',
      tenant: 'acme',
      name: 'ci-deployer',
      description: 'deploys from CI',
      clientId: 'sa-ci-deployer-000001',
      keycloakClientUuid: '6f1c7c1e-1111-4a4a-8b8b-000000000001',
      keycloakUserId: '6f1c7c1e-2222-4a4a-8b8b-000000000002',
      role: 'devops',
      status: 'active',
      createdByType: 'service_account',
      createdById: 'user-1',
      createdByName: 'alice',
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
      secretRotatedAt: rotated,
      deletedAt: null,
      tenantRef: { ...tenant, createdAt: expect.any(Date) },
    });
    expect(Math.abs(read.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await db.prisma.serviceAccount.count({ where: { tenant: 'acme', status: 'active' } })).toBe(1);
  });

  it('when audit events are written as one batch, then each reads back field for field, nulls, quotes and nested details included', async () => {
    const db = await freshDatabase();
    const repository = createAuditRepository(db.prisma);
    const at = new Date('2026-11-23T12:00:00.123Z');
    const events: AuditEventInput[] = [
      { id: 'evt_1', tenant: 'acme', actorType: 'service_account', actorId: 'u-1', actorName: 'sa-a', action: 'token.exchanged', targetType: null, targetId: null, outcome: 'success', requestId: 'req_1', ip: '192.0.2.1', userAgent: 'curl/8', details: { audience: ['billing-api'], scope: [], nested: { n: 1, quote: 'it\'s "x"' } }, occurredAt: at },
      { id: 'evt_2', tenant: 'globex', actorType: 'user', actorId: 'u-2', actorName: 'zoë', action: 'service_account.created', targetType: 'service_account', targetId: 'sa_1', outcome: 'denied', requestId: null, ip: null, userAgent: null, details: {}, occurredAt: new Date(at.getTime() + 1) },
      { id: 'evt_3', tenant: 'acme', actorType: 'system', actorId: 'reconciler', actorName: 'reconciler', action: 'x', targetType: null, targetId: null, outcome: 'failed', requestId: null, ip: null, userAgent: null, details: { reason: null } },
    ];
    await repository.insertMany(events);
    await repository.insertMany([]);

    const rows = await db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual(events[0]);
    expect(rows[1]).toEqual(events[1]);
    expect(rows[2]).toEqual({ ...events[2], occurredAt: expect.any(Date) });
    expect(Math.abs(rows[2]!.occurredAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('when a service account names a tenant that does not exist, then the foreign key refuses it', async () => {
    const db = await freshDatabase();

    await expect(db.prisma.serviceAccount.create({ data: serviceAccount('sa_0000000000000000000009', 'orphan') })).rejects.toMatchObject({
      code: 'P2003',
    });
    expect(await db.prisma.serviceAccount.count()).toBe(0);
  });

  it('when a second live service account takes a name in the same tenant, then the partial unique index refuses it until the first is deleted', async () => {
    const db = await freshDatabase();
    await db.prisma.tenant.createMany({ data: [tenant, { realm: 'globex', displayName: 'Globex' }] });
    await db.prisma.serviceAccount.create({ data: serviceAccount('sa_00000000000000000000a1', 'ci') });

    const duplicate = db.prisma.serviceAccount.create({ data: serviceAccount('sa_00000000000000000000a2', 'ci') });
    await expect(duplicate).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(duplicate).rejects.toMatchObject({ code: 'P2002' });
    // A disabled one is still live.
    await db.prisma.serviceAccount.update({ where: { id: 'sa_00000000000000000000a1' }, data: { status: 'disabled' } });
    await expect(db.prisma.serviceAccount.create({ data: serviceAccount('sa_00000000000000000000a3', 'ci') })).rejects.toMatchObject({
      code: 'P2002',
    });
    // Another tenant may use the name.
    await db.prisma.serviceAccount.create({ data: serviceAccount('sa_00000000000000000000b1', 'ci', { tenant: 'globex' }) });

    await db.prisma.serviceAccount.update({
      where: { id: 'sa_00000000000000000000a1' },
      data: { status: 'deleted', deletedAt: new Date() },
    });
    await db.prisma.serviceAccount.create({ data: serviceAccount('sa_00000000000000000000a4', 'ci') });

    const rows = await db.prisma.serviceAccount.findMany({ where: { name: 'ci' }, orderBy: { id: 'asc' }, select: { id: true, tenant: true, status: true } });
    expect(rows).toEqual([
      { id: 'sa_00000000000000000000a1', tenant: 'acme', status: 'deleted' },
      { id: 'sa_00000000000000000000a4', tenant: 'acme', status: 'active' },
      { id: 'sa_00000000000000000000b1', tenant: 'globex', status: 'active' },
    ]);
  });

  it('when the database is open, then ping succeeds, and when it is closed, then ping rejects and closing again is harmless', async () => {
    const db = await freshDatabase();

    await expect(db.ping()).resolves.toBeUndefined();
    await db.close();

    await expect(db.ping()).rejects.toThrow();
    await expect(db.close()).resolves.toBeUndefined();
  });

  it('when a migration fails, then opening rejects naming it, none of its statements stay applied, and it blocks later starts', async () => {
    const target = await scratch();
    const { dir, broken } = await migrationsWithBrokenOne();

    await expect(openDatabase(target.target, { migrationsDir: dir })).rejects.toThrow(
      new RegExp(`^migration ${broken} failed .*no_such_table`),
    );

    const rows = await target.query<MigrationRow>('SELECT migration_name, finished_at, rolled_back_at, applied_steps_count, logs FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toEqual([
      ...migrationNames.map((name) => expect.objectContaining({ migration_name: name, finished_at: expect.any(Date) })),
      expect.objectContaining({ migration_name: broken, finished_at: null, applied_steps_count: 0, logs: expect.stringContaining('no_such_table') }),
    ]);
    expect(await target.query(`SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
    expect(await target.query(`SELECT to_regclass('service_accounts') AS t`)).toEqual([{ t: 'service_accounts' }]);
    await expect(openDatabase(target.target, { migrationsDir: dir })).rejects.toThrow(/P3009|failed migrations/);
  });

  it('when two processes start at once on a fresh database, then the migration is applied exactly once', async () => {
    const target = await scratch();
    const logs: string[] = [];
    const log = (msg: string) => logs.push(msg);

    const [a, b] = await Promise.all([openDatabase(target.target, { log }), openDatabase(target.target, { log })]);
    await Promise.all([a.close(), b.close()]);

    expect(logs.filter((l) => l.startsWith('migrations: ')).sort()).toEqual([`migrations: applied ${migrationNames.join(', ')}`, upToDate]);
    expect(await target.query('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name')).toEqual(
      migrationNames.map((name) => ({ migration_name: name })),
    );
  });
});

describe('describeTarget', () => {
  it('when the target is PostgreSQL with credentials, then the description names host, port and database but no secret', () => {
    const text = describeTarget({ kind: 'postgres', url: 'postgres://bridge:s3cr3t-pw@db.internal:6543/sa_bridge?sslmode=require&password=other-secret' });

    expect(text).toBe('PostgreSQL at db.internal:6543/sa_bridge');
    expect(text).not.toMatch(/s3cr3t|other-secret|bridge:/);
  });
});
