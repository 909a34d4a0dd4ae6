// Sign-in with the tenant realm's `portal` client: authorization code with PKCE (oidc-client-ts).
// Tokens live in memory only (an InMemoryWebStorage user store) and are renewed with the refresh
// token before they expire. Only the sign-in round trip's state (PKCE verifier, state id) goes
// to sessionStorage, and the callback removes it.
import { ErrorResponse, InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { Settings } from './settings.ts';

/** The realm of the sign-in under way, across the redirect to Keycloak (a name, not a secret). */
const PENDING_REALM = 'sa-bridge.console.pending-realm';
/** The last realm signed in to, to fill in the sign-in form next time. */
const LAST_REALM = 'sa-bridge.console.last-realm';
/** This tab is signed in to this realm: after a reload, the sign-in is resumed without a prompt. */
const TAB_REALM = 'sa-bridge.console.tab-realm';

export const consoleBase = '/console';

function consoleUrl(page: string): string {
  return `${window.location.origin}${consoleBase}/${page}`;
}

export function lastRealm(): string {
  return window.localStorage.getItem(LAST_REALM) ?? '';
}

export class Auth {
  private manager: UserManager | undefined;
  private user: User | null = null;
  private readonly listeners = new Set<() => void>();
  realm: string | undefined;

  constructor(private readonly settings: Settings) {}

  private managerFor(realm: string): UserManager {
    const manager = new UserManager({
      authority: `${this.settings.keycloakUrl}/realms/${encodeURIComponent(realm)}`,
      client_id: this.settings.clientId,
      redirect_uri: consoleUrl('callback'),
      post_logout_redirect_uri: consoleUrl(''),
      response_type: 'code',
      scope: 'openid',
      loadUserInfo: false,
      automaticSilentRenew: true,
      userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
      stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
    manager.events.addUserLoaded((user) => this.setUser(user));
    manager.events.addSilentRenewError(() => this.setUser(null));
    return manager;
  }

  private setUser(user: User | null): void {
    this.user = user;
    for (const listener of this.listeners) listener();
  }

  /** Called when the user signs in, is renewed, or loses the session. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get signedIn(): boolean {
    return this.user !== null && !this.user.expired;
  }

  /** Goes to the realm's Keycloak login page; comes back to /console/callback. */
  async signIn(realm: string, returnTo: string): Promise<void> {
    window.sessionStorage.setItem(PENDING_REALM, realm);
    window.localStorage.setItem(LAST_REALM, realm);
    await this.managerFor(realm).signinRedirect({ state: { returnTo } });
  }

  /**
   * After a reload (tokens were only in memory): the realm this tab was signed in to, if any. The
   * caller resumes with resume(), which asks Keycloak with prompt=none, so the person comes back
   * signed in while their Keycloak session lasts, or to the sign-in form without a login page.
   */
  resumableRealm(): string | undefined {
    return window.sessionStorage.getItem(TAB_REALM) ?? undefined;
  }

  async resume(realm: string, returnTo: string): Promise<void> {
    window.sessionStorage.setItem(PENDING_REALM, realm);
    window.sessionStorage.removeItem(TAB_REALM);
    await this.managerFor(realm).signinRedirect({ state: { returnTo }, prompt: 'none' });
  }

  /** Completes the sign-in on /console/callback; answers the page to go back to. */
  async completeSignIn(): Promise<string> {
    const realm = window.sessionStorage.getItem(PENDING_REALM);
    window.sessionStorage.removeItem(PENDING_REALM);
    if (!realm) throw new Error('No sign-in was under way in this tab');
    const manager = this.managerFor(realm);
    let user: User;
    try {
      user = await manager.signinRedirectCallback();
    } catch (error) {
      // A resumed sign-in without a Keycloak session: not a failure, just signed out.
      if (error instanceof ErrorResponse && error.error === 'login_required') throw new SignedOutError();
      throw error;
    }
    await manager.clearStaleState();
    window.sessionStorage.setItem(TAB_REALM, realm);
    this.manager = manager;
    this.realm = realm;
    this.setUser(user);
    const returnTo = (user.state as { returnTo?: string } | undefined)?.returnTo;
    return returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
  }

  /** A valid access token, renewed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (!this.manager || !this.user) throw new SignedOutError();
    if ((this.user.expires_in ?? 0) < 10) {
      try {
        this.setUser(await this.manager.signinSilent());
      } catch {
        this.setUser(null);
      }
    }
    if (!this.user) throw new SignedOutError();
    return this.user.access_token;
  }

  /** Forgets the tokens here and ends the Keycloak session, then Keycloak sends the browser back. */
  async signOut(): Promise<void> {
    const manager = this.manager;
    const idToken = this.user?.id_token;
    window.sessionStorage.removeItem(TAB_REALM);
    this.manager = undefined;
    this.realm = undefined;
    this.setUser(null);
    if (manager) await manager.signoutRedirect({ id_token_hint: idToken });
  }

  /** Forgets the tokens without a round trip (the session ended elsewhere). */
  forget(): void {
    window.sessionStorage.removeItem(TAB_REALM);
    void this.manager?.stopSilentRenew();
    this.manager = undefined;
    this.setUser(null);
  }
}

export class SignedOutError extends Error {
  constructor() {
    super('You are signed out');
    this.name = 'SignedOutError';
  }
}
