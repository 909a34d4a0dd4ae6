// One service account: where its workload gets tokens, what its tokens carry, its secret's life,
// the actions the caller may take on it, and its own audit events.
import { useState } from 'preact/hooks';
import { AuditTable } from '../components/audit-table.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { When } from '../components/when.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { asProblem, type ApiProblem } from '../lib/api.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { mayChange, mayReadAudit, mayReadPolicy } from '../lib/permissions.ts';
import { followLink, navigate } from '../lib/router.ts';
import type { AuditEvent, Page, ServiceAccount, TenantPolicy } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';
import { DeleteServiceAccountDialog } from './delete-service-account-dialog.tsx';
import { RotateSecretDialog } from './rotate-secret-dialog.tsx';

export function ServiceAccountDetailPage({ id }: { id: string }) {
  const { api, me, tenant } = useSession();
  const [changed, setChanged] = useState<ServiceAccount | undefined>();
  const loaded = useLoad(() => api.get<ServiceAccount>(`/v1/service-accounts/${encodeURIComponent(id)}`), `${tenant}:${id}`);
  const account = changed?.id === id ? changed : loaded.data;
  const audit = useLoad(
    () => (mayReadAudit(me) ? api.get<Page<AuditEvent>>('/v1/audit-events', { target: id, limit: 20 }) : Promise.resolve(undefined)),
    `${tenant}:${id}:${account?.updated_at ?? ''}`,
  );
  const policy = useLoad(
    () => (mayReadPolicy(me, tenant) ? api.get<TenantPolicy>(`/v1/tenants/${encodeURIComponent(tenant)}/policy`) : Promise.resolve(undefined)),
    tenant,
  ).data;
  const [dialog, setDialog] = useState<'rotate' | 'delete' | undefined>();
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');

  if (!account) {
    return (
      <>
        <BackLink />
        {loaded.problem ? <ProblemAlert problem={loaded.problem} /> : <p aria-live="polite">Loading…</p>}
      </>
    );
  }
  const sa = account;
  const may = mayChange(me, sa);

  async function act(what: string, call: () => Promise<ServiceAccount>) {
    setBusy(true);
    setProblem(undefined);
    try {
      setChanged(await call());
      setNotice(what);
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <BackLink />
      <div class="page-header">
        <h1>
          {sa.name} <StatusBadge status={sa.status} />
        </h1>
        {may && sa.status !== 'deleted' && (
          <div class="toolbar" role="group" aria-label="Actions">
            {sa.status !== 'failed' && (
              <button type="button" class="button-primary" disabled={busy} onClick={() => setDialog('rotate')}>
                Rotate secret
              </button>
            )}
            {sa.previous_secret_expires_at && sa.status !== 'failed' && (
              <button
                type="button"
                class="button-secondary"
                disabled={busy}
                onClick={() => act('The previous secret no longer works.', () => api.delete<ServiceAccount>(`/v1/service-accounts/${sa.id}/previous-secret`))}
              >
                End grace period
              </button>
            )}
            {sa.status !== 'failed' && (
              <button
                type="button"
                class="button-secondary"
                disabled={busy}
                onClick={() =>
                  act(sa.status === 'disabled' ? 'Enabled: its secret works again.' : 'Disabled: its secret and tokens are refused.', () =>
                    api.patch<ServiceAccount>(`/v1/service-accounts/${sa.id}`, { enabled: sa.status === 'disabled' }),
                  )
                }
              >
                {sa.status === 'disabled' ? 'Enable' : 'Disable'}
              </button>
            )}
            <button type="button" class="button-danger" disabled={busy} onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        )}
      </div>
      <p role="status" class="notice">
        {notice}
      </p>
      <ProblemAlert problem={problem} />
      {sa.description && <p class="description">{sa.description}</p>}

      <div class="grid">
        <section class="card wide" aria-labelledby="sa-tokens">
          <h2 id="sa-tokens">Getting tokens</h2>
          <dl>
            <dt>Client ID</dt>
            <dd>
              <span class="mono">{sa.client_id}</span> <CopyButton value={sa.client_id} what="client ID" />
            </dd>
            <dt>Token endpoint</dt>
            <dd>
              <span class="mono break">{sa.token_endpoint}</span> <CopyButton value={sa.token_endpoint} what="token endpoint" />
            </dd>
            <dt>Issuer</dt>
            <dd class="mono break">{sa.issuer}</dd>
            <dt>JWKS</dt>
            <dd class="mono break">{sa.jwks_uri}</dd>
            <dt>Grant</dt>
            <dd>client_credentials</dd>
          </dl>
        </section>

        <section class="card" aria-labelledby="sa-shape">
          <h2 id="sa-shape">What its tokens carry</h2>
          <dl>
            <dt>Role</dt>
            <dd>{sa.role}</dd>
            <dt>Scopes</dt>
            <dd>{sa.scopes.length ? sa.scopes.join(' ') : 'realm defaults only'}</dd>
            <dt>Audience</dt>
            <dd>{sa.audience.length ? sa.audience.join(', ') : 'the bridge only'}</dd>
            <dt>Claims</dt>
            <dd>
              {Object.keys(sa.claims).length ? (
                <ul class="plain">
                  {Object.entries(sa.claims).map(([name, value]) => (
                    <li key={name}>
                      <code>{name}</code>: {value}
                    </li>
                  ))}
                </ul>
              ) : (
                'none'
              )}
            </dd>
            <dt>Access token lifetime</dt>
            <dd>
              {formatDuration(sa.access_token_ttl)}
              {sa.access_token_ttl_requested !== null && sa.access_token_ttl_requested !== sa.access_token_ttl && (
                <span class="muted"> (asked for {formatDuration(sa.access_token_ttl_requested)}; the tenant policy caps it)</span>
              )}
            </dd>
            {sa.conditions && sa.conditions.length > 0 && (
              <>
                <dt>Conditions</dt>
                <dd>
                  <ul class="plain">
                    {sa.conditions.map((condition) => (
                      <li key={condition.type}>
                        <strong>{condition.type}</strong>: {condition.status === 'True' ? 'yes' : condition.status === 'False' ? 'no' : 'unknown'} ({condition.reason})
                        <span class="muted">
                          {condition.message && ` — ${condition.message}`} (since {formatDateTime(condition.last_transition_time)})
                        </span>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
          </dl>
        </section>

        <section class="card" aria-labelledby="sa-secret">
          <h2 id="sa-secret">Secret and rotation</h2>
          <dl>
            <dt>Secret rotated</dt>
            <dd>
              <When iso={sa.secret_rotated_at} />
            </dd>
            <dt>Secret expires</dt>
            <dd>
              <When iso={sa.secret_expires_at} />
            </dd>
            <dt>Previous secret valid until</dt>
            <dd>
              <When iso={sa.previous_secret_expires_at} empty="no grace period running" />
            </dd>
            <dt>Automatic rotation</dt>
            <dd>
              {sa.rotation.enabled
                ? `every ${sa.rotation.interval_days} days, old secret kept ${sa.rotation.grace_period_hours ?? 0} hours`
                : 'off'}
            </dd>
            {sa.rotation.enabled && (
              <>
                <dt>Next rotation</dt>
                <dd>
                  <When iso={sa.rotation.next_rotation_at} />
                </dd>
              </>
            )}
          </dl>
        </section>

        <section class="card" aria-labelledby="sa-owner">
          <h2 id="sa-owner">Ownership and use</h2>
          <dl>
            <dt>Tenant</dt>
            <dd>{sa.tenant}</dd>
            <dt>Owner</dt>
            <dd>
              {sa.created_by.name} <span class="muted">({sa.created_by.type})</span>
            </dd>
            <dt>Created</dt>
            <dd>
              <When iso={sa.created_at} />
            </dd>
            <dt>Last used</dt>
            <dd>
              <When iso={sa.last_used_at} empty="never" />
            </dd>
            <dt>ID</dt>
            <dd class="mono">{sa.id}</dd>
          </dl>
        </section>
      </div>

      {mayReadAudit(me) && (
        <section aria-labelledby="sa-audit">
          <h2 id="sa-audit">Audit events</h2>
          <ProblemAlert problem={audit.problem} />
          {audit.data && <AuditTable events={audit.data.items} caption={`Audit events of ${sa.name}`} />}
        </section>
      )}

      {dialog === 'rotate' && (
        <RotateSecretDialog
          account={sa}
          maxGraceSeconds={policy?.max_grace_period_seconds}
          onClose={() => setDialog(undefined)}
          onRotated={(next) => {
            setChanged(next);
            setNotice('Secret rotated.');
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteServiceAccountDialog account={sa} onClose={() => setDialog(undefined)} onDeleted={() => navigate(`/?deleted=${encodeURIComponent(sa.name)}`)} />
      )}
    </>
  );
}

function BackLink() {
  return (
    <p>
      <a href="/console/" onClick={(e) => followLink(e, '/')}>
        ← All service accounts
      </a>
    </p>
  );
}
