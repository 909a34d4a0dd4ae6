// The tenant policy: read by its tenant-admins, changed by cpi-admins.
import { useEffect, useRef, useState } from 'preact/hooks';
import { TextAreaField, TextField } from '../components/field.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { ApiProblem, asProblem } from '../lib/api.ts';
import { focusFirstProblem } from '../lib/focus.ts';
import { formatDuration } from '../lib/format.ts';
import { wholeNumber, wordList } from '../lib/numbers.ts';
import { mayEditPolicy } from '../lib/permissions.ts';
import type { TenantPolicy } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';

const numberFields = [
  { key: 'max_secret_age_seconds', label: 'Maximum secret age (seconds)' },
  { key: 'max_grace_period_seconds', label: 'Maximum grace period (seconds)' },
  { key: 'max_access_token_ttl', label: 'Maximum access token lifetime (seconds)' },
  { key: 'default_access_token_ttl', label: 'Default access token lifetime (seconds)' },
] as const;
const listFields = [
  { key: 'allowed_scopes', label: 'Allowed scopes' },
  { key: 'allowed_audiences', label: 'Allowed audiences' },
] as const;
const allFields = [...numberFields, ...listFields].map((f) => f.key);

type Draft = Record<(typeof allFields)[number], string>;

function draftOf(policy: TenantPolicy): Draft {
  return {
    max_secret_age_seconds: String(policy.max_secret_age_seconds),
    max_grace_period_seconds: String(policy.max_grace_period_seconds),
    max_access_token_ttl: String(policy.max_access_token_ttl),
    default_access_token_ttl: String(policy.default_access_token_ttl),
    allowed_scopes: policy.allowed_scopes.join('\n'),
    allowed_audiences: policy.allowed_audiences.join('\n'),
  };
}

export function PolicyPage() {
  const { api, me, tenant } = useSession();
  const loaded = useLoad(() => api.get<TenantPolicy>(`/v1/tenants/${encodeURIComponent(tenant)}/policy`), tenant);
  const [policy, setPolicy] = useState<TenantPolicy | undefined>();
  const [draft, setDraft] = useState<Draft | undefined>();
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (loaded.data) {
      setPolicy(loaded.data);
      setDraft(draftOf(loaded.data));
    }
  }, [loaded.data]);

  if (!policy || !draft) return <>{loaded.problem ? <ProblemAlert problem={loaded.problem} /> : <p aria-live="polite">Loading…</p>}</>;
  const editable = mayEditPolicy(me);

  async function save(event: Event) {
    event.preventDefault();
    if (!policy || !draft) return;
    const change: Record<string, unknown> = {};
    const local: Array<{ path: string; message: string }> = [];
    for (const { key } of numberFields) {
      const value = wholeNumber(draft[key]);
      if (value === undefined || Number.isNaN(value)) local.push({ path: `body.${key}`, message: 'must be a whole number' });
      else if (value !== policy[key]) change[key] = value;
    }
    for (const { key } of listFields) {
      const value = wordList(draft[key]);
      if (value.join('\n') !== policy[key].join('\n')) change[key] = value;
    }
    if (local.length) {
      setProblem(new ApiProblem(400, 'invalid_request', 'The request is not valid', 'Some fields are not valid; see below', local));
      return focusFirstProblem(form.current);
    }
    if (Object.keys(change).length === 0) return setNotice('Nothing changed.');
    setBusy(true);
    try {
      const next = await api.patch<TenantPolicy>(`/v1/tenants/${encodeURIComponent(tenant)}/policy`, change);
      setPolicy(next);
      setDraft(draftOf(next));
      setProblem(undefined);
      setNotice('Policy saved.');
    } catch (error) {
      setProblem(asProblem(error));
      focusFirstProblem(form.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Tenant policy: {tenant}</h1>
      <p role="status" class="notice">
        {notice}
      </p>
      {editable ? (
        <form class="card narrow" onSubmit={save} noValidate ref={form}>
          <ProblemAlert problem={problem} placedFields={allFields} />
          {numberFields.map(({ key, label }) => (
            <TextField
              key={key}
              label={label}
              name={key}
              type="number"
              inputMode="numeric"
              min={0}
              value={draft[key]}
              onValue={(value) => setDraft({ ...draft, [key]: value })}
              hint={formatDuration(policy[key])}
              errors={problem?.messagesFor(key)}
            />
          ))}
          {listFields.map(({ key, label }) => (
            <TextAreaField
              key={key}
              label={label}
              name={key}
              rows={3}
              value={draft[key]}
              onValue={(value) => setDraft({ ...draft, [key]: value })}
              hint="One a line (or separated by spaces)."
              errors={problem?.messagesFor(key)}
            />
          ))}
          <div class="actions">
            <button type="submit" class="button-primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save policy'}
            </button>
          </div>
        </form>
      ) : (
        <section class="card narrow" aria-label="Policy">
          <p class="hint">Only a cpi-admin changes a tenant policy.</p>
          <dl>
            {numberFields.map(({ key, label }) => (
              <>
                <dt key={`${key}-t`}>{label}</dt>
                <dd key={`${key}-d`}>
                  {policy[key]} ({formatDuration(policy[key])})
                </dd>
              </>
            ))}
            {listFields.map(({ key, label }) => (
              <>
                <dt key={`${key}-t`}>{label}</dt>
                <dd key={`${key}-d`}>{policy[key].length ? policy[key].join(', ') : 'none'}</dd>
              </>
            ))}
          </dl>
        </section>
      )}
      {policy.registered_audiences.length > 0 && (
        <p class="hint">Audience clients the bridge registered in Keycloak: {policy.registered_audiences.join(', ')}</p>
      )}
    </>
  );
}
