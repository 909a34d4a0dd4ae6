// Sign-in: the person names their tenant (the Keycloak realm) and signs in on its login page.
import { useState } from 'preact/hooks';
import { TextField } from '../components/field.tsx';
import { lastRealm } from '../lib/auth.ts';

interface SignInPageProps {
  platformRealm: string;
  message?: string;
  onSignIn: (realm: string) => Promise<void>;
}

const realmPattern = /^[A-Za-z0-9._-]{1,255}$/;

export function SignInPage({ platformRealm, message, onSignIn }: SignInPageProps) {
  const [realm, setRealm] = useState(lastRealm());
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const name = realm.trim();
    if (!realmPattern.test(name)) {
      setError('Type your tenant, e.g. acme: letters, digits, dots, hyphens and underscores');
      return;
    }
    setBusy(true);
    try {
      await onSignIn(name);
    } catch (failure) {
      setBusy(false);
      setError(`Keycloak could not be reached for tenant ${name}: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>sa-bridge console</h1>
      <p>Service accounts for machine-to-machine access: create them, hand their secret to a workload once, rotate and retire them.</p>
      {message && (
        <div class="alert alert-info" role="status">
          {message}
        </div>
      )}
      <form onSubmit={submit} noValidate class="card">
        <TextField
          label="Tenant"
          name="realm"
          value={realm}
          onValue={(value) => {
            setRealm(value);
            setError(undefined);
          }}
          errors={error ? [error] : []}
          hint={`Your organisation's Keycloak realm. Platform operators sign in to ${platformRealm}.`}
          autoComplete="organization"
          autoCapitalize="none"
          spellcheck={false}
          required
        />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? 'Going to Keycloak…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
