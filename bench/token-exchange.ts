// Benchmark: RFC 8693 exchange through the bridge against the same exchange made directly at
// Keycloak (same client, same subject token, same audience and scope), in one run: latency
// p50/p95 interleaved one at a time, then throughput with a fixed concurrency for each path.
// Run: npm run bench:exchange   (BENCH_EXCHANGES, BENCH_CONCURRENCY to change the load)
import { exchangeClientIdFor } from '../src/keycloak/client-shape.ts';
import { startBenchEnvironment, time, token } from './bench-environment.ts';
import { percentile, printTable } from './stats.ts';

const exchanges = Number(process.env.BENCH_EXCHANGES ?? 300);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

const bench = await startBenchEnvironment({ clients: ['billing-api'], env: { EXCHANGE_RATE_LIMIT_PER_MINUTE: '1000000' } });
try {
  await bench.deps.tenantRepository.updatePolicy(bench.realm, { allowedAudiences: ['billing-api'], allowedScopes: ['billing:read'] });
  await bench.deps.tenants.configureRealm(bench.realm);
  const created = await fetch(`${bench.base}/v1/service-accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bench.userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'exchanger' }),
  });
  const sa = (await created.json()) as { client_id: string; client_secret: string };
  // One subject token for the whole run (its lifetime covers it), as a service would reuse it.
  const subject = await token(bench.kcUrl, bench.realm, { grant_type: 'client_credentials', client_id: sa.client_id, client_secret: sa.client_secret });
  const exchangeSecret = await bench.deps.tenants.exchangeSecret(bench.realm);
  const form = { grant_type: GRANT, subject_token: subject, subject_token_type: ACCESS, audience: 'billing-api', scope: 'billing:read' };

  const viaBridge = async () => {
    const response = await fetch(`${bench.base}/v1/token-exchange`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    if (response.status !== 200) throw new Error(`bridge exchange: HTTP ${response.status} ${await response.text()}`);
    await response.json();
  };
  const direct = async () => {
    const response = await fetch(`${bench.kcUrl}/realms/${bench.realm}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: exchangeClientIdFor(bench.deps.deploymentId), client_secret: exchangeSecret, requested_token_type: ACCESS }),
    });
    if (response.status !== 200) throw new Error(`direct exchange: HTTP ${response.status} ${await response.text()}`);
    await response.json();
  };

  for (let i = 0; i < 20; i += 1) {
    await direct();
    await viaBridge();
  }
  const directTimes: number[] = [];
  const bridgeTimes: number[] = [];
  for (let i = 0; i < exchanges; i += 1) {
    directTimes.push(await time(direct));
    bridgeTimes.push(await time(viaBridge));
  }

  async function throughput(fn: () => Promise<void>): Promise<number> {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < exchanges) {
          next += 1;
          await fn();
        }
      }),
    );
    return exchanges / ((performance.now() - started) / 1000);
  }
  const directRate = await throughput(direct);
  const bridgeRate = await throughput(viaBridge);

  printTable([
    ['exchange, direct at Keycloak', percentile(directTimes, 50), percentile(directTimes, 95), exchanges],
    ['exchange, through sa-bridge', percentile(bridgeTimes, 50), percentile(bridgeTimes, 95), exchanges],
  ]);
  console.log(`p50 overhead: ${(percentile(bridgeTimes, 50) - percentile(directTimes, 50)).toFixed(2)} ms (target < 5)`);
  console.log(`throughput at concurrency ${concurrency}: direct ${directRate.toFixed(0)}/s, bridge ${bridgeRate.toFixed(0)}/s, ratio ${(bridgeRate / directRate).toFixed(3)} (target >= 0.9)`);
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'embedded PostgreSQL'}`);
} finally {
  await bench.close();
}
