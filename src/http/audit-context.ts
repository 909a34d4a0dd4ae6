// Where an audited action came from, read off the request: who (the authenticated principal),
// which tenant it acts on, and the request that carried it.
import type { Request, Response } from 'express';
import type { AuditContext } from '../audit/audit-service.ts';
import type { Principal } from '../auth/principal.ts';
import { principalOf } from './authenticate.ts';

export function auditContextOf(req: Request, res: Response, tenant: string, principal: Principal = principalOf(res)): AuditContext {
  return {
    tenant,
    actorTenant: principal.realm,
    actor: { type: principal.actor.type, id: principal.actor.id, name: principal.actor.name },
    ...(principal.apiKeyId !== undefined && { apiKeyId: principal.apiKeyId }),
    requestId: (res.locals.requestId as string | undefined) ?? null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
  };
}
