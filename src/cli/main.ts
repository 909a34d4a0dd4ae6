// sa-bridge: the command line for CI pipelines and operators, built on the published API (the
// typed client in src/client). Exit codes: 0 ok, 1 refused (the request was invalid or conflicts),
// 2 usage, 3 not found, 4 not authenticated or forbidden, 5 upstream trouble (retry later).
import { Command, CommanderError, Option } from 'commander';
import { createSaBridgeClient, type SaBridgeClient } from '../client/sa-bridge-client.ts';
import { resolveToken } from './cli-auth.ts';
import { readCliEnvironment } from './cli-environment.ts';
import { addAdminCommands } from './commands/admin-commands.ts';
import { addServiceAccountCommands, type CommandContext } from './commands/service-account-commands.ts';
import { addTokenCommands } from './commands/token-commands.ts';
import { CliError, describeFailure, exitCodeFor, exitCodes } from './exit-codes.ts';
import { outputFormats, type OutputFormat } from './output.ts';

const exitCodeHelp = `
Environment:
  SA_BRIDGE_URL             the bridge, e.g. https://sa-bridge.example.com
  SA_BRIDGE_TOKEN           a bearer token to act with, or:
  SA_BRIDGE_CLIENT_ID, SA_BRIDGE_CLIENT_SECRET, SA_BRIDGE_ISSUER
                            a service account's own credentials (a pipeline's SA), or run sa-bridge login
  SA_BRIDGE_TENANT          cpi-admin: the tenant to act on

Exit codes:
  0 ok, 1 refused (invalid request or conflict), 2 usage, 3 not found,
  4 not authenticated or forbidden, 5 the bridge or Keycloak is unavailable (retry later)`;

export async function runCli(argv: string[]): Promise<number> {
  const environment = readCliEnvironment();
  const program = new Command('sa-bridge')
    .description('Service accounts on Keycloak, from the command line')
    .addOption(new Option('-o, --output <format>', 'table, json, env, dotenv, k8s-secret or github').choices([...outputFormats]))
    .option('--url <url>', 'the bridge (default: SA_BRIDGE_URL)')
    .option('--tenant <realm>', 'cpi-admin: the tenant to act on (default: SA_BRIDGE_TENANT)')
    .option('-y, --yes', 'do not ask before destructive changes (needed without a terminal)')
    .addHelpText('after', exitCodeHelp)
    .showHelpAfterError(false)
    .exitOverride();

  let client: SaBridgeClient | undefined;
  const options = () => program.opts<{ output?: OutputFormat; url?: string; tenant?: string; yes?: boolean }>();
  const context: CommandContext = {
    environment,
    output: () => options().output ?? (environment.stdoutIsTty ? 'table' : 'json'),
    requestedOutput: () => options().output,
    yes: () => options().yes === true,
    write: (text) => process.stdout.write(text),
    async client() {
      if (client) return client;
      const baseUrl = (options().url ?? environment.bridgeUrl)?.replace(/\/+$/, '');
      if (!baseUrl) throw new CliError('set SA_BRIDGE_URL (or --url) to the bridge', exitCodes.usage);
      const tenant = options().tenant ?? environment.tenant;
      client = createSaBridgeClient({ baseUrl, token: await resolveToken(environment), ...(tenant && { tenant }) });
      return client;
    },
  };
  addServiceAccountCommands(program, context);
  addTokenCommands(program, context);
  addAdminCommands(program, context);
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync(argv);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; a bad command line with commander's message.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    process.stderr.write(`sa-bridge: ${describeFailure(error)}\n`);
    return exitCodeFor(error);
  }
}
