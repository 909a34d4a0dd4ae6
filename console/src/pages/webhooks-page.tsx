// The tenant's webhook endpoints (registration and rotation stay with the API: their signing
// secret is for a receiver's configuration, not for a browser).
import { ProblemAlert } from '../components/problem-alert.tsx';
import { When } from '../components/when.tsx';
import type { Webhook } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';

export function WebhooksPage() {
  const { api, tenant } = useSession();
  const hooks = useLoad(() => api.get<{ items: Webhook[] }>('/v1/webhooks'), tenant);
  return (
    <>
      <h1>Webhooks</h1>
      <p>Signed deliveries of service-account events (Standard Webhooks). Register, rotate and ping endpoints through the API.</p>
      <ProblemAlert problem={hooks.problem} />
      {hooks.data &&
        (hooks.data.items.length === 0 ? (
          <p>No webhook endpoints.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Webhook endpoints</caption>
              <thead>
                <tr>
                  <th scope="col">URL</th>
                  <th scope="col">Events</th>
                  <th scope="col">Enabled</th>
                  <th scope="col">Created</th>
                  <th scope="col">Signing secret overlap until</th>
                </tr>
              </thead>
              <tbody>
                {hooks.data.items.map((hook) => (
                  <tr key={hook.id}>
                    <th scope="row" class="mono small break">
                      {hook.url}
                    </th>
                    <td class="small">{hook.events.join(', ')}</td>
                    <td>{hook.enabled ? 'yes' : 'no'}</td>
                    <td>
                      <When iso={hook.created_at} /> <span class="muted">by {hook.created_by.name}</span>
                    </td>
                    <td>
                      <When iso={hook.previous_secret_expires_at} empty="—" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </>
  );
}
