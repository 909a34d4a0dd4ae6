// Rotate now: a new secret (shown once), the old one valid for a grace period of the person's choice.
import { useRef, useState } from 'preact/hooks';
import { SelectField, TextField } from '../components/field.tsx';
import { Modal } from '../components/modal.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { SecretReveal } from '../components/secret-reveal.tsx';
import { ApiProblem, asProblem } from '../lib/api.ts';
import { focusFirstProblem } from '../lib/focus.ts';
import { formatDuration } from '../lib/format.ts';
import { wholeNumber } from '../lib/numbers.ts';
import type { ServiceAccount, ServiceAccountWithSecret } from '../lib/types.ts';
import { useSession } from '../session.ts';

const units = [
  { value: '60', label: 'minutes' },
  { value: '3600', label: 'hours' },
  { value: '86400', label: 'days' },
];

interface RotateProps {
  account: ServiceAccount;
  maxGraceSeconds: number | undefined;
  onClose: () => void;
  onRotated: (account: ServiceAccount) => void;
}

export function RotateSecretDialog({ account, maxGraceSeconds, onClose, onRotated }: RotateProps) {
  const { api } = useSession();
  const [amount, setAmount] = useState('1');
  const [unit, setUnit] = useState('3600');
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [busy, setBusy] = useState(false);
  const [rotated, setRotated] = useState<ServiceAccountWithSecret | undefined>();
  const form = useRef<HTMLFormElement>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const count = wholeNumber(amount) ?? 0;
    if (Number.isNaN(count)) {
      setProblem(new ApiProblem(400, 'invalid_request', 'The request is not valid', 'The grace period is not valid', [{ path: 'body.grace_period', message: 'must be a whole number' }]));
      focusFirstProblem(form.current);
      return;
    }
    setBusy(true);
    try {
      const answer = await api.post<ServiceAccountWithSecret>(`/v1/service-accounts/${account.id}/regenerate-secret`, { grace_period: count * Number(unit) });
      setProblem(undefined);
      setRotated(answer);
      const { client_secret: _secret, ...rest } = answer;
      onRotated(rest);
    } catch (error) {
      setProblem(asProblem(error));
      focusFirstProblem(form.current);
    } finally {
      setBusy(false);
    }
  }

  if (rotated) {
    return (
      <Modal title={`New secret for ${rotated.name}`} onClose={onClose}>
        <SecretReveal account={rotated} />
        <div class="actions">
          <button type="button" class="button-primary" onClick={onClose}>
            Done, I stored the secret
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={`Rotate the secret of ${account.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate ref={form}>
        <p>A new secret is made now and shown once. Workloads using the old secret keep working during the grace period; 0 ends it at once.</p>
        <ProblemAlert problem={problem} placedFields={['grace_period']} />
        <div class="row">
          <TextField
            label="Grace period"
            name="grace_period"
            type="number"
            inputMode="numeric"
            min={0}
            value={amount}
            onValue={setAmount}
            errors={problem?.messagesFor('grace_period')}
            hint={maxGraceSeconds !== undefined ? `At most ${formatDuration(maxGraceSeconds)} (tenant policy).` : undefined}
          />
          <SelectField label="Unit" name="grace_unit" value={unit} onValue={setUnit} options={units} />
        </div>
        <div class="actions">
          <button type="button" class="button-quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? 'Rotating…' : 'Rotate secret'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
