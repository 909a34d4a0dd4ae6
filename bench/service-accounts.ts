// Benchmark: service-account create through the bridge against the same minimal admin calls made
// directly at Keycloak, and the list endpoint with 100 and with 10,000 SAs in the tenant.
// Run: npm run bench   (BENCH_CREATES=N to change the sample size; environment: bench-environment.ts)
import { randomBytes } from 'node:crypto';
import { newClientId, newServiceAccountId } from '../src/lib/ids.ts';
import { startBenchEnvironment, time, token } from './bench-environment.ts';
import { percentile, printTable } from './stats.ts';

const env = process.env;
const creates = Number(env.BENCH_CREATES ?? 60);
const listSamples = Number(env.BENCH_LIST_SAMPLES ?? 200);

async function main() {
  const bench = await startBenchEnvironment();
  const { kcUrl, realm, db, base, userToken, bridge } = bench;

  // The direct path: the same admin calls the bridge makes, with the bridge's own admin client
  // (token fetched once, connections kept alive by fetch), minus everything the bridge adds.
  const adminToken = await token(kcUrl, 'master', { grant_type: 'client_credentials', client_id: bridge.clientId, client_secret: bridge.clientSecret });
  const admin = (p: string, init: RequestInit = {}) =>
    fetch(`${kcUrl}/admin/realms/${realm}${p}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' } });
  const roleId = ((await (await admin('/roles/tenant-admin')).json()) as { id: string }).id;
  async function createDirect(i: number) {
    // The same representation the bridge sends, marker attributes included: they put the client
    // under the realm's secret-rotation policy, which Keycloak evaluates on every create.
    const clientId = `sa-direct-${i}-${randomBytes(3).toString('hex')}`;
    const created = await admin('/clients', {
      method: 'POST',
      body: JSON.stringify({
        clientId, name: clientId, description: '', protocol: 'openid-connect', enabled: true, publicClient: false, bearerOnly: false,
        clientAuthenticatorType: 'client-secret', serviceAccountsEnabled: true, standardFlowEnabled: false, implicitFlowEnabled: false,
        directAccessGrantsEnabled: false, frontchannelLogout: false, consentRequired: false,
        attributes: {
          'oauth2.device.authorization.grant.enabled': 'false', 'oidc.ciba.grant.enabled': 'false',
          'client_credentials.use_refresh_token': 'false', 'standard.token.exchange.enabled': 'false',
          'sa-bridge.managed': 'true', 'sa-bridge.sa-id': `sa_direct${i}`, 'sa-bridge.tenant': realm, 'sa-bridge.owner': 'bench',
        },
      }),
    });
    const uuid = created.headers.get('location')!.split('/').pop()!;
    await created.body?.cancel();
    const [user, secret] = await Promise.all([
      admin(`/clients/${uuid}/service-account-user`).then((r) => r.json() as Promise<{ id: string }>),
      admin(`/clients/${uuid}/client-secret`).then((r) => r.json()),
    ]);
    const mapped = await admin(`/users/${user.id}/role-mappings/realm`, { method: 'POST', body: JSON.stringify([{ id: roleId, name: 'tenant-admin' }]) });
    await mapped.body?.cancel();
    return secret;
  }
  const created: string[] = [];
  async function createViaBridge(i: number) {
    const response = await fetch(`${base}/v1/service-accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench-${i}` }),
    });
    if (response.status !== 201) throw new Error(`bridge create: HTTP ${response.status} ${await response.text()}`);
    created.push(((await response.json()) as { id: string }).id);
  }

  for (let i = 0; i < 5; i += 1) {
    await createDirect(10_000 + i);
    await createViaBridge(10_000 + i);
  }
  const direct: number[] = [];
  const viaBridge: number[] = [];
  for (let i = 0; i < creates; i += 1) {
    // Interleaved, so that both paths see the same Keycloak (its database grows as we go).
    direct.push(await time(() => createDirect(i)));
    viaBridge.push(await time(() => createViaBridge(i)));
  }

  // Rotation: a plain regenerate (old secret dropped at once) against a grace rotation (old
  // secret kept for an hour), both through the bridge, interleaved over the same SAs.
  async function regenerate(id: string, body: unknown) {
    const response = await fetch(`${base}/v1/service-accounts/${id}/regenerate-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`regenerate: HTTP ${response.status} ${await response.text()}`);
    await response.json();
  }
  const plain: number[] = [];
  const grace: number[] = [];
  for (const id of created.slice(0, Math.min(created.length, Number(env.BENCH_ROTATIONS ?? 40)))) {
    plain.push(await time(() => regenerate(id, {})));
    grace.push(await time(() => regenerate(id, { grace_period: 3600 })));
  }

  // List: top the tenant up to 100 rows, measure; then to 10,000 rows, measure. The list reads
  // our database only, so the extra rows are inserted there directly.
  async function topUp(total: number) {
    const have = await db.prisma.serviceAccount.count({ where: { tenant: realm } });
    const rows = Array.from({ length: total - have }, (_, k) => {
      const name = `filler-${have + k}`;
      return {
        id: newServiceAccountId(), tenant: realm, name, clientId: newClientId(name), role: 'viewer', status: 'active' as const,
        createdByType: 'user' as const, createdById: 'bench', createdByName: 'bench', createdAt: new Date(Date.now() - (have + k) * 1000),
      };
    });
    for (let i = 0; i < rows.length; i += 1000) await db.prisma.serviceAccount.createMany({ data: rows.slice(i, i + 1000) });
  }
  async function listTimes(): Promise<number[]> {
    const url = `${base}/v1/service-accounts?limit=100`;
    const call = async () => {
      const response = await fetch(url, { headers: { authorization: `Bearer ${userToken}` } });
      const body = (await response.json()) as { items: unknown[] };
      if (body.items.length !== 100) throw new Error('expected a full page');
    };
    for (let i = 0; i < 20; i += 1) await call();
    const samples: number[] = [];
    for (let i = 0; i < listSamples; i += 1) samples.push(await time(call));
    return samples;
  }
  // After each bulk load, statistics are refreshed as autovacuum would within a minute.
  await topUp(100);
  await db.prisma.$executeRawUnsafe('ANALYZE service_accounts');
  const list100 = await listTimes();
  await topUp(10_000);
  await db.prisma.$executeRawUnsafe('ANALYZE service_accounts');
  const list10k = await listTimes();

  const rows = [
    ['create, direct Keycloak admin calls', percentile(direct, 50), percentile(direct, 95), creates],
    ['create, through sa-bridge', percentile(viaBridge, 50), percentile(viaBridge, 95), creates],
    ['regenerate, grace_period 0 (through sa-bridge)', percentile(plain, 50), percentile(plain, 95), plain.length],
    ['regenerate, grace_period 3600 (through sa-bridge)', percentile(grace, 50), percentile(grace, 95), grace.length],
    ['list limit=100, 100 SAs in tenant', percentile(list100, 50), percentile(list100, 95), listSamples],
    ['list limit=100, 10,000 SAs in tenant', percentile(list10k, 50), percentile(list10k, 95), listSamples],
  ] as const;
  printTable(rows);
  console.log(`create p50 ratio bridge/direct: ${(percentile(viaBridge, 50) / percentile(direct, 50)).toFixed(3)} (target <= 1.15)`);
  console.log(`grace/plain rotation p50:       ${(percentile(grace, 50) / percentile(plain, 50)).toFixed(3)}`);
  console.log(`list p50 ratio 10,000/100:     ${(percentile(list10k, 50) / percentile(list100, 50)).toFixed(3)} (target <= 1.5)`);
  console.log(`database: ${env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PostgreSQL'}; Keycloak ${kcUrl}`);

  await bench.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
