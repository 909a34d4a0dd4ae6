// The only reader of process.env. Everything else receives a typed Config.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((v) => v.replace(/\/+$/, ''));

const envSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(3000),
    PUBLIC_URL: optionalString.pipe(
      httpUrl.refine((v) => new URL(v).pathname === '/', 'must be an origin (scheme, host, port) without a path').optional(),
    ),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
    TRUST_PROXY: booleanFlag,
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
    SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(0),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(300_000).default(15_000),

    DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
    EMBEDDED_POSTGRES_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(1).max(65535).optional()),

    KEYCLOAK_URL: optionalString.pipe(httpUrl.optional()),
    KEYCLOAK_PUBLIC_URL: optionalString.pipe(httpUrl.optional()),
    KEYCLOAK_ADMIN_REALM: z.string().min(1).default('master'),
    KEYCLOAK_ADMIN_CLIENT_ID: z.string().min(1).default('sa-bridge-admin'),
    KEYCLOAK_ADMIN_CLIENT_SECRET: optionalString,
    KEYCLOAK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    KEYCLOAK_MAX_CONCURRENT_ADMIN_CALLS: z.coerce.number().int().min(1).max(1000).default(8),
    KEYCLOAK_PORT: port.default(8180),
    KEYCLOAK_MANAGEMENT_PORT: port.default(9180),
    KEYCLOAK_CACHE_DIR: z.string().default(path.join(os.homedir(), '.cache', 'sa-bridge')),
    KEYCLOAK_START_TIMEOUT_MS: z.coerce.number().int().min(10_000).default(300_000),
    JAVA_HOME: optionalString,

    PLATFORM_REALM: z.string().min(1).default('platform'),
    ROLE_CPI_ADMIN: z.string().min(1).default('cpi-admin'),
    ROLE_TENANT_ADMIN: z.string().min(1).default('tenant-admin'),
    ROLE_DEVOPS: z.string().min(1).default('devops'),
    ROLE_VIEWER: z.string().min(1).default('viewer'),

    SERVER_ENCRYPTION_KEY: optionalString.pipe(
      z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
        .optional(),
    ),
    MIN_SECRET_AGE_SECONDS: z.coerce.number().int().min(1).default(3600),
    EXCHANGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    MUTATION_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
    RATE_LIMIT_SYNC_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
    API_KEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    API_KEY_REVOCATION_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    JOBS_INTERVAL_MS: z.coerce.number().int().min(0).default(15_000),
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
    WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(10).default(30_000),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
    WEBHOOK_ALLOW_INSECURE_URLS: booleanFlag,
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
    RECONCILE_STALE_AFTER_MS: z.coerce.number().int().min(0).default(120_000),
    OWNER_FULL_CHECK_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
    DEPLOYMENT_ID: optionalString.pipe(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 characters: a-z, 0-9 and hyphens, not starting with a hyphen')
        .optional(),
    ),

    BRIDGE_AUDIENCE: z.string().min(1).max(255).default('sa-bridge'),
    JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
    JWKS_CACHE_MAX_AGE_MS: z.coerce.number().int().min(1000).default(600_000),
    TOKEN_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
  });

/** Rules across keys, checked on the raw values so they are reported with every other problem. */
function crossKeyProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (env.KEYCLOAK_URL?.trim() && !env.KEYCLOAK_ADMIN_CLIENT_SECRET?.trim()) {
    problems.push('KEYCLOAK_ADMIN_CLIENT_SECRET is required when KEYCLOAK_URL is set');
  }
  return problems;
}

export type Env = z.infer<typeof envSchema>;

/**
 * What a shutdown may take once the requests are done: the audit flush, closing the database, and
 * the rest of a background pass (told to stop at the signal, it ends at its next safe point). With
 * the default timeout the hard stop stays 20 s after the signal, as it was before these settings.
 */
export const SHUTDOWN_CLEANUP_MS = 5_000;

export interface RoleNames {
  cpiAdmin: string;
  tenantAdmin: string;
  devops: string;
  viewer: string;
}

