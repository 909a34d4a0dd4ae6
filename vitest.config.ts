import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          // Build and deploy files checked offline: compiled JS, Dockerfile, compose, Helm chart
          // (helm and the validators come from deploy/tools/install.sh, cached outside the repo).
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 420_000,
          // One Keycloak serves the run; two workers keep a 2-core machine busy without starving it.
          maxWorkers: 2,
        },
      },
    ],
  },
});
