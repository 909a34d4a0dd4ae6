// Create a service account. The answer carries its secret, shown once by SecretReveal and kept only
// in this dialog's memory.
import { useRef, useState } from 'preact/hooks';
import { Checkbox, Choices, SelectField, TextAreaField, TextField } from '../components/field.tsx';
import { Modal } from '../components/modal.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { SecretReveal } from '../components/secret-reveal.tsx';
import { ApiProblem, asProblem } from '../lib/api.ts';
import { focusFirstProblem } from '../lib/focus.ts';
import { formatDuration } from '../lib/format.ts';
import { wholeNumber, wordList } from '../lib/numbers.ts';
import { grantableRoles, mayReadPolicy } from '../lib/permissions.ts';
import { navigate } from '../lib/router.ts';
import type { ServiceAccountWithSecret, TenantPolicy } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';

const fields = ['name', 'description', 'role', 'rotation', 'access_token_ttl', 'scopes', 'audience'];

interface Draft {
  name: string;
  description: string;
  role: string;
  rotate: boolean;
  intervalDays: string;
  graceHours: string;
  ttl: string;
  scopes: string[];
  scopesText: string;
  audience: string[];
  audienceText: string;
}

export function CreateServiceAccountDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const { api, me, tenant, settings } = useSession();
  const roles = grantableRoles(me, tenant, settings.platformRealm);
  const policy = useLoad<TenantPolicy | null>(
    () => (mayReadPolicy(me, tenant) ? api.get<TenantPolicy>(`/v1/tenants/${encodeURIComponent(tenant)}/policy`) : Promise.resolve(null)),
    tenant,
  ).data;
  const [draft, setDraft] = useState<Draft>({
    name: '',
    description: '',
    role: roles.at(-1) ?? 'viewer',
    rotate: false,
    intervalDays: '90',
    graceHours: '24',
    ttl: '',
    scopes: [],
    scopesText: '',
    audience: [],
    audienceText: '',
  });
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ServiceAccountWithSecret | undefined>();
  // One Idempotency-Key per distinct request: a retry of the same form replays the first answer.
  const idempotency = useRef({ body: '', key: '' });
  const form = useRef<HTMLFormElement>(null);
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const errors = (field: string) => problem?.messagesFor(field) ?? [];

  function body(): Record<string, unknown> | ApiProblem {
    const local: Array<{ path: string; message: string }> = [];
    const number = (text: string, path: string) => {
      const value = wholeNumber(text);
      if (Number.isNaN(value)) local.push({ path, message: 'must be a whole number' });
      return value;
    };
    const ttl = number(draft.ttl, 'body.access_token_ttl');
    const intervalDays = draft.rotate ? number(draft.intervalDays, 'body.rotation.interval_days') : undefined;
    const graceHours = draft.rotate ? number(draft.graceHours, 'body.rotation.grace_period_hours') : undefined;
    if (local.length > 0) return new ApiProblem(400, 'invalid_request', 'The request is not valid', 'Some fields are not valid; see below', local);
    const scopes = policy?.allowed_scopes.length ? draft.scopes : wordList(draft.scopesText);
    const audience = policy?.allowed_audiences.length ? draft.audience : wordList(draft.audienceText);
    return {
      name: draft.name.trim(),
      ...(draft.description.trim() && { description: draft.description.trim() }),
      role: draft.role,
      ...(draft.rotate && { rotation: { enabled: true, interval_days: intervalDays, ...(graceHours !== undefined && { grace_period_hours: graceHours }) } }),
      ...(ttl !== undefined && { access_token_ttl: ttl }),
      ...(scopes.length > 0 && { scopes }),
      ...(audience.length > 0 && { audience }),
    };
  }

  async function submit(event: Event) {
    event.preventDefault();
    const request = body();
    if (request instanceof ApiProblem) {
      setProblem(request);
      focusFirstProblem(form.current);
      return;
    }
    const text = JSON.stringify(request);
    if (idempotency.current.body !== text) idempotency.current = { body: text, key: crypto.randomUUID() };
    setBusy(true);
    try {
      const account = await api.post<ServiceAccountWithSecret>('/v1/service-accounts', request, { 'Idempotency-Key': `"${idempotency.current.key}"` });
      setProblem(undefined);
      setCreated(account);
      onCreated();
    } catch (error) {
      setProblem(asProblem(error));
      focusFirstProblem(form.current);
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <Modal title={`Service account ${created.name} created`} onClose={onClose}>
        <SecretReveal account={created} />
        <div class="actions">
          <button type="button" class="button-secondary" onClick={() => navigate(`/service-accounts/${created.id}`)}>
            Open {created.name}
          </button>
          <button type="button" class="button-primary" onClick={onClose}>
            Done, I stored the secret
          </button>
        </div>
      </Modal>
    );
  }

  const ttlHint = policy
    ? `Seconds. Default ${policy.default_access_token_ttl} (${formatDuration(policy.default_access_token_ttl)}), at most ${policy.max_access_token_ttl}.`
    : 'Seconds. Empty: the tenant default.';
  return (
    <Modal title="Create service account" onClose={onClose}>
      <form onSubmit={submit} noValidate ref={form}>
        <ProblemAlert problem={problem} placedFields={fields} />
        <TextField
          label="Name"
          name="name"
          value={draft.name}
          onValue={(name) => set({ name })}
          hint="Lowercase letters, digits and single hyphens, e.g. ci-pipeline. The client ID is made from it."
          errors={errors('name')}
          required
          maxLength={50}
          autoComplete="off"
          spellcheck={false}
        />
        <TextAreaField label="Description" name="description" value={draft.description} onValue={(description) => set({ description })} errors={errors('description')} rows={2} maxLength={500} />
        <SelectField
          label="Role"
          name="role"
          value={draft.role}
          onValue={(role) => set({ role })}
          options={roles.map((role) => ({ value: role, label: role }))}
          hint="What the service account may do at the bridge: your own role or a lower one."
          errors={errors('role')}
        />
        <fieldset class="field">
          <legend>Rotation</legend>
          <Checkbox label="Rotate the secret automatically" name="rotate" checked={draft.rotate} onChecked={(rotate) => set({ rotate })} />
          {draft.rotate && (
            <div class="row">
              <TextField label="Every (days)" name="interval_days" type="number" inputMode="numeric" min={1} max={3650} value={draft.intervalDays} onValue={(intervalDays) => set({ intervalDays })} errors={errors('rotation.interval_days')} />
              <TextField
                label="Old secret valid for (hours)"
                name="grace_period_hours"
                type="number"
                inputMode="numeric"
                min={0}
                max={720}
                value={draft.graceHours}
                onValue={(graceHours) => set({ graceHours })}
                errors={errors('rotation.grace_period_hours')}
              />
            </div>
          )}
          {errors('rotation').length > 0 && !draft.rotate && <p class="field-error">{errors('rotation').join('; ')}</p>}
        </fieldset>
        <TextField label="Access token lifetime" name="access_token_ttl" type="number" inputMode="numeric" min={10} max={86400} value={draft.ttl} onValue={(ttl) => set({ ttl })} hint={ttlHint} errors={errors('access_token_ttl')} />
        {policy?.allowed_scopes.length ? (
          <Choices legend="Scopes" choices={policy.allowed_scopes} chosen={draft.scopes} onChosen={(scopes) => set({ scopes })} errors={errors('scopes')} hint="The scopes the tenant policy allows." />
        ) : (
          <TextField label="Scopes" name="scopes" value={draft.scopesText} onValue={(scopesText) => set({ scopesText })} hint="Separated by spaces; only scopes the tenant policy allows." errors={errors('scopes')} />
        )}
        {policy?.allowed_audiences.length ? (
          <Choices legend="Audiences" choices={policy.allowed_audiences} chosen={draft.audience} onChosen={(audience) => set({ audience })} errors={errors('audience')} hint="The audiences the tenant policy allows." />
        ) : (
          <TextField label="Audiences" name="audience" value={draft.audienceText} onValue={(audienceText) => set({ audienceText })} hint="Separated by spaces; only audiences the tenant policy allows." errors={errors('audience')} />
        )}
        <div class="actions">
          <button type="button" class="button-quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
