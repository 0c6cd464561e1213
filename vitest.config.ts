import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.{ts,tsx}', 'tests/integration/**/*.test.{ts,tsx}'],
    // Two connections at once and two instances need PostgreSQL (and Redis), presence and limits in Redis need Redis: those files run
    // in the scaled run only.
    exclude: [
      ...(process.env.DATABASE_URL ? [] : ['tests/integration/messages/append-batch-clash.test.ts']),
      ...(process.env.DATABASE_URL && process.env.REDIS_URL ? [] : ['tests/integration/realtime/two-instances.test.ts']),
      ...(process.env.REDIS_URL ? [] : ['tests/integration/realtime/redis-presence.test.ts', 'tests/integration/realtime/redis-bus.test.ts', 'tests/integration/security/limits-redis.test.ts']),
    ],
    // Generous: starting PGlite on a busy 2-core machine has taken over 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own database; two at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
