// The RFC 8693 endpoint: a form body and OAuth errors (RFC 6749 section 5.2), outside the /v1 JSON
// stack; the caller authenticates with its subject token, and is rate-limited per subject.
import express, { Router, type ErrorRequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Principal } from '../auth/principal.ts';
import { auditContextOf } from '../http/audit-context.ts';
import { fromHttpError } from '../http/error-handler.ts';
import { findNulCharacters } from '../http/guard.ts';
import { expressPath } from '../http/operation.ts';
import { TOKEN_EXCHANGE_GRANT } from '../lib/oauth-identifiers.ts';
import { invalidRequest, OAuthError, slowDown, unsupportedGrantType } from './token-exchange-errors.ts';
import { tokenExchangeOperations } from './token-exchange-operations.ts';
import { exchangeForm, type ExchangeForm } from './token-exchange-schemas.ts';
import type { TokenExchangeService } from './token-exchange-service.ts';

const op = tokenExchangeOperations.exchange;

function noStore(res: express.Response) {
  res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');
}

export function createTokenExchangeRouter(deps: { service: TokenExchangeService; ratePerMinute: number; store?: Store }): Router {
  const router = Router();
  const path = expressPath(op.path);

  router[op.method](
    path,
    express.urlencoded({ extended: false, limit: '32kb' }),
    async function verifySubject(req, res, next) {
      try {
        if (!req.is('application/x-www-form-urlencoded')) throw invalidRequest('Send the request as application/x-www-form-urlencoded');
        const form = (req.body ?? {}) as Record<string, unknown>;
        const nul = findNulCharacters(form, 'form')[0];
        if (nul) throw invalidRequest(`${nul.path} ${nul.message}`);
        if (form.grant_type !== TOKEN_EXCHANGE_GRANT) throw unsupportedGrantType();
        const parsed = exchangeForm.safeParse(form);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw invalidRequest(`${issue.path.join('.') || 'request'} ${issue.message}`);
        }
        if (parsed.data.resource !== undefined) throw invalidRequest('resource is not supported; use audience');
        res.locals.exchange = parsed.data;
        res.locals.principal = await deps.service.authenticateSubject(parsed.data.subject_token);
        next();
      } catch (error) {
        next(error);
      }
    },
    // Per caller (realm + subject), after the subject token is verified so the key is trusted.
    rateLimit({
      windowMs: 60_000,
      limit: deps.ratePerMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      ...(deps.store && { store: deps.store }),
      keyGenerator: (_req, res) => `${(res.locals.principal as Principal).realm}:${(res.locals.principal as Principal).actor.id}`,
      handler: (_req, _res, next, options) => next(slowDown(Math.ceil(options.windowMs / 1000))),
    }),
    async function exchangeToken(req, res, next) {
      try {
        const principal = res.locals.principal as Principal;
        const form = res.locals.exchange as ExchangeForm;
        const scopes = form.scope ? form.scope.split(' ').filter(Boolean) : [];
        const token = await deps.service.exchange(
          principal,
          { subjectToken: form.subject_token, audiences: form.audience, scopes },
          auditContextOf(req, res, principal.realm, principal),
        );
        noStore(res);
        res.json(token);
      } catch (error) {
        next(error);
      }
    },
  );

  const oauthErrors: ErrorRequestHandler = (error, _req, res, next) => {
    if (!(error instanceof OAuthError)) {
      // Failures to read the body (body-parser, a bogus Content-Encoding) are OAuth errors too.
      if (fromHttpError(error)) {
        noStore(res);
        res.status(400).json({ error: 'invalid_request', error_description: 'The request body could not be read' });
        return;
      }
      next(error);
      return;
    }
    noStore(res);
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).json({ error: error.error, error_description: error.description });
  };
  router.use(path, oauthErrors);
  return router;
}
