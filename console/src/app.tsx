// The console: sign-in, then the signed-in pages under /console.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Layout } from './components/layout.tsx';
import { createApi } from './lib/api.ts';
import { Auth, SignedOutError } from './lib/auth.ts';
import { currentPath, navigate, useLocation } from './lib/router.ts';
import type { Settings } from './lib/settings.ts';
import type { Me } from './lib/types.ts';
import { AuditPage } from './pages/audit-page.tsx';
import { PolicyPage } from './pages/policy-page.tsx';
import { ServiceAccountDetailPage } from './pages/service-account-detail-page.tsx';
import { ServiceAccountListPage } from './pages/service-account-list-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { WebhooksPage } from './pages/webhooks-page.tsx';
import { SessionContext, type Session } from './session.ts';

type State = { phase: 'starting' } | { phase: 'signed-out'; message?: string } | { phase: 'signed-in'; me: Me; tenant: string };

export function App({ settings }: { settings: Settings }) {
  const auth = useMemo(() => new Auth(settings), [settings]);
  const [state, setState] = useState<State>({ phase: 'starting' });
  const current = useRef(state);
  current.current = state;

  const signedOut = (message?: string) => {
    auth.forget();
    setState({ phase: 'signed-out', message });
  };
  const api = useMemo(
    () =>
      createApi({
        accessToken: () => auth.accessToken(),
        tenant: () => {
          const s = current.current;
          return s.phase === 'signed-in' && s.tenant !== s.me.tenant ? s.tenant : undefined;
        },
        onSignedOut: () => {
          if (current.current.phase === 'signed-in') signedOut('Your session ended. Sign in again to go on.');
        },
      }),
    [auth],
  );

  useEffect(() => {
    if (currentPath() !== '/callback') {
      const realm = auth.resumableRealm();
      if (realm) void auth.resume(realm, `${currentPath()}${window.location.search}`).catch(() => setState({ phase: 'signed-out' }));
      else setState({ phase: 'signed-out' });
      return;
    }
    auth
      .completeSignIn()
      .then(async (returnTo) => {
        const me = await api.get<Me>('/v1/me');
        setState({ phase: 'signed-in', me, tenant: me.tenant });
        navigate(returnTo, { replace: true });
      })
      .catch((error: unknown) => {
        navigate('/', { replace: true });
        signedOut(error instanceof SignedOutError ? undefined : `Sign-in did not complete: ${error instanceof Error ? error.message : String(error)}`);
      });
    return auth.subscribe(() => {
      if (!auth.signedIn && current.current.phase === 'signed-in') signedOut('Your session ended. Sign in again to go on.');
    });
  }, [auth, api]);

  if (state.phase === 'starting') return <p aria-live="polite">Loading…</p>;
  if (state.phase === 'signed-out') {
    return (
      <SignInPage
        platformRealm={settings.platformRealm}
        message={state.message}
        onSignIn={(realm) => {
          const path = currentPath();
          return auth.signIn(realm, path === '/callback' ? '/' : `${path}${window.location.search}`);
        }}
      />
    );
  }

  const session: Session = {
    settings,
    api,
    me: state.me,
    tenant: state.tenant,
    setTenant: (tenant) => {
      setState({ ...state, tenant });
      navigate('/');
    },
    signOut: () => {
      const next: State = { phase: 'signed-out', message: 'Signing out…' };
      current.current = next;
      setState(next);
      void auth.signOut();
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <Layout>
        <Pages key={state.tenant} />
      </Layout>
    </SessionContext.Provider>
  );
}

function Pages() {
  const { path } = useLocation();
  const detail = /^\/service-accounts\/([^/]+)$/.exec(path);
  const page = detail
    ? { title: 'Service account', view: <ServiceAccountDetailPage id={decodeURIComponent(detail[1] ?? '')} /> }
    : path === '/' || path === '/callback'
      ? { title: 'Service accounts', view: <ServiceAccountListPage /> }
      : path === '/audit'
        ? { title: 'Audit', view: <AuditPage /> }
        : path === '/policy'
          ? { title: 'Tenant policy', view: <PolicyPage /> }
          : path === '/webhooks'
            ? { title: 'Webhooks', view: <WebhooksPage /> }
            : { title: 'Not found', view: <h1>No such page</h1> };
  useEffect(() => {
    document.title = `${page.title} · sa-bridge console`;
  }, [page.title]);
  return page.view;
}
