// RFC 8693 token exchange under tenant policy. The bridge checks the subject token (signature,
// audience, known realm, live service account) and the policy (allowed audiences and scopes),
// then asks Keycloak's standard token exchange, as the realm's `sa-bridge-exchange` client
// (keycloak/token-exchange-grant.ts), and returns Keycloak's token. Keycloak stays the issuer.
import type { Logger } from 'pino';
import { auditActions } from '../audit/audit-actions.ts';
import type { AuditContext, AuditService } from '../audit/audit-service.ts';
import type { Principal } from '../auth/principal.ts';
import { identifyServiceAccount, type ServiceAccountLookup } from '../auth/service-account-identity.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { AppError } from '../errors/app-error.ts';
import type { TokenExchangeGrant } from '../keycloak/token-exchange-grant.ts';
import type { TenantPolicyService } from '../tenants/tenant-policy-service.ts';
import type { TenantSetup } from '../tenants/tenant-setup.ts';
import { fromKeycloakRefusal, invalidRequest, invalidScope, invalidTarget, temporarilyUnavailable } from './token-exchange-errors.ts';

export interface ExchangeRequest {
  subjectToken: string;
  audiences: string[];
  scopes: string[];
}

export interface TokenExchangeDeps {
  verifier: TokenVerifier;
  serviceAccounts: ServiceAccountLookup;
  policies: Pick<TenantPolicyService, 'read'>;
  tenants: Pick<TenantSetup, 'exchangeSecret'>;
  grant: TokenExchangeGrant;
  audit: AuditService;
  logger: Logger;
}

export type TokenExchangeService = ReturnType<typeof createTokenExchangeService>;

export function createTokenExchangeService(deps: TokenExchangeDeps) {
  return {
    /** Verifies the subject token; a bad or revoked one is `invalid_request` (RFC 8693 2.2.2). */
    async authenticateSubject(subjectToken: string): Promise<Principal> {
      try {
        return await identifyServiceAccount(deps.serviceAccounts, await deps.verifier.verify(subjectToken));
      } catch (error) {
        if (error instanceof AppError && error.code === 'keycloak_unavailable') throw temporarilyUnavailable();
        throw invalidRequest(`subject_token is not valid: ${error instanceof AppError ? error.detail : 'unverifiable'}`);
      }
    },

    async exchange(principal: Principal, request: ExchangeRequest, audit: AuditContext) {
      const details = {
        subject: principal.actor.id,
        subject_client_id: principal.clientId ?? null,
        service_account_id: principal.serviceAccountId ?? null,
        audience: request.audiences,
        scope: request.scopes,
      };
      const policy = await deps.policies.read(principal.realm);
      const deniedAudiences = request.audiences.filter((a) => !policy?.allowedAudiences.includes(a));
      const deniedScopes = request.scopes.filter((s) => !policy?.allowedScopes.includes(s));
      if (deniedAudiences.length || deniedScopes.length) {
        await deps.audit.recordSafely(audit, {
          action: auditActions.tokenExchanged,
          outcome: 'denied',
          details: { ...details, denied_audience: deniedAudiences, denied_scope: deniedScopes },
        });
        if (deniedAudiences.length) throw invalidTarget(`The tenant policy does not allow audience ${deniedAudiences.join(', ')}`);
        throw invalidScope(`The tenant policy does not allow scope ${deniedScopes.join(', ')}`);
      }

      let result;
      try {
        result = await deps.grant.exchange(principal.realm, await deps.tenants.exchangeSecret(principal.realm), request);
      } catch {
        await deps.audit.recordSafely(audit, { action: auditActions.tokenExchanged, outcome: 'failed', details: { ...details, reason: 'keycloak_unavailable' } });
        throw temporarilyUnavailable();
      }
      if (!result.ok) {
        await deps.audit.recordSafely(audit, { action: auditActions.tokenExchanged, outcome: 'failed', details: { ...details, reason: String(result.error ?? result.status) } });
        const refusal = fromKeycloakRefusal(result.status, result);
        if (!refusal) {
          deps.logger.error({ status: result.status, error: result.error, realm: principal.realm }, 'token exchange failed upstream (Keycloak error, or the sa-bridge-exchange client was refused)');
          throw temporarilyUnavailable();
        }
        throw refusal;
      }
      deps.audit.recordBuffered(audit, { action: auditActions.tokenExchanged, outcome: 'success', details });
      return result.response;
    },
  };
}
