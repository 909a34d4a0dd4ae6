import { Router } from 'express';
import { principalOf } from '../http/authenticate.ts';

export function createMeRouter(): Router {
  const router = Router();
  router.get('/v1/me', (_req, res) => {
    const p = principalOf(res);
    res.json({
      tenant: p.realm,
      role: p.role,
      actor: { type: p.actor.type, id: p.actor.id, name: p.actor.name },
      client_id: p.clientId ?? null,
      service_account_id: p.serviceAccountId ?? null,
      token_expires_at: new Date(p.expiresAt * 1000).toISOString(),
    });
  });
  return router;
}
