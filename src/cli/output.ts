// How the CLI prints a service account (--output). A secret appears only when the command made
// one (create, rotate) and never in `table` output of list/get; plain text, no colour codes.
import { appendFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { ServiceAccount } from '../client/sa-bridge-client.ts';
import { CliError, exitCodes } from './exit-codes.ts';

export const outputFormats = ['table', 'json', 'env', 'dotenv', 'k8s-secret', 'github'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** The variables a pipeline needs to get tokens; the CLI itself reads the same names. */
function credentialVariables(account: ServiceAccount, secret: string | undefined): Array<[string, string]> {
  return [
    ['SA_BRIDGE_CLIENT_ID', account.client_id],
    ...(secret !== undefined ? ([['SA_BRIDGE_CLIENT_SECRET', secret]] as Array<[string, string]>) : []),
    ['SA_BRIDGE_ISSUER', account.issuer],
    ['SA_BRIDGE_TOKEN_ENDPOINT', account.token_endpoint],
  ];
}

const shellQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
const dotenvQuote = (v: string) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;

function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

function describe(account: ServiceAccount): Array<[string, string]> {
  return [
    ['id', account.id],
    ['name', account.name],
    ['status', account.status],
    ['role', account.role],
    ['tenant', account.tenant],
    ['client_id', account.client_id],
    ['description', account.description ?? ''],
    ['issuer', account.issuer],
    ['token_endpoint', account.token_endpoint],
    ['secret_expires_at', account.secret_expires_at ?? ''],
    ['previous_secret_expires_at', account.previous_secret_expires_at ?? ''],
    ['last_used_at', account.last_used_at ?? ''],
    ['access_token_ttl', String(account.access_token_ttl ?? '')],
    ['scopes', account.scopes.join(' ')],
    ['audience', account.audience.join(' ')],
    ['rotation', account.rotation.enabled ? `every ${account.rotation.interval_days} days, grace ${account.rotation.grace_period_hours ?? 0} h` : 'off'],
  ];
}

/** A Kubernetes Secret with the credentials and a ConfigMap with the rest, for `kubectl apply -f -`. */
function kubernetesManifests(account: ServiceAccount, secret: string | undefined, namespace: string | undefined): string {
  const metadata = (suffix: string) => ({
    name: `${account.name}-${suffix}`,
    ...(namespace && { namespace }),
    labels: { 'app.kubernetes.io/managed-by': 'sa-bridge', 'sa-bridge.io/service-account': account.id },
  });
  const secretManifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata('credentials'),
    type: 'Opaque',
    stringData: { client_id: account.client_id, ...(secret !== undefined && { client_secret: secret }), token_endpoint: account.token_endpoint, issuer: account.issuer },
  };
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata('settings'),
    data: {
      client_id: account.client_id,
      issuer: account.issuer,
      token_endpoint: account.token_endpoint,
      jwks_uri: account.jwks_uri,
      tenant: account.tenant,
      role: account.role,
      scopes: account.scopes.join(' '),
      audience: account.audience.join(' '),
      access_token_ttl: String(account.access_token_ttl ?? ''),
    },
  };
  return `${stringify(secretManifest)}---\n${stringify(configMap)}`;
}

/** GitHub Actions: outputs appended to $GITHUB_OUTPUT; the secret masked in the job log first. */
async function githubOutputs(account: ServiceAccount, secret: string | undefined, file: string | undefined): Promise<string> {
  if (!file) throw new CliError('--output github needs GITHUB_OUTPUT (set by GitHub Actions)', exitCodes.usage);
  const lines = [`client_id=${account.client_id}`, `issuer=${account.issuer}`, `token_endpoint=${account.token_endpoint}`, `id=${account.id}`];
  if (secret !== undefined) lines.push(`client_secret=${secret}`);
  await appendFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return secret !== undefined ? `::add-mask::${secret}\n` : '';
}

export async function renderServiceAccount(
  format: OutputFormat,
  account: ServiceAccount,
  options: { secret?: string; namespace?: string; githubOutput?: string } = {},
): Promise<string> {
  const { secret } = options;
  switch (format) {
    case 'json':
      return `${JSON.stringify(secret !== undefined ? { ...account, client_secret: secret } : account, null, 2)}\n`;
    case 'table':
      return table(secret !== undefined ? [...describe(account), ['client_secret', secret]] : describe(account));
    case 'env':
      return `${credentialVariables(account, secret).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n')}\n`;
    case 'dotenv':
      return `${credentialVariables(account, secret).map(([k, v]) => `${k}=${dotenvQuote(v)}`).join('\n')}\n`;
    case 'k8s-secret':
      return kubernetesManifests(account, secret, options.namespace);
    case 'github':
      return githubOutputs(account, secret, options.githubOutput);
  }
}

export function renderServiceAccountList(format: OutputFormat, accounts: ServiceAccount[]): string {
  if (format === 'json') return `${JSON.stringify(accounts, null, 2)}\n`;
  if (format !== 'table') throw new CliError(`--output ${format} describes one service account; use table or json for a list`, exitCodes.usage);
  const header = ['ID', 'NAME', 'STATUS', 'ROLE', 'CLIENT ID', 'LAST USED', 'SECRET EXPIRES'];
  const rows = accounts.map((a) => [a.id, a.name, a.status, a.role, a.client_id, a.last_used_at ?? '-', a.secret_expires_at ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}
