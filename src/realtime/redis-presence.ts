import { randomUUID } from 'node:crypto';
import { redisClient } from './redis-client.js';
import { withinRedisWait } from './redis-wait.js';
import type { Logger } from '../log.js';
import type { Presence } from './presence.js';

// A user's live entries in a room, counted in Redis: entering and leaving then cost one round trip
// each, whatever the size of the room, instead of three and two that brought the room's every entry
// over (a crowd of N entering a room read N²/2 entries).
const COUNT_USER_ENTRIES = `
local n = 0
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[#ARGV - 1], '+inf')) do
  if string.sub(entry, 1, #ARGV[#ARGV]) == ARGV[#ARGV] then n = n + 1 end
end
return n`;
// KEYS: room, rooms. ARGV: expiry, member, room id, now, "<userId>:".
const ENTER = `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])${COUNT_USER_ENTRIES}`;
// KEYS: room. ARGV: member, now, "<userId>:".
const EXIT = `redis.call('ZREM', KEYS[1], ARGV[1])${COUNT_USER_ENTRIES}`;
// The sweep's claim on an expired entry: -1 when another instance removed it first. Same ARGV as EXIT.
const CLAIM = `if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end${COUNT_USER_ENTRIES}`;

/**
 * Presence in Redis: per room a sorted set of `<userId>:<instanceId>` scored by expiry time. Each
 * instance refreshes its own entries every heartbeat; entries of a crashed instance expire by
 * themselves, and the first instance to sweep them announces those users as gone.
 */
export class RedisPresence implements Presence {
  private readonly client;
  private readonly instanceId = randomUUID();
  private readonly mine = new Map<number, Set<number>>();
  private heartbeat: NodeJS.Timeout | undefined;

  private readonly key: (roomId: number) => string;
  private readonly roomsKey: string;

  private constructor(url: string, prefix: string, private readonly ttlMs: number, log: Logger) {
    this.key = (roomId) => `${prefix}:presence:${roomId}`;
    this.roomsKey = `${prefix}:presence:rooms`;
    // Fails fast while Redis is away (pages then show nobody rather than hang); entries come back
    // with the next refresh, which also runs as soon as the connection is back.
    this.client = redisClient({ url, disableOfflineQueue: true });
    this.client.on('error', (error: Error) => log.warn({ err: error.message }, 'redis presence connection problem'));
  }

  static async connect(url: string, prefix: string, log: Logger, ttlMs = 30_000): Promise<RedisPresence> {
    const presence = new RedisPresence(url, prefix, ttlMs, log);
    await presence.client.connect();
    // A restarted Redis has forgotten everyone: put this instance's people back at once.
    presence.client.on('ready', () => void presence.refresh().catch(() => {}));
    presence.heartbeat = setInterval(() => void presence.refresh().catch(() => {}), ttlMs / 3);
    presence.heartbeat.unref();
    return presence;
  }

  /** A command's answer, given up on after REDIS_WAIT_MS (the client has no per-command timer). */
  private waited<T>(command: Promise<T>): Promise<T> {
    return withinRedisWait('presence', command);
  }

  private member(userId: number) {
    return `${userId}:${this.instanceId}`;
  }

  private async liveEntries(roomId: number): Promise<string[]> {
    return this.waited(this.client.zRangeByScore(this.key(roomId), Date.now(), '+inf'));
  }

  /** Every room's entries at once: commands issued together go to Redis in one write. */
  private async refresh(): Promise<void> {
    const expiry = Date.now() + this.ttlMs;
    const occupied = [...this.mine].filter(([, users]) => users.size > 0);
    await Promise.all(
      occupied.map(([roomId, users]) => this.waited(this.client.zAdd(this.key(roomId), [...users].map((userId) => ({ score: expiry, value: this.member(userId) }))))),
    );
    // Also undoes a sweep that dropped a room from the set just as someone entered it.
    if (occupied.length > 0) await this.waited(this.client.sAdd(this.roomsKey, occupied.map(([roomId]) => String(roomId))));
  }

  async enter(roomId: number, userId: number): Promise<boolean> {
    const users = this.mine.get(roomId) ?? new Set<number>();
    this.mine.set(roomId, users);
    users.add(userId);
    const now = Date.now();
    const entries = await this.waited(
      this.client.eval(ENTER, { keys: [this.key(roomId), this.roomsKey], arguments: [String(now + this.ttlMs), this.member(userId), String(roomId), String(now), `${userId}:`] }),
    );
    return entries === 1;
  }

  async exit(roomId: number, userId: number): Promise<boolean> {
    this.mine.get(roomId)?.delete(userId);
    const entries = await this.waited(this.client.eval(EXIT, { keys: [this.key(roomId)], arguments: [this.member(userId), String(Date.now()), `${userId}:`] }));
    return entries === 0;
  }

  async members(roomId: number): Promise<number[]> {
    const entries = await this.liveEntries(roomId);
    return [...new Set(entries.map((entry) => Number(entry.split(':')[0])))];
  }

  async counts(): Promise<Map<number, number>> {
    const roomIds = (await this.waited(this.client.sMembers(this.roomsKey))).map(Number);
    const counts = await Promise.all(roomIds.map(async (roomId) => [roomId, (await this.members(roomId)).length] as const));
    return new Map(counts);
  }

  /** The rooms are swept side by side, so a sweep costs a few round trips, not a few per room. */
  async sweep(): Promise<Array<{ roomId: number; userId: number }>> {
    const roomIds = (await this.waited(this.client.sMembers(this.roomsKey))).map(Number);
    return (await Promise.all(roomIds.map((roomId) => this.sweepRoom(roomId)))).flat();
  }

  private async sweepRoom(roomId: number): Promise<Array<{ roomId: number; userId: number }>> {
    const gone: Array<{ roomId: number; userId: number }> = [];
    const expired = await this.waited(this.client.zRangeByScore(this.key(roomId), '-inf', Date.now()));
    for (const entry of expired) {
      // ZREM answers 1 to exactly one instance, so each vanished user is announced once.
      const userId = Number(entry.split(':')[0]);
      const left = await this.waited(this.client.eval(CLAIM, { keys: [this.key(roomId)], arguments: [entry, String(Date.now()), `${userId}:`] }));
      if (left === 0) gone.push({ roomId, userId });
    }
    // A room nobody is in leaves the set of rooms to sweep (an entry's arrival adds it back).
    if ((await this.waited(this.client.zCard(this.key(roomId)))) === 0) await this.waited(this.client.sRem(this.roomsKey, String(roomId)));
    return gone;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const [roomId, users] of this.mine) {
      for (const userId of users) await this.waited(this.client.zRem(this.key(roomId), this.member(userId))).catch(() => 0);
    }
    await this.client.quit().catch(() => {});
  }
}
