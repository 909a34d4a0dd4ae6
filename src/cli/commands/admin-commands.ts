// `sa-bridge audit list` and `sa-bridge policy get|set`.
import type { Command } from 'commander';
import type { AuditEvent, TenantPolicy } from '../../client/sa-bridge-client.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { parseDuration } from '../terminal.ts';
import type { CommandContext } from './service-account-commands.ts';

function auditTable(events: AuditEvent[]): string {
  const rows = events.map((e) => [e.occurred_at, e.action, e.outcome, `${e.actor.name} (${e.actor.type})`, e.target ? `${e.target.type}:${e.target.id}` : '-']);
  const header = ['TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'TARGET'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
}

function policyLines(policy: TenantPolicy): string {
  return `${Object.entries(policy)
    .map(([k, v]) => `${k.padEnd(26)}  ${Array.isArray(v) ? v.join(' ') : String(v)}`)
    .join('\n')}\n`;
}

export function addAdminCommands(program: Command, ctx: CommandContext): void {
  const audit = program.command('audit').description("the tenant's audit trail");
  audit
    .command('list')
    .description('audit events, newest first')
    .option('--action <action>', 'e.g. service_account.created')
    .option('--actor <id>', 'an actor id')
    .option('--target <id>', 'a target id, e.g. a service account')
    .option('--outcome <outcome>', 'success, denied or failed')
    .option('--since <time>', 'RFC 3339 time')
    .option('--until <time>', 'RFC 3339 time')
    .option('--limit <n>', 'at most this many (default 50)', '50')
    .action(async (flags: { action?: string; actor?: string; target?: string; outcome?: 'success' | 'denied' | 'failed'; since?: string; until?: string; limit: string }) => {
      const client = await ctx.client();
      const limit = Number(flags.limit);
      const events: AuditEvent[] = [];
      const { limit: _limit, ...filters } = flags;
      for await (const event of client.auditEvents.listAll({ ...filters, limit: Math.min(limit, 100) })) {
        if (events.length >= limit) break;
        events.push(event);
      }
      ctx.write(ctx.output() === 'json' ? `${JSON.stringify(events, null, 2)}\n` : auditTable(events));
    });

  const policy = program.command('policy').description('tenant policy: get (tenant-admin), set (cpi-admin)');
  const realmOf = async (realm: string | undefined) => realm ?? ctx.environment.tenant ?? (await (await ctx.client()).me()).tenant;

  policy
    .command('get [realm]')
    .description('the tenant policy (default: your tenant, or SA_BRIDGE_TENANT)')
    .action(async (realm: string | undefined) => {
      const found = await (await ctx.client()).policy.get(await realmOf(realm));
      ctx.write(ctx.output() === 'json' ? `${JSON.stringify(found, null, 2)}\n` : policyLines(found));
    });

  policy
    .command('set [realm]')
    .description('change the tenant policy (cpi-admin)')
    .option('--max-secret-age <duration>', 'e.g. 90d')
    .option('--max-grace <duration>', 'e.g. 7d')
    .option('--max-token-ttl <duration>', 'e.g. 1h')
    .option('--default-token-ttl <duration>', 'e.g. 5m')
    .option('--allowed-scopes <list>', 'comma-separated')
    .option('--allowed-audiences <list>', 'comma-separated')
    .action(async (realm: string | undefined, flags: Record<string, string | undefined>) => {
      const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
      const change = {
        ...(flags.maxSecretAge && { max_secret_age_seconds: parseDuration(flags.maxSecretAge) }),
        ...(flags.maxGrace && { max_grace_period_seconds: parseDuration(flags.maxGrace) }),
        ...(flags.maxTokenTtl && { max_access_token_ttl: parseDuration(flags.maxTokenTtl) }),
        ...(flags.defaultTokenTtl && { default_access_token_ttl: parseDuration(flags.defaultTokenTtl) }),
        ...(flags.allowedScopes !== undefined && { allowed_scopes: list(flags.allowedScopes) }),
        ...(flags.allowedAudiences !== undefined && { allowed_audiences: list(flags.allowedAudiences) }),
      };
      if (Object.keys(change).length === 0) throw new CliError('nothing to change: give at least one option', exitCodes.usage);
      const updated = await (await ctx.client()).policy.update(await realmOf(realm), change);
      ctx.write(ctx.output() === 'json' ? `${JSON.stringify(updated, null, 2)}\n` : policyLines(updated));
    });
}
