// The signed-in person and what every page needs: the API, who they are, the tenant acted on.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './lib/api.ts';
import type { Settings } from './lib/settings.ts';
import type { Me } from './lib/types.ts';

export interface Session {
  settings: Settings;
  api: Api;
  me: Me;
  /** The tenant the pages show and act on: the caller's own, or the one a cpi-admin chose. */
  tenant: string;
  setTenant(tenant: string): void;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
