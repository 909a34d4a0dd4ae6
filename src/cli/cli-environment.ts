// The CLI's only reader of process.env (the server's is src/config.ts): where the bridge is and
// how to authenticate, from a pipeline's environment or from `sa-bridge login`'s cache.
import os from 'node:os';
import path from 'node:path';

export interface CliEnvironment {
  /** SA_BRIDGE_URL */
  bridgeUrl: string | undefined;
  /** SA_BRIDGE_TOKEN: a bearer token to use as it is. */
  token: string | undefined;
  /** SA_BRIDGE_CLIENT_ID / SA_BRIDGE_CLIENT_SECRET / SA_BRIDGE_ISSUER: a service account's own credentials. */
  clientId: string | undefined;
  clientSecret: string | undefined;
  issuer: string | undefined;
  /** SA_BRIDGE_TENANT: for a cpi-admin, the tenant to act on. */
  tenant: string | undefined;
  /** Where `sa-bridge login` keeps its tokens ($XDG_CONFIG_HOME/sa-bridge or ~/.config/sa-bridge). */
  configDir: string;
  /** GITHUB_OUTPUT: the file `--output github` appends to. */
  githubOutput: string | undefined;
  stdoutIsTty: boolean;
  stderrIsTty: boolean;
  stdinIsTty: boolean;
}

const value = (name: string) => {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
};

export function readCliEnvironment(): CliEnvironment {
  return {
    bridgeUrl: value('SA_BRIDGE_URL')?.replace(/\/+$/, ''),
    token: value('SA_BRIDGE_TOKEN'),
    clientId: value('SA_BRIDGE_CLIENT_ID'),
    clientSecret: value('SA_BRIDGE_CLIENT_SECRET'),
    issuer: value('SA_BRIDGE_ISSUER')?.replace(/\/+$/, ''),
    tenant: value('SA_BRIDGE_TENANT'),
    configDir: path.join(value('XDG_CONFIG_HOME') ?? path.join(os.homedir(), '.config'), 'sa-bridge'),
    githubOutput: value('GITHUB_OUTPUT'),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
  };
}
