import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { RedisPresence } from '../../../src/realtime/redis-presence.js';

// Presence in Redis itself (the scaled run only: it needs REDIS_URL). An instance that died without
// saying goodbye leaves its registration and entries behind, no longer renewed: written here as it
// would have left them.
const url = process.env.REDIS_URL!;

describe('presence in Redis', () => {
  const prefix = `hubbub-test-${randomBytes(4).toString('hex')}`;
  const redis = createClient({ url });
  let alive: RedisPresence;

  /** What an instance that crashed leaves: alive until `untilMs` from now, and its entries. */
  async function crashedInstance(id: string, untilMs: number, entries: Array<[roomId: number, userId: number]>) {
    await redis.zAdd(`${prefix}:people:instances`, { score: Date.now() + untilMs, value: id });
    for (const [roomId, userId] of entries) {
      await redis.zAdd(`${prefix}:people:room:${roomId}`, { score: 0, value: `${userId}:${id}` });
      await redis.sAdd(`${prefix}:people:rooms`, String(roomId));
      await redis.sAdd(`${prefix}:people:instance-rooms:${id}`, String(roomId));
    }
  }

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
    await crashedInstance('a-crashed-instance', 300, [[1, 10]]);
    expect(await alive.enter(2, 20)).toBe(true);
    expect(await alive.members(1)).toEqual([10]);
    expect(await alive.counts()).toEqual(new Map([[1, 1], [2, 1]]));
    // Nobody renews the crashed instance: its time runs out, and the first sweep reports its people.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await alive.members(1)).toEqual([]);
    expect(await alive.sweep()).toEqual([{ roomId: 1, userId: 10 }]);
    expect(await alive.sweep()).toEqual([]);
    // Room 1 is empty now: it leaves the set of rooms; room 2 stays. The instance's keys are gone.
    expect((await redis.sMembers(`${prefix}:people:rooms`)).sort()).toEqual(['2']);
    expect(await redis.exists(`${prefix}:people:instance-rooms:a-crashed-instance`)).toBe(0);
    expect(await redis.zScore(`${prefix}:people:instances`, 'a-crashed-instance')).toBeNull();
    expect(await alive.counts()).toEqual(new Map([[2, 1]]));
    // Someone entering room 1 again brings it back.
    await alive.enter(1, 30);
    expect((await redis.sMembers(`${prefix}:people:rooms`)).sort()).toEqual(['1', '2']);
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
      // An entry of the same person from a crashed instance whose time ran out does not keep them in.
      await crashedInstance('a-crashed-instance', -1, [[6, 7]]);
      expect(await alive.enter(6, 7)).toBe(true);
      await crashedInstance('another-crashed-instance', -1, [[6, 7]]);
      expect(await alive.exit(6, 7)).toBe(true);
      // The sweep removes a crashed instance's entry of someone still here on another instance
      // without announcing them gone; someone left behind by two crashed instances is announced once.
      expect(await other.enter(8, 9)).toBe(true);
      await crashedInstance('a-third-crashed-instance', -1, [[8, 9], [8, 11]]);
      await crashedInstance('a-fourth-crashed-instance', -1, [[8, 11]]);
      const gone = await alive.sweep();
      expect(gone.filter(({ roomId }) => roomId === 8)).toEqual([{ roomId: 8, userId: 11 }]);
      expect(await redis.zScore(`${prefix}:people:room:8`, '9:a-third-crashed-instance')).toBeNull();
      expect(await alive.members(8)).toEqual([9]);
    } finally {
      await other.close();
    }
  });

  it('writes its people back when Redis has lost them, and leaves nothing behind when it closes', async () => {
    const instance = await RedisPresence.connect(url, prefix, createLogger('silent'), 60_000);
    try {
      expect(await instance.enter(12, 50)).toBe(true);
      expect(await instance.enter(13, 51)).toBe(true);
      // As after a Redis restart, or a sweep that took a stalled instance for gone.
      await redis.del([`${prefix}:people:instances`, `${prefix}:people:room:12`]);
      expect(await alive.members(13)).toEqual([]);
      // The next arrival notices at once, and everyone comes back.
      expect(await instance.enter(14, 52)).toBe(true);
      expect(await alive.members(12)).toEqual([50]);
      expect(await alive.members(13)).toEqual([51]);
      expect(await alive.members(14)).toEqual([52]);
    } finally {
      await instance.close();
    }
    expect(await alive.members(12)).toEqual([]);
    expect(await alive.members(13)).toEqual([]);
    expect((await redis.keys(`${prefix}:people:room:1[234]`)).sort()).toEqual([]);
    expect((await redis.sMembers(`${prefix}:people:rooms`)).filter((id) => ['12', '13', '14'].includes(id))).toEqual([]);
  });
});
