// RFC 8693 token exchange under tenant policy. The bridge checks the subject token (signature,
// known realm, live service account) and the policy (allowed audiences and scopes), then asks
// Keycloak's standard token exchange, as the realm's `sa-bridge-exchange` client, and returns
// Keycloak's answer. Keycloak stays the only token issuer.
import type { Principal } from '../auth/principal.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import { AppError } from '../errors/app-error.ts';
import { EXCHANGE_CLIENT_ID } from '../keycloak/keycloak-admin.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { identifyServiceAccount, type ServiceAccountLookup } from '../auth/service-account-identity.ts';
import type { TenantDirectory } from '../tenants/tenant-directory.ts';
import type { TenantRepository } from '../tenants/tenant-repository.ts';
import type { Logger } from 'pino';
import { fromKeycloakRefusal, invalidRequest, invalidScope, invalidTarget, temporarilyUnavailable } from './token-exchange-errors.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface ExchangeRequest {
  subjectToken: string;
  audiences: string[];
  scopes: string[];
}

export interface TokenExchangeDeps {
  verifier: TokenVerifier;
  serviceAccounts: ServiceAccountLookup;
  tenants: TenantRepository;
  directory: TenantDirectory;
  audit: AuditService;
  keycloakUrl: string;
  timeoutMs: number;
  logger: Logger;
}

export class TokenExchangeService {
  constructor(private readonly deps: TokenExchangeDeps) {}

  /** Verifies the subject token; a bad or revoked one is `invalid_request` (RFC 8693 2.2.2). */
  async authenticateSubject(subjectToken: string): Promise<Principal> {
    let principal: Principal;
    try {
      principal = await this.deps.verifier.verify(subjectToken);
    } catch (error) {
      if (error instanceof AppError && error.code === 'keycloak_unavailable') throw temporarilyUnavailable();
      throw invalidRequest(`subject_token is not valid: ${error instanceof AppError ? error.detail : 'unverifiable'}`);
    }
    try {
      return await identifyServiceAccount(this.deps.serviceAccounts, principal);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_token') throw invalidRequest(`subject_token is not valid: ${error.detail}`);
      throw error;
    }
  }

  async exchange(principal: Principal, request: ExchangeRequest, audit: AuditContext): Promise<{ status: number; body: Record<string, unknown> }> {
    const details = {
      subject: principal.actor.id,
      subject_client_id: principal.clientId ?? null,
      service_account_id: principal.serviceAccountId ?? null,
      audience: request.audiences,
      scope: request.scopes,
    };
    const policy = await this.deps.directory.policy(principal.realm);
    const deniedAudiences = request.audiences.filter((a) => !policy?.allowedAudiences.includes(a));
    const deniedScopes = request.scopes.filter((s) => !policy?.allowedScopes.includes(s));
    if (deniedAudiences.length || deniedScopes.length) {
      await this.deps.audit.recordSafely(audit, { action: 'token.exchanged', outcome: 'denied', details: { ...details, denied_audience: deniedAudiences, denied_scope: deniedScopes } });
      if (deniedAudiences.length) throw invalidTarget(`The tenant policy does not allow audience ${deniedAudiences.join(', ')}`);
      throw invalidScope(`The tenant policy does not allow scope ${deniedScopes.join(', ')}`);
    }

    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: EXCHANGE_CLIENT_ID,
      client_secret: await this.deps.directory.exchangeSecret(principal.realm),
      subject_token: request.subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
    });
    for (const audience of request.audiences) form.append('audience', audience);
    if (request.scopes.length) form.set('scope', request.scopes.join(' '));

    let response: Response;
    try {
      response = await fetch(`${this.deps.keycloakUrl}/realms/${encodeURIComponent(principal.realm)}/protocol/openid-connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
    } catch {
      await this.deps.audit.recordSafely(audit, { action: 'token.exchanged', outcome: 'failed', details: { ...details, reason: 'keycloak_unavailable' } });
      throw temporarilyUnavailable();
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      await this.deps.audit.recordSafely(audit, { action: 'token.exchanged', outcome: 'failed', details: { ...details, reason: String(body.error ?? response.status) } });
      const refusal = fromKeycloakRefusal(response.status, body);
      if (!refusal) {
        this.deps.logger.error({ status: response.status, error: body.error, realm: principal.realm }, 'token exchange failed upstream (Keycloak error, or the sa-bridge-exchange client was refused)');
        throw temporarilyUnavailable();
      }
      throw refusal;
    }
    this.deps.audit.recordBuffered(audit, { action: 'token.exchanged', outcome: 'success', details });
    return { status: 200, body };
  }
}
