import type { z } from 'zod';
import { principalOf } from '../http/authenticate.ts';
import { mount } from '../http/operation.ts';
import { RouteTable } from '../http/route-table.ts';
import { meOperations, type meResponse } from './me-operations.ts';

export function createMeRoutes(): RouteTable {
  const routes = new RouteTable();
  mount(routes, meOperations.me, (_input, _req, res) => {
    const p = principalOf(res);
    const me: z.output<typeof meResponse> = {
      tenant: p.realm,
      role: p.role,
      actor: { type: p.actor.type, id: p.actor.id, name: p.actor.name },
      client_id: p.clientId ?? null,
      service_account_id: p.serviceAccountId ?? null,
      token_expires_at: Number.isFinite(p.expiresAt) ? new Date(p.expiresAt * 1000).toISOString() : null,
      api_key_id: p.apiKeyId ?? null,
    };
    res.json(me);
  });
  return routes;
}
