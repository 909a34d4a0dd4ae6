// Who the CLI acts as, in this order: SA_BRIDGE_TOKEN as it is; a service account's own
// credentials (SA_BRIDGE_CLIENT_ID/SECRET + SA_BRIDGE_ISSUER: a pipeline's SA drives the CLI);
// or the person who ran `sa-bridge login` (tokens cached with 0600 permissions, refreshed).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as oidc from 'openid-client';
import { createTokenSource, type TokenSource } from '../client/token-source.ts';
import type { CliEnvironment } from './cli-environment.ts';
import { CliError, exitCodes } from './exit-codes.ts';

export const PORTAL_CLIENT_ID = 'portal';

interface StoredLogin {
  issuer: string;
  access_token: string;
  refresh_token?: string;
  /** Epoch ms. */
  expires_at: number;
}

export function credentialsFile(environment: CliEnvironment): string {
  return path.join(environment.configDir, 'credentials.json');
}

export async function storeLogin(environment: CliEnvironment, login: StoredLogin): Promise<void> {
  await mkdir(environment.configDir, { recursive: true, mode: 0o700 });
  await writeFile(credentialsFile(environment), JSON.stringify(login), { mode: 0o600 });
}

export async function forgetLogin(environment: CliEnvironment): Promise<boolean> {
  try {
    await rm(credentialsFile(environment));
    return true;
  } catch {
    return false;
  }
}

export function portalConfiguration(issuer: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), PORTAL_CLIENT_ID, undefined, oidc.None(), { execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [] });
}

async function loggedInToken(environment: CliEnvironment): Promise<(() => Promise<string>) | undefined> {
  let stored: StoredLogin;
  try {
    stored = JSON.parse(await readFile(credentialsFile(environment), 'utf8')) as StoredLogin;
  } catch {
    return undefined;
  }
  return async () => {
    if (Date.now() < stored.expires_at - 30_000) return stored.access_token;
    if (!stored.refresh_token) throw new CliError('the saved login has expired: run sa-bridge login again', exitCodes.notAuthorized);
    try {
      const refreshed = await oidc.refreshTokenGrant(await portalConfiguration(stored.issuer), stored.refresh_token);
      stored = {
        issuer: stored.issuer,
        access_token: refreshed.access_token,
        refresh_token: refreshed.refresh_token ?? stored.refresh_token,
        expires_at: Date.now() + (refreshed.expires_in ?? 60) * 1000,
      };
      await storeLogin(environment, stored);
      return stored.access_token;
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError) throw new CliError('the saved login is no longer valid: run sa-bridge login again', exitCodes.notAuthorized);
      throw error;
    }
  };
}

/** A service account's own token source, when its credentials are in the environment. */
export function serviceAccountTokens(environment: CliEnvironment): TokenSource | undefined {
  const { clientId, clientSecret, issuer } = environment;
  if (!clientId || !clientSecret) return undefined;
  if (!issuer) throw new CliError('SA_BRIDGE_CLIENT_ID and SA_BRIDGE_CLIENT_SECRET need SA_BRIDGE_ISSUER (the service account\'s issuer)', exitCodes.usage);
  return createTokenSource({ issuer, clientId, clientSecret, ...(environment.bridgeUrl && { bridgeUrl: environment.bridgeUrl }) });
}

/** The bearer token for the bridge's API, however the caller authenticated. */
export async function resolveToken(environment: CliEnvironment): Promise<() => Promise<string>> {
  if (environment.token) return async () => environment.token!;
  const serviceAccount = serviceAccountTokens(environment);
  if (serviceAccount) return () => serviceAccount.getToken();
  const login = await loggedInToken(environment);
  if (login) return login;
  throw new CliError(
    'not signed in: set SA_BRIDGE_TOKEN, or SA_BRIDGE_CLIENT_ID/SA_BRIDGE_CLIENT_SECRET/SA_BRIDGE_ISSUER, or run sa-bridge login',
    exitCodes.notAuthorized,
  );
}
