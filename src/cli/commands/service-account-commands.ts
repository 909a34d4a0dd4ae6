// `sa-bridge sa …`: create, list, get, update, enable, disable, delete, rotate, end-grace.
import type { Command } from 'commander';
import type { CreateServiceAccount, SaBridgeClient, ServiceAccount, UpdateServiceAccount } from '../../client/sa-bridge-client.ts';
import type { CliEnvironment } from '../cli-environment.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { renderServiceAccount, renderServiceAccountList, type OutputFormat } from '../output.ts';
import { confirm, parseDuration, withProgress } from '../terminal.ts';

export interface CommandContext {
  environment: CliEnvironment;
  client(): Promise<SaBridgeClient>;
  /** The --output asked for, else table on a terminal and json in a pipe. */
  output(): OutputFormat;
  /** The --output asked for, if any (commands with a format of their own default to it). */
  requestedOutput(): OutputFormat | undefined;
  yes(): boolean;
  write(text: string): void;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function claimsOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined;
  const claims: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--claim takes name=value, not ${pair}`, exitCodes.usage);
    claims[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return claims;
}

interface ShapeFlags {
  description?: string;
  ttl?: string;
  scope?: string[];
  audience?: string[];
  claim?: string[];
  rotateEvery?: string;
  graceHours?: string;
  noRotation?: boolean;
}

function shapeOf(flags: ShapeFlags): UpdateServiceAccount {
  const rotation = flags.noRotation
    ? { enabled: false }
    : flags.rotateEvery
      ? { enabled: true, interval_days: Number(flags.rotateEvery), ...(flags.graceHours && { grace_period_hours: Number(flags.graceHours) }) }
      : undefined;
  return {
    ...(flags.description !== undefined && { description: flags.description }),
    ...(flags.ttl && { access_token_ttl: parseDuration(flags.ttl) }),
    ...(flags.scope && { scopes: flags.scope }),
    ...(flags.audience && { audience: flags.audience }),
    ...(flags.claim && { claims: claimsOf(flags.claim) }),
    ...(rotation && { rotation }),
  };
}

/** An id (sa_…) or a live name of the tenant. */
async function resolveAccount(client: SaBridgeClient, idOrName: string): Promise<ServiceAccount> {
  if (/^sa_[0-9A-Za-z]{20}$/.test(idOrName)) return client.serviceAccounts.get(idOrName);
  for await (const account of client.serviceAccounts.listAll({ q: idOrName, limit: 100 })) {
    if (account.name === idOrName) return account;
  }
  throw new CliError(`no service account named ${idOrName}`, exitCodes.notFound);
}

function withShapeOptions(command: Command): Command {
  return command
    .option('--description <text>', 'what it is for')
    .option('--ttl <duration>', 'access token lifetime, e.g. 5m (clamped to the tenant maximum)')
    .option('--scope <scope>', 'an optional scope its tokens may ask for (repeat)', collect)
    .option('--audience <audience>', 'an audience its tokens carry (repeat)', collect)
    .option('--claim <name=value>', 'a static claim in its tokens (repeat)', collect)
    .option('--rotate-every <days>', 'rotate the secret automatically every so many days')
    .option('--grace-hours <hours>', 'with --rotate-every: how long the previous secret keeps working');
}

export function addServiceAccountCommands(program: Command, ctx: CommandContext): void {
  const sa = program.command('sa').description('service accounts: create, list, get, update, enable, disable, delete, rotate, end-grace');

  withShapeOptions(sa.command('create <name>').description('create a service account; its secret is printed once'))
    .option('--role <role>', 'viewer, devops or tenant-admin (default: your own role)')
    .option('--namespace <namespace>', 'with --output k8s-secret: the namespace of the manifests')
    .action(async (name: string, flags: ShapeFlags & { role?: string; namespace?: string }) => {
      const client = await ctx.client();
      const body = { name, ...shapeOf(flags), ...(flags.role && { role: flags.role }) } as CreateServiceAccount;
      const created = await withProgress(ctx.environment, 'creating', () => client.serviceAccounts.create(body));
      const { client_secret: secret, ...account } = created;
      ctx.write(await renderServiceAccount(ctx.output(), account, { secret, namespace: flags.namespace, githubOutput: ctx.environment.githubOutput }));
    });

  sa.command('list')
    .description('list service accounts, newest first')
    .option('--q <text>', 'search names and descriptions')
    .option('--status <status>', 'active or disabled')
    .option('--unused-for-days <days>', 'not used for at least so many days')
    .option('--limit <n>', 'at most this many (default: all)')
    .action(async (flags: { q?: string; status?: 'active' | 'disabled'; unusedForDays?: string; limit?: string }) => {
      const client = await ctx.client();
      const limit = flags.limit ? Number(flags.limit) : Number.POSITIVE_INFINITY;
      const accounts: ServiceAccount[] = [];
      const query = { ...(flags.q && { q: flags.q }), ...(flags.status && { status: flags.status }), ...(flags.unusedForDays && { unused_for_days: Number(flags.unusedForDays) }) };
      await withProgress(ctx.environment, 'listing', async () => {
        for await (const account of client.serviceAccounts.listAll({ ...query, limit: 100 })) {
          if (accounts.length >= limit) break;
          accounts.push(account);
        }
      });
      ctx.write(renderServiceAccountList(ctx.output(), accounts));
    });

  sa.command('get <id-or-name>')
    .description('one service account (never its secret)')
    .option('--namespace <namespace>', 'with --output k8s-secret: the namespace of the manifests')
    .action(async (idOrName: string, flags: { namespace?: string }) => {
      const account = await resolveAccount(await ctx.client(), idOrName);
      ctx.write(await renderServiceAccount(ctx.output(), account, { namespace: flags.namespace, githubOutput: ctx.environment.githubOutput }));
    });

  withShapeOptions(sa.command('update <id-or-name>').description('change description, token shape or rotation'))
    .option('--no-rotation', 'turn automatic rotation off')
    .action(async (idOrName: string, flags: ShapeFlags & { rotation?: boolean }) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      const change = shapeOf({ ...flags, noRotation: flags.rotation === false });
      if (Object.keys(change).length === 0) throw new CliError('nothing to change: give at least one option', exitCodes.usage);
      ctx.write(await renderServiceAccount(ctx.output(), await client.serviceAccounts.update(account.id, change), { githubOutput: ctx.environment.githubOutput }));
    });

  sa.command('enable <id-or-name>')
    .description('let it get tokens again')
    .action(async (idOrName: string) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      ctx.write(await renderServiceAccount(ctx.output(), await client.serviceAccounts.update(account.id, { enabled: true }), { githubOutput: ctx.environment.githubOutput }));
    });

  sa.command('disable <id-or-name>')
    .description('stop its tokens at once (asks first on a terminal)')
    .action(async (idOrName: string) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      await confirm(ctx.environment, `disable ${account.name}`, ctx.yes());
      ctx.write(await renderServiceAccount(ctx.output(), await client.serviceAccounts.update(account.id, { enabled: false }), { githubOutput: ctx.environment.githubOutput }));
    });

  sa.command('delete <id-or-name>')
    .description('delete it: its secret and tokens stop working (asks first on a terminal)')
    .action(async (idOrName: string) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      await confirm(ctx.environment, `delete ${account.name}`, ctx.yes());
      await client.serviceAccounts.delete(account.id);
      process.stderr.write(`deleted ${account.name} (${account.id})\n`);
    });

  sa.command('rotate <id-or-name>')
    .description('a new secret, printed once; --grace keeps the old one working meanwhile')
    .option('--grace <duration>', 'how long the previous secret keeps working, e.g. 1h (default: it stops at once)')
    .option('--namespace <namespace>', 'with --output k8s-secret: the namespace of the manifests')
    .action(async (idOrName: string, flags: { grace?: string; namespace?: string }) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      const grace = flags.grace ? parseDuration(flags.grace) : 0;
      if (grace === 0) await confirm(ctx.environment, `rotate ${account.name} with no grace period (the current secret stops at once)`, ctx.yes());
      const rotated = await client.serviceAccounts.regenerateSecret(account.id, { gracePeriodSeconds: grace });
      const { client_secret: secret, ...updated } = rotated;
      ctx.write(await renderServiceAccount(ctx.output(), updated, { secret, namespace: flags.namespace, githubOutput: ctx.environment.githubOutput }));
    });

  sa.command('end-grace <id-or-name>')
    .description('stop the previous secret now')
    .action(async (idOrName: string) => {
      const client = await ctx.client();
      const account = await resolveAccount(client, idOrName);
      ctx.write(await renderServiceAccount(ctx.output(), await client.serviceAccounts.endGracePeriod(account.id), { githubOutput: ctx.environment.githubOutput }));
    });

}
