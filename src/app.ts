// buildApp(deps) assembles middleware and routers; it never listens (main.ts does).
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { createApiKeyRoutes, createLeakedApiKeyRoutes, type ApiKeyRouterDeps } from './api-keys/api-key-routes.ts';
import { createAuditRoutes } from './audit/audit-routes.ts';
import type { ApiKeyAuthenticator } from './auth/api-key-credentials.ts';
import { createConsoleRouter, type ConsoleRouterDeps } from './console/console-routes.ts';
import type { ServiceAccountLookup } from './auth/service-account-identity.ts';
import type { TokenVerifier } from './auth/token-verifier.ts';
import { createHealthRoutes, type ReadinessCheck } from './health/health-routes.ts';
import { limitApiKeyRequests, limitMutations, type RateLimitStoreFactory } from './http/rate-limits.ts';
import { authenticate } from './http/authenticate.ts';
import { handleErrors, handleNotFound } from './http/error-handler.ts';
import { routeFeatures } from './http/feature-router.ts';
import { logRequests } from './http/log-requests.ts';
import { refuseUnsupportedMethods } from './http/method-not-allowed.ts';
import { measureRequests, type Metrics } from './http/metrics.ts';
import { refuseInactiveServiceAccounts } from './http/refuse-inactive-service-accounts.ts';
import { assignRequestId } from './http/request-id.ts';
import { requireJsonBody } from './http/require-json.ts';
import { routeOperations } from './http/route-table.ts';
import { forPathsUnder, runInOrder } from './http/run-in-order.ts';
import { createMeRoutes } from './me/me-routes.ts';
import { createOpenApiRouter } from './openapi/openapi-routes.ts';
import { createServiceAccountRoutes, type ServiceAccountRouterDeps } from './service-accounts/service-account-routes.ts';
import { createTenantRoutes } from './tenants/tenant-routes.ts';
import { createTokenExchangeRouter } from './token-exchange/token-exchange-routes.ts';
import { createWebhookRoutes } from './webhooks/webhook-routes.ts';

export interface AppDeps {
  logger: Logger;
  verifier: TokenVerifier;
  /** `Authorization: Bearer sab_…`: a service account's API key. */
  apiKeyAuthenticator: ApiKeyAuthenticator;
  metrics: Metrics;
  readinessChecks: ReadinessCheck[];
  /** True while the process shuts down (main.ts): /readyz answers 503. */
  isDraining?: () => boolean;
  bodyLimitBytes: number;
  trustProxy: boolean;
  serviceAccountLookup: ServiceAccountLookup;
  serviceAccounts: ServiceAccountRouterDeps;
  audit: Parameters<typeof createAuditRoutes>[0];
  tenants: Parameters<typeof createTenantRoutes>[0];
  webhooks: Parameters<typeof createWebhookRoutes>[0];
  apiKeys: ApiKeyRouterDeps & { ratePerMinute: number; revocationsPerMinute: number };
  /** Changes (POST, PUT, PATCH, DELETE) per caller and minute on /v1. */
  mutationsPerMinute: number;
  /** Where the rate limits count (shared by replicas); undefined stores count in memory. */
  rateLimitStore: RateLimitStoreFactory;
  /** The OAuth token exchange: its own body format and credentials, outside the /v1 JSON stack. */
  tokenExchange: Parameters<typeof createTokenExchangeRouter>[0];
  /** The web console at /console: static files that call the /v1 API like any other client. */
  console: ConsoleRouterDeps;
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);

  // Every request runs one chain (runInOrder): each layer Express walks costs a dispatch (match,
  // params, a promise check). The operations are dispatched from route tables (routeOperations);
  // the Express routers left (documents, console, exchange) are entered only for their own paths
  // (routeFeatures). What follows the chain answers what it did not: 405, 404 and errors.
  app.use(
    runInOrder(
      assignRequestId(),
      logRequests(deps.logger, { quietPaths: ['/healthz', '/readyz', '/metrics'] }),
      measureRequests(deps.metrics),
      routeOperations(createHealthRoutes(deps.readinessChecks, deps.logger, deps.metrics, deps.isDraining)),
      routeFeatures(
        createOpenApiRouter(),
        createConsoleRouter(deps.console),
        createTokenExchangeRouter({ ...deps.tokenExchange, store: deps.rateLimitStore('exchange', 'batched') }),
      ),
      forPathsUnder('/v1', requireJsonBody(), express.json({ limit: deps.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] })),
      // The one /v1 route without credentials: reports of leaked API keys (rate-limited per address).
      routeOperations(
        createLeakedApiKeyRoutes({
          useCases: deps.apiKeys.useCases,
          reportsPerMinute: deps.apiKeys.revocationsPerMinute,
          store: deps.rateLimitStore('leaked-key-reports', 'exact'),
        }),
      ),
      forPathsUnder(
        '/v1',
        authenticate(deps.verifier, deps.apiKeyAuthenticator),
        limitApiKeyRequests(deps.apiKeys.ratePerMinute, deps.rateLimitStore('api-key', 'batched')),
        refuseInactiveServiceAccounts(deps.serviceAccountLookup),
        limitMutations(deps.mutationsPerMinute, deps.rateLimitStore('mutations', 'exact')),
      ),
      routeOperations(
        createMeRoutes(),
        createServiceAccountRoutes(deps.serviceAccounts),
        createAuditRoutes(deps.audit),
        createTenantRoutes(deps.tenants),
        createWebhookRoutes(deps.webhooks),
        createApiKeyRoutes(deps.apiKeys),
      ),
    ),
  );

  app.use(refuseUnsupportedMethods(app));
  app.use(handleNotFound());
  app.use(handleErrors(deps.logger));
  return app;
}
