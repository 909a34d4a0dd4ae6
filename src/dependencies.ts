// The composition root: everything the app needs, built from config, a database and a Keycloak
// connection. main.ts and the integration tests both wire the app through here.
import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { buildApp } from './app.ts';
import { createAuditRepository, type AuditRepository } from './audit/audit-repository.ts';
import { AuditService } from './audit/audit-service.ts';
import { createTokenVerifier, type TokenVerifier } from './auth/token-verifier.ts';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { IdempotencyService } from './idempotency/idempotency-service.ts';
import { KeycloakAdmin } from './keycloak/keycloak-admin.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { BackgroundJobs } from './jobs/background-jobs.ts';
import { SecretBox } from './lib/secret-box.ts';
import { WebhookService } from './webhooks/webhook-service.ts';
import { createWebhookRouter } from './webhooks/webhook-routes.ts';
import { createTenantRouter } from './tenants/tenant-routes.ts';
import { createTokenExchangeRouter } from './token-exchange/token-exchange-routes.ts';
import { TokenExchangeService } from './token-exchange/token-exchange-service.ts';
import { createServiceAccountRepository, type ServiceAccountRepository } from './service-accounts/service-account-repository.ts';
import { ServiceAccountService } from './service-accounts/service-account-service.ts';
import { TenantDirectory } from './tenants/tenant-directory.ts';
import { createTenantRepository, type TenantRepository } from './tenants/tenant-repository.ts';
import { TenantScopeResolver } from './tenants/tenant-scope.ts';

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
  keycloakAdmin: KeycloakAdmin;
  tenantRepository: TenantRepository;
  tenants: TenantDirectory;
  tenantScope: TenantScopeResolver;
  verifier: TokenVerifier;
  metrics: Metrics;
  auditRepository: AuditRepository;
  audit: AuditService;
  serviceAccountRepository: ServiceAccountRepository;
  serviceAccounts: ServiceAccountService;
  idempotency: IdempotencyService;
  reconciler: Reconciler;
  webhooks: WebhookService;
  jobs: BackgroundJobs;
  tokenExchange: TokenExchangeService;
}


export function createDependencies(input: {
  config: Config;
  logger: Logger;
  db: Database;
  keycloak: KeycloakConnection;
  serverKey?: Buffer;
}): Dependencies {
  const { config, logger, db, keycloak } = input;
  const keycloakAdmin = new KeycloakAdmin({
    keycloakUrl: keycloak.url,
    adminRealm: keycloak.adminRealm,
    clientId: keycloak.adminClientId,
    clientSecret: keycloak.adminClientSecret,
    timeoutMs: config.keycloak.timeoutMs,
  });
  const tenantRepository = createTenantRepository(db.prisma);
  // One server key encrypts what must be read back: idempotent replies, webhook signing
  // secrets and the exchange clients' secrets.
  const serverKey = input.serverKey ?? config.serverKey ?? randomBytes(32);
  const secretBox = new SecretBox(serverKey);
  const tenants = new TenantDirectory(tenantRepository, { platformRealm: config.platformRealm }, keycloakAdmin, secretBox);
  const verifier = createTokenVerifier({
    issuerBaseUrl: keycloak.publicUrl,
    keycloakUrl: keycloak.url,
    platformRealm: config.platformRealm,
    roleNames: config.roles,
    isKnownRealm: (realm) => tenants.isKnownRealm(realm),
    jwksCooldownMs: config.auth.jwksCooldownMs,
    jwksCacheMaxAgeMs: config.auth.jwksCacheMaxAgeMs,
    jwksTimeoutMs: config.keycloak.timeoutMs,
    clockToleranceS: config.auth.clockToleranceS,
  });
  const auditRepository = createAuditRepository(db.prisma);
  const audit = new AuditService(auditRepository, logger);
  const serviceAccountRepository = createServiceAccountRepository(db.prisma);
  const idempotency = new IdempotencyService(db.prisma, { encryptionKey: serverKey });
  const webhooks = new WebhookService(db.prisma, secretBox, logger, config.webhooks);
  const serviceAccounts = new ServiceAccountService({
    tenants: tenantRepository,
    webhooks,
    repository: serviceAccountRepository,
    keycloak: keycloakAdmin,
    audit,
    logger,
    roleNames: config.roles,
    platformRealm: config.platformRealm,
  });
  const jobs = new BackgroundJobs({
    prisma: db.prisma,
    repository: serviceAccountRepository,
    tenants: tenantRepository,
    keycloak: keycloakAdmin,
    service: serviceAccounts,
    webhooks,
    audit,
    logger,
    purgeIdempotencyKeys: () => idempotency.purgeExpired(),
  });
  const reconciler = new Reconciler({
    repository: serviceAccountRepository,
    tenants: tenantRepository,
    keycloak: keycloakAdmin,
    service: serviceAccounts,
    audit,
    logger,
    staleAfterMs: config.reconciler.staleAfterMs,
  });
  return {
    config,
    logger,
    db,
    keycloak,
    keycloakAdmin,
    tenantRepository,
    tenants,
    tenantScope: new TenantScopeResolver(tenants),
    verifier,
    metrics: createMetrics(),
    auditRepository,
    audit,
    serviceAccountRepository,
    serviceAccounts,
    idempotency,
    reconciler,
    webhooks,
    jobs,
    tokenExchange: new TokenExchangeService({
      verifier,
      serviceAccounts: serviceAccountRepository,
      tenants: tenantRepository,
      directory: tenants,
      audit,
      keycloakUrl: keycloak.url,
      timeoutMs: config.keycloak.timeoutMs,
    }),
  };
}

export function buildAppFrom(deps: Dependencies): Express {
  return buildApp({
    logger: deps.logger,
    verifier: deps.verifier,
    metrics: deps.metrics,
    bodyLimitBytes: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustProxy,
    readinessChecks: [
      { name: 'database', check: () => deps.db.ping() },
      { name: 'keycloak', check: () => deps.keycloakAdmin.ping() },
    ],
    serviceAccountRepository: deps.serviceAccountRepository,
    serviceAccounts: {
      service: deps.serviceAccounts,
      tenantScope: deps.tenantScope,
      idempotency: deps.idempotency,
      issuerBaseUrl: deps.keycloak.publicUrl,
    },
    audit: { repository: deps.auditRepository, tenantScope: deps.tenantScope },
    publicRouters: [createTokenExchangeRouter({ service: deps.tokenExchange, ratePerMinute: deps.config.exchangeRatePerMinute })],
    extraRouters: [
      createTenantRouter({
        repository: deps.tenantRepository,
        directory: deps.tenants,
        audit: deps.audit,
        serviceAccounts: deps.serviceAccounts,
        minSecretAgeSeconds: deps.config.minSecretAgeSeconds,
      }),
      createWebhookRouter({ webhooks: deps.webhooks, tenantScope: deps.tenantScope, audit: deps.audit }),
    ],
  });
}
