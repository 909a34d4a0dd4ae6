// `sa-bridge whoami | token | exchange | login | logout`.
import type { Command } from 'commander';
import * as oidc from 'openid-client';
import { OAuthError } from '../../client/client-errors.ts';
import { createTokenSource } from '../../client/token-source.ts';
import { forgetLogin, portalConfiguration, serviceAccountTokens, storeLogin } from '../cli-auth.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import type { CommandContext } from './service-account-commands.ts';

/** The bare token (what `$(sa-bridge token …)` wants), or its details with --output json. */
function printToken(ctx: CommandContext, token: { accessToken: string; expiresAt: number; scope: string | undefined }): void {
  if (ctx.requestedOutput() === 'json') {
    ctx.write(`${JSON.stringify({ access_token: token.accessToken, expires_at: new Date(token.expiresAt).toISOString(), scope: token.scope ?? null }, null, 2)}\n`);
  } else ctx.write(`${token.accessToken}\n`);
}

export function addTokenCommands(program: Command, ctx: CommandContext): void {
  program
    .command('whoami')
    .description('who the bridge sees: tenant, role, actor')
    .action(async () => {
      const me = await (await ctx.client()).me();
      if (ctx.output() === 'json') ctx.write(`${JSON.stringify(me, null, 2)}\n`);
      else ctx.write(`${me.actor.name} (${me.actor.type}) in ${me.tenant}, role ${me.role ?? 'none'}\n`);
    });

  program
    .command('token [client-id]')
    .description("a service account's access token from Keycloak (client_credentials): SA_BRIDGE_CLIENT_SECRET and SA_BRIDGE_ISSUER")
    .option('--issuer <url>', "the service account's issuer (default: SA_BRIDGE_ISSUER)")
    .option('--scope <scope>', 'scope to ask for')
    .action(async (clientId: string | undefined, flags: { issuer?: string; scope?: string }) => {
      const environment = ctx.environment;
      const id = clientId ?? environment.clientId;
      const issuer = flags.issuer ?? environment.issuer;
      if (!id || !issuer || !environment.clientSecret) {
        throw new CliError('token needs a client id (argument or SA_BRIDGE_CLIENT_ID), SA_BRIDGE_CLIENT_SECRET and SA_BRIDGE_ISSUER (or --issuer)', exitCodes.usage);
      }
      const source = createTokenSource({ issuer, clientId: id, clientSecret: environment.clientSecret, retries: 2, ...(flags.scope && { scope: flags.scope }) });
      printToken(ctx, await source.getIssuedToken());
    });

  program
    .command('exchange')
    .description("exchange the service account's token (RFC 8693, through the bridge) for one meant for another audience")
    .requiredOption('--audience <audience>', 'the audience of the new token')
    .option('--scope <scope>', 'space-separated scopes of the new token')
    .action(async (flags: { audience: string; scope?: string }) => {
      if (!ctx.environment.bridgeUrl) throw new CliError('set SA_BRIDGE_URL', exitCodes.usage);
      const source = serviceAccountTokens(ctx.environment);
      if (!source) throw new CliError('exchange needs the service account: SA_BRIDGE_CLIENT_ID, SA_BRIDGE_CLIENT_SECRET, SA_BRIDGE_ISSUER', exitCodes.usage);
      printToken(ctx, await source.exchange({ audience: flags.audience, ...(flags.scope && { scope: flags.scope }) }));
    });

  program
    .command('login')
    .description("sign in as a person with the device authorization grant (the realm's portal client); tokens are kept in your config directory")
    .option('--issuer <url>', 'your realm, e.g. https://keycloak.example.com/realms/acme (default: SA_BRIDGE_ISSUER)')
    .action(async (flags: { issuer?: string }) => {
      const issuer = (flags.issuer ?? ctx.environment.issuer)?.replace(/\/+$/, '');
      if (!issuer) throw new CliError('login needs --issuer (your realm) or SA_BRIDGE_ISSUER', exitCodes.usage);
      const config = await portalConfiguration(issuer);
      // Keycloak asks for PKCE on the device grant of the portal client too.
      const verifier = oidc.randomPKCECodeVerifier();
      const started = await oidc.initiateDeviceAuthorization(config, {
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      process.stderr.write(
        `To sign in, open ${started.verification_uri_complete ?? started.verification_uri} and confirm the code ${started.user_code}\n`,
      );
      let tokens: oidc.TokenEndpointResponse;
      try {
        tokens = await oidc.pollDeviceAuthorizationGrant(config, started, { code_verifier: verifier });
      } catch (error) {
        if (error instanceof oidc.ResponseBodyError) throw new OAuthError(error.status, error.error, error.error_description);
        throw error;
      }
      await storeLogin(ctx.environment, {
        issuer,
        access_token: tokens.access_token,
        ...(tokens.refresh_token && { refresh_token: tokens.refresh_token }),
        expires_at: Date.now() + (tokens.expires_in ?? 60) * 1000,
      });
      process.stderr.write('signed in\n');
    });

  program
    .command('logout')
    .description('forget the tokens sa-bridge login kept')
    .action(async () => {
      process.stderr.write((await forgetLogin(ctx.environment)) ? 'signed out\n' : 'not signed in\n');
    });
}
