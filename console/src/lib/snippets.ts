// Ready-made ways to hand a new secret to a workload. The secret is only ever in memory.
import type { ServiceAccountWithSecret } from './types.ts';

const shellQuote = (value: string) => `'${value.replaceAll("'", `'"'"'`)}'`;

export function envSnippet(sa: ServiceAccountWithSecret): string {
  return [
    `SA_CLIENT_ID=${shellQuote(sa.client_id)}`,
    `SA_CLIENT_SECRET=${shellQuote(sa.client_secret)}`,
    `SA_TOKEN_ENDPOINT=${shellQuote(sa.token_endpoint)}`,
  ].join('\n');
}

export function curlSnippet(sa: ServiceAccountWithSecret): string {
  return [
    `curl -s -X POST ${shellQuote(sa.token_endpoint)} \\`,
    `  -d grant_type=client_credentials \\`,
    `  --data-urlencode client_id=${shellQuote(sa.client_id)} \\`,
    `  --data-urlencode client_secret=${shellQuote(sa.client_secret)}`,
  ].join('\n');
}

export function kubernetesSecretSnippet(sa: ServiceAccountWithSecret): string {
  const yamlString = (value: string) => JSON.stringify(value);
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${sa.name}-credentials`,
    'type: Opaque',
    'stringData:',
    `  client-id: ${yamlString(sa.client_id)}`,
    `  client-secret: ${yamlString(sa.client_secret)}`,
    `  token-endpoint: ${yamlString(sa.token_endpoint)}`,
  ].join('\n');
}
