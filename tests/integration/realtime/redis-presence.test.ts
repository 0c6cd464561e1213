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

  it('counts a person once across instances and tabs: in on the first entry anywhere, gone on the last exit', async () => {
    const other = await RedisPresence.connect(url, prefix, createLogger('silent'), 60_000);
    try {
      // Someone else whose id starts alike (4 and 40) must not count as the same person.
      expect(await alive.enter(5, 40)).toBe(true);
      expect(await alive.enter(5, 4)).toBe(true);
      expect(await other.enter(5, 4)).toBe(false);
      expect((await alive.members(5)).sort()).toEqual([4, 40]);
      expect(await alive.exit(5, 4)).toBe(false);
      expect(await alive.members(5)).toContain(4);
      expect(await other.exit(5, 4)).toBe(true);
      expect(await alive.members(5)).toEqual([40]);
      // An entry of the same person from a crashed instance that has expired does not keep them in.
      await redis.zAdd(`${prefix}:presence:6`, { score: Date.now() - 1, value: '7:a-crashed-instance' });
      expect(await alive.enter(6, 7)).toBe(true);
      await redis.zAdd(`${prefix}:presence:6`, { score: Date.now() - 1, value: '7:another-crashed-instance' });
      expect(await alive.exit(6, 7)).toBe(true);
      // The sweep removes a crashed instance's entry of someone still here on another instance
      // without announcing them gone.
      expect(await other.enter(8, 9)).toBe(true);
      await redis.zAdd(`${prefix}:presence:8`, { score: Date.now() - 1, value: '9:a-crashed-instance' });
      expect((await alive.sweep()).filter(({ roomId }) => roomId === 8)).toEqual([]);
      expect(await redis.zScore(`${prefix}:presence:8`, '9:a-crashed-instance')).toBeNull();
    } finally {
      await other.close();
    }
  });
});

