// The console offers exactly what the bridge allows: its role rules are checked against the
// bridge's own (src/auth/permissions.ts) for every role, and its snippets quote what they carry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { grantableRole, mayActOnServiceAccount, mayReadAudit } from '../../src/auth/permissions.ts';
import { roles, type Role } from '../../src/auth/roles.ts';
import { grantableRoles, mayChange, mayCreate, mayReadAudit as consoleMayReadAudit } from '../../console/src/lib/permissions.ts';
import { curlSnippet, envSnippet, kubernetesSecretSnippet } from '../../console/src/lib/snippets.ts';
import type { Me, ServiceAccountWithSecret } from '../../console/src/lib/types.ts';
import { formatDuration } from '../../console/src/lib/format.ts';
import { wholeNumber, wordList } from '../../console/src/lib/numbers.ts';

const me = (role: Role | null, id = 'u1'): Me => ({
  tenant: 'acme',
  role,
  actor: { type: 'user', id, name: id },
  client_id: 'portal',
  service_account_id: null,
  token_expires_at: new Date().toISOString(),
});

const account = (createdById: string) => ({ created_by: { type: 'user', id: createdById, name: createdById } }) as ServiceAccountWithSecret;

describe('console role rules', () => {
  const everyRole: Array<Role | null> = [null, ...roles];

  it.each(everyRole)('when the caller is %s, then the console offers create, change and audit exactly as the bridge allows them', (role) => {
    const caller = { role, actor: { type: 'user' as const, id: 'u1', name: 'u1' } };
    expect(mayCreate(me(role))).toBe(mayActOnServiceAccount(caller, 'create'));
    expect(consoleMayReadAudit(me(role))).toBe(mayReadAudit(caller));
    for (const owner of ['u1', 'someone-else']) {
      const resource = { createdByType: 'user', createdById: owner };
      for (const action of ['update', 'regenerate', 'delete'] as const) {
        expect(mayChange(me(role), account(owner)), `${action} on ${owner}'s`).toBe(mayActOnServiceAccount(caller, action, resource));
      }
    }
  });

  it.each(roles)('when a %s creates, then the roles offered are those the bridge grants', (role) => {
    for (const [tenant, isPlatform] of [['acme', false], ['platform', true]] as const) {
      const offered = grantableRoles(me(role), tenant, 'platform');
      expect(offered).toEqual(roles.filter((wanted) => grantableRole(role, wanted, isPlatform) !== undefined));
    }
  });
});

describe('console secret snippets', () => {
  const sa = {
    name: 'ci-pipeline',
    client_id: 'sa-ci-pipeline-1a2b3c',
    client_secret: "s3cr'et$(touch /tmp/x)",
    token_endpoint: 'http://127.0.0.1:8180/realms/acme/protocol/openid-connect/token',
  } as ServiceAccountWithSecret;

  it('when the env snippet is sourced by a shell, then the variables hold the exact values and nothing runs', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'console-snippet-'));
    try {
      const file = path.join(dir, 'env.sh');
      writeFileSync(file, envSnippet(sa));
      const out = execFileSync('bash', ['-c', `. "${file}" && printf '%s\\n%s\\n%s' "$SA_CLIENT_ID" "$SA_CLIENT_SECRET" "$SA_TOKEN_ENDPOINT"`], { encoding: 'utf8' });
      expect(out.split('\n')).toEqual([sa.client_id, sa.client_secret, sa.token_endpoint]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the curl and Kubernetes snippets are made, then they carry the client, the secret and the token endpoint', () => {
    expect(curlSnippet(sa)).toContain(`--data-urlencode client_secret='s3cr'"'"'et$(touch /tmp/x)'`);
    const yaml = kubernetesSecretSnippet(sa);
    expect(yaml).toContain('name: ci-pipeline-credentials');
    expect(yaml).toContain(`client-secret: ${JSON.stringify(sa.client_secret)}`);
  });

  it('when numbers, lists and durations are read or shown, then they are read and shown in words', () => {
    expect([wholeNumber(''), wholeNumber(' 42 '), wholeNumber('4.5')]).toEqual([undefined, 42, Number.NaN]);
    expect(wordList('read:a, write:b\nread:a')).toEqual(['read:a', 'write:b']);
    expect([formatDuration(0), formatDuration(300), formatDuration(90_061)]).toEqual(['0 seconds', '5 minutes', '1 day 1 hour']);
  });
});
