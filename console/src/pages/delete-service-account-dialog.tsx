// Delete, confirmed by typing the service account's name.
import { useState } from 'preact/hooks';
import { TextField } from '../components/field.tsx';
import { Modal } from '../components/modal.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { asProblem, type ApiProblem } from '../lib/api.ts';
import type { ServiceAccount } from '../lib/types.ts';
import { useSession } from '../session.ts';

export function DeleteServiceAccountDialog({ account, onClose, onDeleted }: { account: ServiceAccount; onClose: () => void; onDeleted: () => void }) {
  const { api } = useSession();
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [busy, setBusy] = useState(false);
  const confirmed = typed.trim() === account.name;

  async function submit(event: Event) {
    event.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    try {
      await api.delete(`/v1/service-accounts/${account.id}`);
      onDeleted();
    } catch (error) {
      setProblem(asProblem(error));
      setBusy(false);
    }
  }

  return (
    <Modal title={`Delete ${account.name}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <div class="alert alert-warning" role="note">
          <p>
            Its Keycloak client is deleted: the secret stops working and every token it holds is refused at once. This cannot be undone; the
            audit trail stays.
          </p>
        </div>
        <ProblemAlert problem={problem} />
        <TextField
          label={`Type ${account.name} to confirm`}
          name="confirm"
          value={typed}
          onValue={setTyped}
          autoComplete="off"
          spellcheck={false}
          errors={typed && !confirmed ? ['does not match the name yet'] : []}
        />
        <div class="actions">
          <button type="button" class="button-quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button-danger" disabled={!confirmed || busy}>
            {busy ? 'Deleting…' : 'Delete service account'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
