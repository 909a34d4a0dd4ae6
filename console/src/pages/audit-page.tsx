// The tenant's audit trail with the API's filters.
import { useState } from 'preact/hooks';
import { AuditTable } from '../components/audit-table.tsx';
import { SelectField, TextField } from '../components/field.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import type { AuditEvent, Page } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';

interface Filters {
  action: string;
  actor: string;
  target: string;
  outcome: string;
  since: string;
  until: string;
}

const none: Filters = { action: '', actor: '', target: '', outcome: '', since: '', until: '' };

/** A datetime-local value (the browser's local time) as an ISO instant. */
const isoFrom = (local: string) => (local ? new Date(local).toISOString() : undefined);

export function AuditPage() {
  const { api, tenant } = useSession();
  const [draft, setDraft] = useState(none);
  const [filters, setFilters] = useState(none);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors.at(-1);
  const events = useLoad(
    () =>
      api.get<Page<AuditEvent>>('/v1/audit-events', {
        action: filters.action.trim() || undefined,
        actor: filters.actor.trim() || undefined,
        target: filters.target.trim() || undefined,
        outcome: filters.outcome || undefined,
        since: isoFrom(filters.since),
        until: isoFrom(filters.until),
        limit: 50,
        cursor,
      }),
    JSON.stringify([tenant, filters, cursor]),
  );
  const queryErrors = (name: string) => events.problem?.errors.filter((e) => e.path === `query.${name}`).map((e) => e.message) ?? [];
  const set = (change: Partial<Filters>) => setDraft({ ...draft, ...change });

  return (
    <>
      <h1>Audit</h1>
      <form
        class="filters card"
        role="search"
        aria-label="Filter audit events"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([undefined]);
        }}
      >
        <TextField label="Action" name="action" value={draft.action} onValue={(action) => set({ action })} hint="e.g. service_account.created" errors={queryErrors('action')} />
        <TextField label="Actor ID" name="actor" value={draft.actor} onValue={(actor) => set({ actor })} errors={queryErrors('actor')} />
        <TextField label="Target ID" name="target" value={draft.target} onValue={(target) => set({ target })} hint="e.g. a service account id" errors={queryErrors('target')} />
        <SelectField
          label="Outcome"
          name="outcome"
          value={draft.outcome}
          onValue={(outcome) => set({ outcome })}
          options={[
            { value: '', label: 'Any' },
            { value: 'success', label: 'Success' },
            { value: 'denied', label: 'Denied' },
            { value: 'failed', label: 'Failed' },
          ]}
        />
        <TextField label="Since" name="since" type="datetime-local" value={draft.since} onValue={(since) => set({ since })} errors={queryErrors('since')} />
        <TextField label="Until" name="until" type="datetime-local" value={draft.until} onValue={(until) => set({ until })} errors={queryErrors('until')} />
        <div class="filter-actions">
          <button type="submit" class="button-secondary">
            Apply filters
          </button>
        </div>
      </form>
      <ProblemAlert problem={events.problem} />
      {events.data ? <AuditTable events={events.data.items} caption="Audit events, newest first" /> : <p aria-live="polite">{events.loading ? 'Loading…' : ''}</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" class="button-secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          class="button-secondary"
          disabled={!events.data?.next_cursor}
          onClick={() => events.data?.next_cursor && setCursors([...cursors, events.data.next_cursor])}
        >
          Next page
        </button>
      </nav>
    </>
  );
}
