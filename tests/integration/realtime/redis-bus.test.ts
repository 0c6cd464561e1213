import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { RedisBus } from '../../../src/realtime/redis-bus.js';

// The bus's own readiness, as /readyz asks it (Redis only: vitest.config.ts runs this with REDIS_URL).
describe('the Redis bus', () => {
  it('answers a ping while connected, and fails it once its connections are gone', async () => {
    const bus = await RedisBus.connect(process.env.REDIS_URL!, `readyz-${Date.now()}`, createLogger('silent'));
    await expect(bus.ping()).resolves.toBeUndefined();
    await bus.close();
    await expect(bus.ping()).rejects.toThrow();
  });
});
