// The layering rules of docs/architecture.md, checked by test/unit/architecture.test.ts (npm test)
// and by `npx depcruise src` on demand. Imports run one way:
//   entry (main, dependencies, app) -> routes, jobs, reconciler -> use cases and services
//   -> repositories and adapters -> db and Keycloak transport, with lib/errors/logging below all.
const feature = '^src/(service-accounts|api-keys|tenants|webhooks|token-exchange|audit|jobs|reconciler|me|health|idempotency|http)/';
const useCaseOrService = '(/use-cases/|-service\\.ts$|-setup\\.ts$|-dispatcher\\.ts$)';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'composition-root-only-from-entry',
      comment: 'Only main.ts wires the app; nothing below it imports the composition root or buildApp.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|dependencies)\\.ts$' },
      to: { path: '^src/(main|dependencies|app)\\.ts$' },
    },
    {
      name: 'routes-only-from-app',
      comment: 'A router is mounted by app.ts and imported by nothing else.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '-routes\\.ts$' },
    },
    {
      name: 'no-http-below-routes',
      comment: 'Use cases, services, repositories and adapters never see req/res.',
      severity: 'error',
      from: { path: ['^src/(keycloak|db|lib|errors|logging|auth|jobs|reconciler)/', useCaseOrService, '-repository\\.ts$'] },
      to: { path: '^node_modules/(express|express-rate-limit)/' },
    },
    {
      name: 'lower-layers-stay-below-features',
      comment: 'Transports, adapters and shared helpers import no feature.',
      severity: 'error',
      from: { path: '^src/(keycloak|local-keycloak|db|lib|errors|logging|auth)/' },
      to: { path: feature },
    },
    {
      name: 'routes-through-use-cases',
      comment: 'A route calls use cases; it may name a repository type to pass it on, never call one.',
      severity: 'error',
      from: { path: '-routes\\.ts$' },
      to: { path: ['-repository\\.ts$', '^src/db/', '^src/keycloak/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'repositories-below-use-cases',
      comment: 'A repository owns its SQL and calls no use case, service or adapter.',
      severity: 'error',
      from: { path: '-repository\\.ts$' },
      to: { path: [useCaseOrService, '^src/keycloak/', '-routes\\.ts$'] },
    },
    {
      name: 'keycloak-behind-adapters',
      comment: "Keycloak's admin API is reached through src/keycloak only.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(keycloak|local-keycloak)/' },
      to: { path: '^node_modules/@keycloak/' },
    },
    {
      name: 'client-stands-alone',
      comment: 'The SDK (sa-bridge/client) ships to other programs: it imports nothing of the server.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: '^src/client/' },
    },
    {
      name: 'cli-only-through-the-client',
      comment: 'The CLI uses the published API through the SDK, never the server code.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(cli|client)/' },
    },
    {
      name: 'server-does-not-use-the-client',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|client)/' },
      to: { path: '^src/(cli|client)/' },
    },
    {
      name: 'launcher-not-in-the-app',
      comment: 'The local Keycloak launcher is started by main.ts, not used by the app.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main\\.ts|local-keycloak/)' },
      to: { path: '^src/local-keycloak/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
  },
};
