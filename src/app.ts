// buildApp(deps) assembles middleware and routers; it never listens (main.ts does).
import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { TokenVerifier } from './auth/token-verifier.ts';
import { createHealthRouter, type ReadinessCheck } from './health/health-routes.ts';
import { authenticate } from './http/authenticate.ts';
import { handleErrors, handleNotFound } from './http/error-handler.ts';
import { measureRequests, type Metrics } from './http/metrics.ts';
import { refuseUnsupportedMethods } from './http/method-not-allowed.ts';
import { assignRequestId } from './http/request-id.ts';
import { createMeRouter } from './me/me-routes.ts';
import { createAuditRouter } from './audit/audit-routes.ts';
import type { AuditRepository } from './audit/audit-repository.ts';
import { refuseInactiveServiceAccounts } from './http/refuse-inactive-service-accounts.ts';
import { requireJsonBody } from './http/require-json.ts';
import type { ServiceAccountRepository } from './service-accounts/service-account-repository.ts';
import { createServiceAccountRouter, type ServiceAccountRouterDeps } from './service-accounts/service-account-routes.ts';
import type { TenantScopeResolver } from './tenants/tenant-scope.ts';

export interface AppDeps {
  logger: Logger;
  verifier: TokenVerifier;
  metrics: Metrics;
  readinessChecks: ReadinessCheck[];
  bodyLimitBytes: number;
  trustProxy: boolean;
  serviceAccountRepository: ServiceAccountRepository;
  serviceAccounts: ServiceAccountRouterDeps;
  audit: { repository: AuditRepository; tenantScope: TenantScopeResolver };
  extraRouters?: Router[];
  /** Routes with their own body format and credentials (the OAuth token exchange). */
  publicRouters?: Router[];
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  app.set('etag', false);

  app.use(assignRequestId());
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (_req, res) => res.getHeader('x-request-id') as string,
      // The completion line is written from a socket event, outside the request's async context.
      customProps: (_req, res) => ({ requestId: res.getHeader('x-request-id') as string }),
      // Only method, path and status: headers carry tokens, queries and bodies may carry anything.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(measureRequests(deps.metrics));

  app.use(createHealthRouter(deps.readinessChecks, deps.logger));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  for (const router of deps.publicRouters ?? []) app.use(router);
  app.use('/v1', requireJsonBody());
  app.use('/v1', express.json({ limit: deps.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use('/v1', authenticate(deps.verifier), refuseInactiveServiceAccounts(deps.serviceAccountRepository));
  app.use(createMeRouter());
  app.use(createServiceAccountRouter(deps.serviceAccounts));
  app.use(createAuditRouter(deps.audit));
  for (const router of deps.extraRouters ?? []) app.use(router);

  app.use(refuseUnsupportedMethods(app));
  app.use(handleNotFound());
  app.use(handleErrors(deps.logger));
  return app;
}
