import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { RedisPresence } from '../../../src/realtime/redis-presence.js';

// Presence in Redis itself (the scaled run only: it needs REDIS_URL). An instance that died without
// saying goodbye leaves entries that are no longer refreshed: written here as it would have left them.
const url = process.env.REDIS_URL!;

describe('presence in Redis', () => {
  const prefix = `hubbub-test-${randomBytes(4).toString('hex')}`;
  const redis = createClient({ url });
  let alive: RedisPresence;

  beforeAll(async () => {
    await redis.connect();
    alive = await RedisPresence.connect(url, prefix, createLogger('silent'), 60_000);
  });
  afterAll(async () => {
    await alive?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  it('sweeps out the people of a vanished instance once, and forgets rooms nobody is in', async () => {
    await redis.zAdd(`${prefix}:presence:1`, { score: Date.now() + 300, value: '10:a-crashed-instance' });
    await redis.sAdd(`${prefix}:presence:rooms`, '1');
    expect(await alive.enter(2, 20)).toBe(true);
    expect(await alive.members(1)).toEqual([10]);
    // Nobody refreshes the crashed instance's entry: it expires, and the first sweep reports it.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await alive.members(1)).toEqual([]);
    expect(await alive.sweep()).toEqual([{ roomId: 1, userId: 10 }]);
    expect(await alive.sweep()).toEqual([]);
    // Room 1 is empty now: it leaves the set of rooms; room 2 stays.
    expect((await redis.sMembers(`${prefix}:presence:rooms`)).sort()).toEqual(['2']);
    expect(await alive.counts()).toEqual(new Map([[2, 1]]));
    // Someone entering room 1 again brings it back.
    await alive.enter(1, 30);
    expect((await redis.sMembers(`${prefix}:presence:rooms`)).sort()).toEqual(['1', '2']);
  });
});
