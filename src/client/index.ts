// sa-bridge/client: the typed API client and the workload token source.
export { ConnectionError, OAuthError, ProblemError } from './client-errors.ts';
export type { RetryOptions, TokenProvider } from './retrying-fetch.ts';
export {
  createSaBridgeClient,
  type AuditEvent,
  type CreateServiceAccount,
  type Me,
  type SaBridgeClient,
  type SaBridgeClientOptions,
  type ServiceAccount,
  type ServiceAccountWithSecret,
  type TenantPolicy,
  type UpdateServiceAccount,
  type Webhook,
} from './sa-bridge-client.ts';
export { createTokenSource, type IssuedToken, type TokenSource, type TokenSourceOptions } from './token-source.ts';
export type { components, operations, paths } from './api-types.ts';
