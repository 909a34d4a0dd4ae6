// The composition root: everything the app needs, built from config, a database and a Keycloak
// connection, in the order the layers depend on each other (transports, then repositories and
// adapters, then use cases, then what calls them). main.ts and the integration tests both wire
// the app through here.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApiKeyAuthenticationService } from './api-keys/api-key-authentication-service.ts';
import { createApiKeyCredentialCache } from './api-keys/api-key-credential-cache.ts';
import { createApiKeyRepository, type ApiKeyRepository } from './api-keys/api-key-repository.ts';
import { bindApiKeyUseCases, type ApiKeyUseCases } from './api-keys/use-cases/api-key-use-cases.ts';
import { buildApp } from './app.ts';
import { createAuditRepository, type AuditRepository } from './audit/audit-repository.ts';
import { AuditService } from './audit/audit-service.ts';
import { ApiKeyHasher, type ApiKeyAuthenticator } from './auth/api-key-credentials.ts';
import { createTenantScope, type TenantScope } from './auth/tenant-scope.ts';
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.ts';
import { repoRoot, type Config } from './config.ts';
import type { Database } from './db/client.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { createIdempotencyRepository } from './idempotency/idempotency-repository.ts';
import { IdempotencyService } from './idempotency/idempotency-service.ts';
import { createBackgroundJobs, type BackgroundJobs } from './jobs/background-jobs.ts';
import { createRateLimitCounters } from './db/rate-limit-counters.ts';
import { SharedRateLimitStore } from './http/shared-rate-limit-store.ts';
import type { RateLimitStoreFactory } from './http/rate-limits.ts';
import { createAdminTransport } from './keycloak/admin-transport.ts';
import { createClientDrift } from './keycloak/client-drift.ts';
import { createClientLoginEvents } from './keycloak/client-login-events.ts';
import { createRealmAdmin } from './keycloak/realm-admin.ts';
import { createRealmDirectory, type RealmDirectory } from './keycloak/realm-directory.ts';
import { createRealmSetup } from './keycloak/realm-setup.ts';
import { createServiceAccountClients, type ServiceAccountClients } from './keycloak/service-account-clients.ts';
import { createClientCredentialsSource } from './keycloak/token-client.ts';
import { createTokenExchangeGrant } from './keycloak/token-exchange-grant.ts';
import { SecretBox } from './lib/secret-box.ts';
import { SecretFingerprints } from './lib/secret-fingerprint.ts';
import { OwnerWatch } from './reconciler/owner-watch.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { createServiceAccountReadCache, type ServiceAccountReads } from './service-accounts/service-account-read-cache.ts';
import { createServiceAccountRepository, type ServiceAccountRepository } from './service-accounts/service-account-repository.ts';
import { bindServiceAccountUseCases, type ServiceAccountUseCases } from './service-accounts/use-cases/service-account-use-cases.ts';
import { createTenantPolicyService, type TenantPolicyService } from './tenants/tenant-policy-service.ts';
import { TenantRegistry } from './tenants/tenant-registry.ts';
import { createTenantRepository, type TenantRepository } from './tenants/tenant-repository.ts';
import { createTenantSetup, type TenantSetup } from './tenants/tenant-setup.ts';
import { bindTenantUseCases, type TenantUseCases } from './tenants/use-cases/tenant-use-cases.ts';
import { createTokenExchangeService, type TokenExchangeService } from './token-exchange/token-exchange-service.ts';
import { createWebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import { createWebhookOutbox } from './webhooks/webhook-outbox.ts';
import { createWebhookRepository } from './webhooks/webhook-repository.ts';
import { createWebhookService, type WebhookService } from './webhooks/webhook-service.ts';

export interface KeycloakConnection {
  url: string;
  publicUrl: string;
  adminRealm: string;
  adminClientId: string;
  adminClientSecret: string;
}

export interface Dependencies {
  config: Config;
  logger: Logger;
  db: Database;
  keycloak: KeycloakConnection;
  realms: RealmDirectory;
  serviceAccountClients: ServiceAccountClients;
  tenantRepository: TenantRepository;
  registry: TenantRegistry;
  tenants: TenantSetup;
  policies: TenantPolicyService;
  tenantUseCases: TenantUseCases;
  /** Stamped on every client this bridge manages in Keycloak. */
  deploymentId: string;
  resolveTenant: TenantScope;
  verifier: TokenVerifier;
  apiKeyRepository: ApiKeyRepository;
  apiKeys: ApiKeyUseCases;
  apiKeyAuthenticator: ApiKeyAuthenticator;
  metrics: Metrics;
  auditRepository: AuditRepository;
  audit: AuditService;
  serviceAccountRepository: ServiceAccountRepository;
  serviceAccountReads: ServiceAccountReads;
  serviceAccounts: ServiceAccountUseCases;
  idempotency: IdempotencyService;
  reconciler: Reconciler;
  webhooks: WebhookService;
  jobs: BackgroundJobs;
  tokenExchange: TokenExchangeService;
  /** Where the rate limits count: one table shared by every replica on the database. */
  rateLimitStore: RateLimitStoreFactory;
}

export function createDependencies(input: {
  config: Config;
  logger: Logger;
  db: Database;
  keycloak: KeycloakConnection;
  serverKey?: Buffer;
  /** The deployment id the database holds (resolveDeploymentId). */
  deploymentId: string;
}): Dependencies {
  const { config, logger, db, keycloak, deploymentId } = input;
  const identity = { bridgeAudience: config.auth.audience, deploymentId };
  const timeoutMs = config.keycloak.timeoutMs;
  const bridgeAudience = config.auth.audience;
  // One server key seals what must be read back: idempotent replies, webhook signing secrets and
  // the exchange clients' secrets; a key derived from it (HKDF) hashes API keys.
  const serverKey = input.serverKey ?? config.serverKey ?? randomBytes(32);
  const secrets = new SecretBox(serverKey);
  const apiKeyHasher = new ApiKeyHasher(serverKey);

  // Transports and adapters.
  const adminTokens = createClientCredentialsSource({
    keycloakUrl: keycloak.url,
    realm: keycloak.adminRealm,
    clientId: keycloak.adminClientId,
    clientSecret: keycloak.adminClientSecret,
    timeoutMs,
  });
  const transport = createAdminTransport({ keycloakUrl: keycloak.url, tokens: adminTokens, timeoutMs, maxConcurrent: config.keycloak.maxConcurrentAdminCalls });
  const serviceAccountClients = createServiceAccountClients(transport, identity);
  const realmSetup = createRealmSetup(transport, serviceAccountClients, identity);
  const realmAdmin = createRealmAdmin(transport);
  const clientDrift = createClientDrift(transport, identity);
  const realms = createRealmDirectory(transport, { adminRealm: keycloak.adminRealm });
  const loginEvents = createClientLoginEvents(transport);

  // Repositories.
  const tenantRepository = createTenantRepository(db.prisma);
  const serviceAccountRepository = createServiceAccountRepository(db.prisma);
  const serviceAccountReads = createServiceAccountReadCache(serviceAccountRepository, db.changes);
  const auditRepository = createAuditRepository(db.prisma);
  const webhookRepository = createWebhookRepository(db.prisma);
  const apiKeyRepository = createApiKeyRepository(db.prisma);
  const rateLimitCounters = createRateLimitCounters(db.prisma);

  // Libraries the features share.
  const audit = new AuditService(auditRepository, logger);
  const webhookOutbox = createWebhookOutbox(webhookRepository);
  const registry = new TenantRegistry(tenantRepository, { platformRealm: config.platformRealm, changes: db.changes });
  const tenants = createTenantSetup({ repository: tenantRepository, registry, realmSetup, realms, secrets, consoleUrl: `${config.publicUrl}/console` });
  const verifier = createTokenVerifier({
    issuerBaseUrl: keycloak.publicUrl,
    keycloakUrl: keycloak.url,
    platformRealm: config.platformRealm,
    roleNames: config.roles,
    audience: bridgeAudience,
    isKnownRealm: (realm) => registry.isKnownRealm(realm),
    jwksCooldownMs: config.auth.jwksCooldownMs,
    jwksCacheMaxAgeMs: config.auth.jwksCacheMaxAgeMs,
    jwksTimeoutMs: timeoutMs,
    clockToleranceS: config.auth.clockToleranceS,
  });

  // Use cases. The policy service re-clamps SAs through the service-account use cases, which read
  // the policy through it: the late binding below closes that loop.
  let serviceAccounts: ServiceAccountUseCases | undefined;
  const policies = createTenantPolicyService({
    repository: tenantRepository,
    setup: tenants,
    audit,
    reclampTokenLifetimes: (tenant, policy, context) => serviceAccounts!.reclampTokenLifetimes(tenant, policy, context),
    minSecretAgeSeconds: config.minSecretAgeSeconds,
    changes: db.changes,
  });
  serviceAccounts = bindServiceAccountUseCases({
    repository: serviceAccountRepository,
    reads: serviceAccountReads,
    keycloak: serviceAccountClients,
    drift: clientDrift,
    fingerprints: new SecretFingerprints(serverKey),
    audit,
    webhooks: webhookOutbox,
    policies,
    logger,
    roleNames: config.roles,
    platformRealm: config.platformRealm,
  });
  const apiKeys = bindApiKeyUseCases({
    repository: apiKeyRepository,
    serviceAccounts: serviceAccountRepository,
    policies,
    audit,
    webhooks: webhookOutbox,
    hasher: apiKeyHasher,
    logger,
  });
  const apiKeyCredentials = createApiKeyCredentialCache(apiKeyRepository, db.changes, [
    (listener) => apiKeyRepository.onWrite(listener),
    (listener) => serviceAccountRepository.onWrite(listener),
    (listener) => tenantRepository.onWrite(listener),
  ]);
  const apiKeyAuthenticator = createApiKeyAuthenticationService({
    repository: { ...apiKeyRepository, findForAuthentication: apiKeyCredentials.findForAuthentication },
    serviceAccounts: serviceAccountRepository,
    hasher: apiKeyHasher,
    audit,
    logger,
    platformRealm: config.platformRealm,
  });
  const idempotency = new IdempotencyService(createIdempotencyRepository(db.prisma), secrets);
  const webhooks = createWebhookService({ repository: webhookRepository, secrets, options: config.webhooks });
  const tokenExchange = createTokenExchangeService({
    verifier,
    serviceAccounts: serviceAccountReads,
    policies,
    tenants,
    grant: createTokenExchangeGrant({ keycloakUrl: keycloak.url, timeoutMs, deploymentId }),
    audit,
    logger,
  });

  // What runs on its own.
  const jobs = createBackgroundJobs({
    rotation: { repository: serviceAccountRepository, tenants: tenantRepository, policies, useCases: serviceAccounts },
    notices: { repository: serviceAccountRepository, webhooks: webhookOutbox, audit },
    usage: { repository: serviceAccountRepository, tenants: tenantRepository, events: loginEvents },
    apiKeys: { repository: apiKeyRepository, audit },
    dispatcher: createWebhookDispatcher({ repository: webhookRepository, secrets, logger, options: config.webhooks }),
    logger,
    purgeIdempotencyKeys: () => idempotency.purgeExpired(),
  });
  const tenantUseCases = bindTenantUseCases({
    repository: tenantRepository,
    setup: tenants,
    realmSetup,
    realmAdmin,
    realms,
    registry,
    policies,
    deleteServiceAccountsOf: (tenant, context) => serviceAccounts.deleteAllOfTenant(tenant, context),
    audit,
    webhooks: webhookOutbox,
    logger,
    roleNames: config.roles,
    platformRealm: config.platformRealm,
    minSecretAgeSeconds: config.minSecretAgeSeconds,
  });
  const reconciler = new Reconciler({
    repository: serviceAccountRepository,
    tenants: tenantRepository,
    keycloak: serviceAccountClients,
    useCases: serviceAccounts,
    tenantUseCases,
    owners: new OwnerWatch({
      tenants: tenantRepository,
      realmAdmin,
      roleNames: config.roles,
      platformRealm: config.platformRealm,
      fullCheckIntervalMs: config.reconciler.ownerFullCheckIntervalMs,
    }),
    audit,
    logger,
    staleAfterMs: config.reconciler.staleAfterMs,
    deploymentId,
    platformRealm: config.platformRealm,
  });

  return {
    config,
    logger,
    db,
    keycloak,
    realms,
    serviceAccountClients,
    tenantRepository,
    registry,
    tenants,
    policies,
    tenantUseCases,
    deploymentId,
    resolveTenant: createTenantScope((realm) => registry.isKnownRealm(realm)),
    verifier,
    apiKeyRepository,
    apiKeys,
    apiKeyAuthenticator,
    metrics: createMetrics(),
    auditRepository,
    audit,
    serviceAccountRepository,
    serviceAccountReads,
    serviceAccounts,
    idempotency,
    reconciler,
    webhooks,
    jobs,
    tokenExchange,
    rateLimitStore: (name, mode) =>
      new SharedRateLimitStore(rateLimitCounters, {
        name,
        syncIntervalMs: mode === 'exact' ? 0 : config.rateLimitSyncIntervalMs,
        onError: (err) => logger.warn({ err, limiter: name }, 'sending rate-limit counts failed'),
      }),
  };
}

/** `runtime.isDraining`: main.ts's shutdown state, for /readyz. */
export function buildAppFrom(deps: Dependencies, runtime: { isDraining?: () => boolean } = {}): Express {
  return buildApp({
    isDraining: runtime.isDraining,
    logger: deps.logger,
    verifier: deps.verifier,
    apiKeyAuthenticator: deps.apiKeyAuthenticator,
    metrics: deps.metrics,
    bodyLimitBytes: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    readinessChecks: [
      { name: 'database', check: () => deps.db.ping() },
      { name: 'keycloak', check: () => deps.realms.ping() },
    ],
    serviceAccountLookup: deps.serviceAccountReads,
    serviceAccounts: {
      useCases: deps.serviceAccounts,
      resolveTenant: deps.resolveTenant,
      idempotency: deps.idempotency,
      issuerBaseUrl: deps.keycloak.publicUrl,
    },
    audit: { repository: deps.auditRepository, resolveTenant: deps.resolveTenant },
    tenants: { policies: deps.policies, tenants: deps.tenantUseCases, platformRealm: deps.config.platformRealm, issuerBaseUrl: deps.keycloak.publicUrl },
    webhooks: { webhooks: deps.webhooks, resolveTenant: deps.resolveTenant, audit: deps.audit },
    apiKeys: {
      useCases: deps.apiKeys,
      resolveTenant: deps.resolveTenant,
      ratePerMinute: deps.config.apiKeys.ratePerMinute,
      revocationsPerMinute: deps.config.apiKeys.revocationsPerMinute,
    },
    tokenExchange: { service: deps.tokenExchange, ratePerMinute: deps.config.exchangeRatePerMinute },
    mutationsPerMinute: deps.config.mutationRatePerMinute,
    rateLimitStore: deps.rateLimitStore,
    console: {
      distDir: path.join(repoRoot, 'console', 'dist'),
      settings: { keycloakUrl: deps.keycloak.publicUrl, platformRealm: deps.config.platformRealm, clientId: 'portal' },
    },
  });
}
