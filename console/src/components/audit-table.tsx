// Audit events as a table: when, who, what, on what, how it ended.
import type { AuditEvent } from '../lib/types.ts';
import { When } from './when.tsx';

export function AuditTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  if (events.length === 0) return <p>No audit events match.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td>
                <When iso={event.occurred_at} />
              </td>
              <td>
                {event.actor.name} <span class="muted small">({event.actor.type})</span>
              </td>
              <td class="mono small">{event.action}</td>
              <td class="mono small">{event.target ? event.target.id : '—'}</td>
              <td>
                <span class={`badge badge-${event.outcome}`}>{event.outcome}</span>
              </td>
              <td class="mono small details">{Object.keys(event.details ?? {}).length ? JSON.stringify(event.details) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
