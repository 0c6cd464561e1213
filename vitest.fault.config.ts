import { defineConfig } from 'vitest/config';

/**
 * The fault suite (npm run test:fault): whole systems (private PostgreSQL and Redis servers, app
 * instances as processes, hundreds of clients) broken on purpose. One file at a time: the scenarios
 * load the machine, and their recovery times are part of what they report.
 */
export default defineConfig({
  test: {
    include: ['tests/fault/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
