import { defineConfig } from 'vitest/config';

/**
 * Four layers (DESIGN §9), and the web app in a real browser. `integration`, `e2e` and `browser`
 * run against a real DynamoDB Local that test/setup/dynamodb-global-setup.ts starts once per run.
 */
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/test-env.ts', 'test/setup/awslambda-shim.ts'],
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          setupFiles: ['test/setup/test-env.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/dynamodb-global-setup.ts'],
          setupFiles: ['test/setup/test-env.ts', 'test/setup/awslambda-shim.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/dynamodb-global-setup.ts'],
          setupFiles: ['test/setup/test-env.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        test: {
          // The web app in Debian's Chromium (playwright-core) against a local gateway process.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/setup/dynamodb-global-setup.ts'],
          setupFiles: ['test/setup/test-env.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
