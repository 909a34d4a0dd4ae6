// A secret shown once: the warning, the values with copy buttons, and ready-made snippets. It lives
// only in the memory of the dialog that shows it; closing the dialog or leaving the page forgets it.
import { useEffect, useId, useRef } from 'preact/hooks';
import { curlSnippet, envSnippet, kubernetesSecretSnippet } from '../lib/snippets.ts';
import type { ServiceAccountWithSecret } from '../lib/types.ts';
import { CopyButton } from './copy-button.tsx';

export function SecretReveal({ account }: { account: ServiceAccountWithSecret }) {
  const secretId = useId();
  const clientId = useId();
  const warning = useRef<HTMLDivElement>(null);
  // The warning is the first thing read and seen, wherever the form that made the secret was scrolled.
  useEffect(() => {
    warning.current?.focus();
    warning.current?.scrollIntoView({ block: 'start' });
  }, []);
  const snippets = [
    { title: 'Environment variables', text: envSnippet(account) },
    { title: 'curl: get a token', text: curlSnippet(account) },
    { title: 'Kubernetes Secret', text: kubernetesSecretSnippet(account) },
  ];
  return (
    <div class="secret-reveal">
      <div class="alert alert-warning" role="note" tabIndex={-1} ref={warning}>
        <p>
          <strong>Copy the secret now.</strong> This is the only time it is shown: the bridge does not keep it, and closing this dialog
          forgets it. If it is lost, rotate the secret.
        </p>
      </div>
      <div class="field">
        <label for={clientId}>Client ID</label>
        <div class="input-with-button">
          <input id={clientId} readOnly value={account.client_id} />
          <CopyButton value={account.client_id} what="client ID" />
        </div>
      </div>
      <div class="field">
        <label for={secretId}>Client secret</label>
        <div class="input-with-button">
          <input id={secretId} readOnly value={account.client_secret} class="mono" autoComplete="off" spellcheck={false} data-secret />
          <CopyButton value={account.client_secret} what="client secret" />
        </div>
      </div>
      {account.previous_secret_expires_at && (
        <p>
          The previous secret keeps working until <time dateTime={account.previous_secret_expires_at}>{new Date(account.previous_secret_expires_at).toLocaleString('en-GB')}</time>.
        </p>
      )}
      {snippets.map((snippet) => (
        <section class="snippet" key={snippet.title} aria-label={snippet.title}>
          <div class="snippet-header">
            <h3>{snippet.title}</h3>
            <CopyButton value={snippet.text} what={snippet.title} />
          </div>
          <pre tabIndex={0}>
            <code>{snippet.text}</code>
          </pre>
        </section>
      ))}
    </div>
  );
}
