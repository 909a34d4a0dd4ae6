// The tenant's service accounts: search, filter, page through, and create one.
import { useState } from 'preact/hooks';
import { SelectField, TextField } from '../components/field.tsx';
import { ProblemAlert } from '../components/problem-alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { When } from '../components/when.tsx';
import { mayCreate } from '../lib/permissions.ts';
import { followLink, useLocation } from '../lib/router.ts';
import type { Page, ServiceAccount } from '../lib/types.ts';
import { useLoad } from '../lib/use-load.ts';
import { useSession } from '../session.ts';
import { CreateServiceAccountDialog } from './create-service-account-dialog.tsx';

interface Filters {
  q: string;
  status: string;
  unusedForDays: string;
  limit: string;
}

const noFilters: Filters = { q: '', status: '', unusedForDays: '', limit: '20' };

export function ServiceAccountListPage() {
  const { api, me, tenant } = useSession();
  const deleted = useLocation().search.get('deleted');
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [filters, setFilters] = useState<Filters>(noFilters);
  // Cursors of the pages before this one (the API pages forward only).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors.at(-1);
  const list = useLoad(
    () =>
      api.get<Page<ServiceAccount>>('/v1/service-accounts', {
        q: filters.q.trim() || undefined,
        status: filters.status || undefined,
        unused_for_days: filters.unusedForDays || undefined,
        limit: filters.limit,
        cursor,
      }),
    JSON.stringify([tenant, filters, cursor]),
  );
  const filterProblem = list.problem?.status === 400 ? list.problem : undefined;
  const queryErrors = (name: string) => filterProblem?.errors.filter((e) => e.path === `query.${name}`).map((e) => e.message) ?? [];

  return (
    <>
      <div class="page-header">
        <h1>Service accounts</h1>
        {mayCreate(me) && (
          <button type="button" class="button-primary" onClick={() => setCreating(true)}>
            Create service account
          </button>
        )}
      </div>
      <p role="status" class="notice">
        {deleted ? `Deleted ${deleted}.` : ''}
      </p>
      <form
        class="filters card"
        role="search"
        aria-label="Filter service accounts"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setCursors([undefined]);
        }}
      >
        <TextField label="Search" type="search" name="q" value={draft.q} onValue={(q) => setDraft({ ...draft, q })} hint="Name or description" errors={queryErrors('q')} />
        <SelectField
          label="Status"
          name="status"
          value={draft.status}
          onValue={(status) => setDraft({ ...draft, status })}
          options={[
            { value: '', label: 'Any' },
            { value: 'active', label: 'Active' },
            { value: 'disabled', label: 'Disabled' },
            { value: 'failed', label: 'Failed (client gone)' },
          ]}
        />
        <TextField
          label="Unused for at least (days)"
          type="number"
          name="unused_for_days"
          min={1}
          max={3650}
          inputMode="numeric"
          value={draft.unusedForDays}
          onValue={(unusedForDays) => setDraft({ ...draft, unusedForDays })}
          errors={queryErrors('unused_for_days')}
        />
        <SelectField
          label="Per page"
          name="limit"
          value={draft.limit}
          onValue={(limit) => setDraft({ ...draft, limit })}
          options={['20', '50', '100'].map((n) => ({ value: n, label: n }))}
        />
        <div class="filter-actions">
          <button type="submit" class="button-secondary">
            Apply filters
          </button>
          <button
            type="button"
            class="button-quiet"
            onClick={() => {
              setDraft(noFilters);
              setFilters(noFilters);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ProblemAlert problem={list.problem} placedFields={[]} />
      <ServiceAccountTable items={list.data?.items} loading={list.loading} />
      <nav class="pager" aria-label="Pages">
        <button type="button" class="button-secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          class="button-secondary"
          disabled={!list.data?.next_cursor}
          onClick={() => list.data?.next_cursor && setCursors([...cursors, list.data.next_cursor])}
        >
          Next page
        </button>
      </nav>
      {creating && <CreateServiceAccountDialog onClose={() => setCreating(false)} onCreated={() => list.reload()} />}
    </>
  );
}

function ServiceAccountTable({ items, loading }: { items: ServiceAccount[] | undefined; loading: boolean }) {
  if (!items) return <p aria-live="polite">{loading ? 'Loading…' : ''}</p>;
  if (items.length === 0) return <p aria-live="polite">No service accounts match.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">Service accounts, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Role</th>
            <th scope="col">Owner</th>
            <th scope="col">Last used</th>
            <th scope="col">Secret expires</th>
          </tr>
        </thead>
        <tbody aria-busy={loading ? 'true' : 'false'}>
          {items.map((sa) => (
            <tr key={sa.id}>
              <th scope="row">
                <a href={`/console/service-accounts/${sa.id}`} onClick={(e) => followLink(e, `/service-accounts/${sa.id}`)}>
                  {sa.name}
                </a>
                <div class="muted mono small">{sa.client_id}</div>
              </th>
              <td>
                <StatusBadge status={sa.status} />
              </td>
              <td>{sa.role}</td>
              <td>{sa.created_by.name}</td>
              <td>
                <When iso={sa.last_used_at} empty="never" />
              </td>
              <td>
                <When iso={sa.secret_expires_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
