// The frame of every signed-in page: who is signed in, the tenant acted on (a cpi-admin picks it),
// the main navigation and sign-out.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { followLink, useLocation } from '../lib/router.ts';
import { mayManageWebhooks, mayReadAudit, mayReadPolicy } from '../lib/permissions.ts';
import { useSession } from '../session.ts';

export function Layout({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const { me, tenant } = session;
  const { path } = useLocation();
  const links = [
    { href: '/', label: 'Service accounts', show: true, active: path === '/' || path.startsWith('/service-accounts') },
    { href: '/audit', label: 'Audit', show: mayReadAudit(me), active: path === '/audit' },
    { href: '/policy', label: 'Tenant policy', show: mayReadPolicy(me, tenant), active: path === '/policy' },
    { href: '/webhooks', label: 'Webhooks', show: mayManageWebhooks(me), active: path === '/webhooks' },
  ];
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">sa-bridge</div>
        <nav aria-label="Main">
          <ul>
            {links
              .filter((link) => link.show)
              .map((link) => (
                <li key={link.href}>
                  <a href={`/console${link.href}`} aria-current={link.active ? 'page' : undefined} onClick={(e) => followLink(e, link.href)}>
                    {link.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="who">
          {me.role === 'cpi-admin' ? <TenantPicker /> : <span class="tenant">Tenant: {tenant}</span>}
          <span>
            {me.actor.name} <span class="badge">{me.role ?? 'no role'}</span>
          </span>
          <button type="button" class="button-secondary" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** A cpi-admin acts on any tenant: the API takes it as ?tenant=. */
function TenantPicker() {
  const session = useSession();
  const [value, setValue] = useState(session.tenant);
  return (
    <form
      class="tenant-picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) session.setTenant(value.trim());
      }}
    >
      <label for="acting-tenant">Acting on tenant</label>
      <input id="acting-tenant" value={value} onInput={(e) => setValue(e.currentTarget.value)} size={12} autoCapitalize="none" spellcheck={false} />
      <button type="submit" class="button-secondary">
        Switch
      </button>
    </form>
  );
}
