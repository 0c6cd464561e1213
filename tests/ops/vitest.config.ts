import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The operations guide exercised (docs/OPERATIONS.md; .ci/scale-out runs this): nginx in front of two
 * built instances, backups restored, databases upgraded. Outside `npm test`: it needs the build,
 * PostgreSQL, Redis and Debian's nginx. One file at a time: each starts several processes.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/ops/**/*.test.ts'],
    globalSetup: ['tests/ops/support/build.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