export interface Config {
  host: string;
  port: number;
  /** Where people reach the bridge (the console's sign-in redirects come back here); no trailing slash. */
  publicUrl: string;
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  trustProxy: boolean;
  bodyLimitBytes: number;
  /**
   * On SIGTERM: /readyz answers 503 and the process keeps serving for drainDelayMs (so balancers
   * that probe it stop sending), then stops accepting and gives in-flight requests timeoutMs;
   * hardStopMs after the signal the process exits whatever is left (main.ts).
   */
  shutdown: { drainDelayMs: number; timeoutMs: number; hardStopMs: number };
  /** `embedded`: the bridge starts its own PostgreSQL with its data under dir (port: undefined = a free one). */
  database: { kind: 'postgres'; url: string } | { kind: 'embedded'; dir: string; port: number | undefined };
  keycloak: {
    /** Absent: the bridge starts its own local Keycloak (the embedded default). */
    url: string | undefined;
    /** Base of token issuers when clients reach Keycloak under another name than the bridge does. */
    publicUrl: string | undefined;
    adminRealm: string;
    adminClientId: string;
    adminClientSecret: string | undefined;
    timeoutMs: number;
    /** The bulkhead: admin calls in flight at once from this replica; more wait their turn. */
    maxConcurrentAdminCalls: number;
    local: {
      port: number;
      managementPort: number;
      cacheDir: string;
      dataDir: string;
      realmsDir: string;
      startTimeoutMs: number;
      javaHome: string | undefined;
    };
  };
  platformRealm: string;
  roles: RoleNames;
  auth: {
    /** The `aud` value every token must carry to be accepted here (tokens meant for other services are refused). */
    audience: string;
    jwksCooldownMs: number;
    jwksCacheMaxAgeMs: number;
    clockToleranceS: number;
  };
  /** Seals what must be read back (idempotent replies, webhook and exchange secrets); absent: main.ts keeps a generated key under dataDir. */
  serverKey: Buffer | undefined;
  /** How often the reconciler checks every SA owner in Keycloak, besides reading admin events each pass (0 = every pass). */
  reconciler: { intervalMs: number; staleAfterMs: number; ownerFullCheckIntervalMs: number };
  /** Stamped on every client the bridge manages; absent: the one the database holds, or a generated one (main.ts). */
  deploymentId: string | undefined;
  /** Rotation scheduler, expiry notices, usage collection and webhook dispatch (0 = off). */
  jobsIntervalMs: number;
  /** Token exchanges per caller (realm + subject) per minute. */
  exchangeRatePerMinute: number;
  mutationRatePerMinute: number;
  /** How often the batched rate-limit counters (API keys, exchange) are sent to the shared table. */
  rateLimitSyncIntervalMs: number;
  /** Requests per API key per minute, and unauthenticated leaked-key reports per client address per minute. */
  apiKeys: { ratePerMinute: number; revocationsPerMinute: number };
  /** The lowest maximum secret age a cpi-admin may set for a tenant. */
  minSecretAgeSeconds: number;
  webhooks: { maxAttempts: number; backoffBaseMs: number; timeoutMs: number; allowInsecureUrls: boolean };
  /** Environment handed to child processes (the local Keycloak; PATH only to the embedded PostgreSQL). */
  childEnv: NodeJS.ProcessEnv;
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'InvalidConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'} ${issue.message}`)),
    ...crossKeyProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new InvalidConfigError(problems);
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`,
    logLevel: e.LOG_LEVEL,
    dataDir,
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdown: {
      drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
      timeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      hardStopMs: e.SHUTDOWN_DRAIN_DELAY_MS + e.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_CLEANUP_MS,
    },
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'embedded', dir: path.join(dataDir, 'postgres'), port: e.EMBEDDED_POSTGRES_PORT },
    keycloak: {
      url: e.KEYCLOAK_URL,
      publicUrl: e.KEYCLOAK_PUBLIC_URL,
      adminRealm: e.KEYCLOAK_ADMIN_REALM,
      adminClientId: e.KEYCLOAK_ADMIN_CLIENT_ID,
      adminClientSecret: e.KEYCLOAK_ADMIN_CLIENT_SECRET,
      timeoutMs: e.KEYCLOAK_TIMEOUT_MS,
      maxConcurrentAdminCalls: e.KEYCLOAK_MAX_CONCURRENT_ADMIN_CALLS,
      local: {
        port: e.KEYCLOAK_PORT,
        managementPort: e.KEYCLOAK_MANAGEMENT_PORT,
        cacheDir: path.resolve(e.KEYCLOAK_CACHE_DIR),
        dataDir: path.join(dataDir, 'keycloak'),
        realmsDir: path.join(repoRoot, 'keycloak-realm'),
        startTimeoutMs: e.KEYCLOAK_START_TIMEOUT_MS,
        javaHome: e.JAVA_HOME,
      },
    },
    platformRealm: e.PLATFORM_REALM,
    roles: {
      cpiAdmin: e.ROLE_CPI_ADMIN,
      tenantAdmin: e.ROLE_TENANT_ADMIN,
      devops: e.ROLE_DEVOPS,
      viewer: e.ROLE_VIEWER,
    },
    auth: {
      audience: e.BRIDGE_AUDIENCE,
      jwksCooldownMs: e.JWKS_COOLDOWN_MS,
      jwksCacheMaxAgeMs: e.JWKS_CACHE_MAX_AGE_MS,
      clockToleranceS: e.TOKEN_CLOCK_TOLERANCE_S,
    },
    serverKey: e.SERVER_ENCRYPTION_KEY ? Buffer.from(e.SERVER_ENCRYPTION_KEY, 'base64') : undefined,
    reconciler: { intervalMs: e.RECONCILE_INTERVAL_MS, staleAfterMs: e.RECONCILE_STALE_AFTER_MS, ownerFullCheckIntervalMs: e.OWNER_FULL_CHECK_INTERVAL_MS },
    deploymentId: e.DEPLOYMENT_ID,
    jobsIntervalMs: e.JOBS_INTERVAL_MS,
    exchangeRatePerMinute: e.EXCHANGE_RATE_LIMIT_PER_MINUTE,
    mutationRatePerMinute: e.MUTATION_RATE_LIMIT_PER_MINUTE,
    rateLimitSyncIntervalMs: e.RATE_LIMIT_SYNC_INTERVAL_MS,
    apiKeys: { ratePerMinute: e.API_KEY_RATE_LIMIT_PER_MINUTE, revocationsPerMinute: e.API_KEY_REVOCATION_RATE_LIMIT_PER_MINUTE },
    minSecretAgeSeconds: e.MIN_SECRET_AGE_SECONDS,
    webhooks: {
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: e.WEBHOOK_BACKOFF_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      allowInsecureUrls: e.WEBHOOK_ALLOW_INSECURE_URLS,
    },
    childEnv: { ...env },
  };
}
