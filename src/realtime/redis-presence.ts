import { randomUUID } from 'node:crypto';
import { redisClient } from './redis-client.js';
import { withinRedisWait } from './redis-wait.js';
import type { Logger } from '../log.js';
import type { Presence } from './presence.js';

// Keys: per room a sorted set of `<userId>:<instanceId>` entries, all scored 0 so that one person's
// entries are a lexical range; the instances, scored by the time each stops counting as alive unless
// it renews; per instance the rooms it has entries in; and the rooms anybody is in (for the lobby).
// An entry counts while its instance is alive, so renewing is one command whatever the number of
// people, and a vanished instance's entries stop counting all at once when its time runs out.
const LUA_LIVE = `
local function alive(instances, instance, now, memo)
  local known = memo[instance]
  if known == nil then
    local until_ = redis.call('ZSCORE', instances, instance)
    known = until_ ~= false and tonumber(until_) > now
    memo[instance] = known
  end
  return known
end
-- The person's entries of live instances in the room.
local function count(room, instances, user, now, memo)
  local n = 0
  for _, entry in ipairs(redis.call('ZRANGEBYLEX', room, '[' .. user .. ':', '(' .. user .. ';')) do
    if alive(instances, string.sub(entry, #user + 2), now, memo) then n = n + 1 end
  end
  return n
end
-- The distinct people of live instances in the room.
local function people(room, instances, now, memo)
  local seen, out = {}, {}
  for _, entry in ipairs(redis.call('ZRANGE', room, 0, -1)) do
    local colon = string.find(entry, ':', 1, true)
    local user = string.sub(entry, 1, colon - 1)
    if not seen[user] and alive(instances, string.sub(entry, colon + 1), now, memo) then
      seen[user] = true
      out[#out + 1] = user
    end
  end
  return out
end
`;

// KEYS: room, occupied rooms, instances, this instance's rooms. ARGV: entry, room id, now, user id.
// Answers the person's live entries in the room, or -1 when this instance is not registered as alive
// (a sweep took it for gone, or Redis restarted): its entries do not count until it renews.
const ENTER = `${LUA_LIVE}
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
local memo = {}
local instance = string.sub(ARGV[1], #ARGV[4] + 2)
if not alive(KEYS[3], instance, tonumber(ARGV[3]), memo) then return -1 end
return count(KEYS[1], KEYS[3], ARGV[4], tonumber(ARGV[3]), memo)`;

// KEYS: room, occupied rooms, instances, this instance's rooms. ARGV: entry, room id, now, user id,
// '1' when this instance has nobody left in the room. Answers the person's live entries left.
const EXIT = `${LUA_LIVE}
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[5] == '1' then redis.call('SREM', KEYS[4], ARGV[2]) end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return count(KEYS[1], KEYS[3], ARGV[4], tonumber(ARGV[3]), {})`;

// KEYS: room, instances. ARGV: now.
const MEMBERS = `${LUA_LIVE}
return people(KEYS[1], KEYS[2], tonumber(ARGV[1]), {})`;

// KEYS: occupied rooms, instances. ARGV: now, room key prefix. Answers room id, count, room id, ...
const COUNTS = `${LUA_LIVE}
local out, memo = {}, {}
for _, roomId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = roomId
  out[#out + 1] = #people(ARGV[2] .. roomId, KEYS[2], tonumber(ARGV[1]), memo)
end
return out`;

// KEYS: instances. ARGV: instance id, alive until. Answers 1 when it was registered before (0: its
// entries are gone, after a sweep or a Redis restart, and must be written again).
const RENEW = `local was = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if was then return 1 end
return 0`;

// KEYS: instances, occupied rooms. ARGV: now, room key prefix, instance rooms key prefix.
// Removes every instance whose time ran out, with its entries, in one atomic step (so no two
// sweepers, nor an instance renewing meanwhile, see it half removed). Answers room id, user id, ...
// for each person who is now in that room on no live instance, once each.
const SWEEP = `${LUA_LIVE}
local now = tonumber(ARGV[1])
local memo, gone, announced = {}, {}, {}
for _, instance in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  memo[instance] = false
  local roomsKey = ARGV[3] .. instance
  for _, roomId in ipairs(redis.call('SMEMBERS', roomsKey)) do
    local room = ARGV[2] .. roomId
    for _, entry in ipairs(redis.call('ZRANGE', room, 0, -1)) do
      local colon = string.find(entry, ':', 1, true)
      if string.sub(entry, colon + 1) == instance then
        redis.call('ZREM', room, entry)
        local user = string.sub(entry, 1, colon - 1)
        local key = roomId .. ':' .. user
        if not announced[key] and count(room, KEYS[1], user, now, memo) == 0 then
          announced[key] = true
          gone[#gone + 1] = roomId
          gone[#gone + 1] = user
        end
      end
    end
    if redis.call('ZCARD', room) == 0 then redis.call('SREM', KEYS[2], roomId) end
  end
  redis.call('DEL', roomsKey)
  redis.call('ZREM', KEYS[1], instance)
end
return gone`;

/**
 * Presence in Redis. Each instance renews its own liveness every third of the TTL (one command,
 * however many people it holds); entering and leaving a room are one script each. When an instance
 * vanishes, its entries stop counting once its time runs out, and the first instance to sweep removes
 * them and announces those people as gone (those still here on another instance are not).
 */
export class RedisPresence implements Presence {
  private readonly client;
  private readonly instanceId = randomUUID();
  private readonly mine = new Map<number, Set<number>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private rewriting: Promise<void> | undefined;

  private readonly roomPrefix: string;
  private readonly occupiedKey: string;
  private readonly instancesKey: string;
  private readonly instanceRoomsPrefix: string;
  private readonly myRoomsKey: string;

  private constructor(url: string, prefix: string, private readonly ttlMs: number, log: Logger) {
    // Not the keys of earlier versions (entries scored by their own expiry): during a rolling upgrade
    // the two kinds of instance simply do not see each other's people.
    this.roomPrefix = `${prefix}:people:room:`;
    this.occupiedKey = `${prefix}:people:rooms`;
    this.instancesKey = `${prefix}:people:instances`;
    this.instanceRoomsPrefix = `${prefix}:people:instance-rooms:`;
    this.myRoomsKey = this.instanceRoomsPrefix + this.instanceId;
    // Fails fast while Redis is away (pages then show nobody rather than hang); entries come back
    // with the next renewal, which also runs as soon as the connection is back.
    this.client = redisClient({ url, disableOfflineQueue: true });
    this.client.on('error', (error: Error) => log.warn({ err: error.message }, 'redis presence connection problem'));
  }

  static async connect(url: string, prefix: string, log: Logger, ttlMs = 30_000): Promise<RedisPresence> {
    const presence = new RedisPresence(url, prefix, ttlMs, log);
    await presence.client.connect();
    await presence.renew();
    // A restarted Redis has forgotten everyone: put this instance's people back at once.
    presence.client.on('ready', () => void presence.renew().catch(() => {}));
    presence.heartbeat = setInterval(() => void presence.renew().catch(() => {}), ttlMs / 3);
    presence.heartbeat.unref();
    return presence;
  }

  /** A command's answer, given up on after REDIS_WAIT_MS (the client has no per-command timer). */
  private waited<T>(command: Promise<T>): Promise<T> {
    return withinRedisWait('presence', command);
  }

  private roomKey(roomId: number) {
    return this.roomPrefix + roomId;
  }

  /** One command; when Redis had lost this instance, its people are written again. */
  private async renew(): Promise<void> {
    const known = await this.waited(this.client.eval(RENEW, { keys: [this.instancesKey], arguments: [this.instanceId, String(Date.now() + this.ttlMs)] }));
    if (known === 0) await this.rewrite();
  }

  /** Every room's entries at once: commands issued together go to Redis in one write. */
  private rewrite(): Promise<void> {
    this.rewriting ??= (async () => {
      const occupied = [...this.mine].filter(([, users]) => users.size > 0);
      if (occupied.length === 0) return;
      const roomIds = occupied.map(([roomId]) => String(roomId));
      await Promise.all([
        ...occupied.map(([roomId, users]) => this.waited(this.client.zAdd(this.roomKey(roomId), [...users].map((userId) => ({ score: 0, value: this.entry(userId) }))))),
        this.waited(this.client.sAdd(this.occupiedKey, roomIds)),
        this.waited(this.client.sAdd(this.myRoomsKey, roomIds)),
      ]);
    })().finally(() => {
      this.rewriting = undefined;
    });
    return this.rewriting;
  }

  private entry(userId: number) {
    return `${userId}:${this.instanceId}`;
  }

  private keys(roomId: number) {
    return [this.roomKey(roomId), this.occupiedKey, this.instancesKey, this.myRoomsKey];
  }

  async enter(roomId: number, userId: number): Promise<boolean> {
    const users = this.mine.get(roomId) ?? new Set<number>();
    this.mine.set(roomId, users);
    users.add(userId);
    const enter = () =>
      this.waited(this.client.eval(ENTER, { keys: this.keys(roomId), arguments: [this.entry(userId), String(roomId), String(Date.now()), String(userId)] }));
    let entries = await enter();
    if (entries === -1) {
      // Taken for gone: renew (which writes everyone back), then enter again, counted as alive.
      await this.renew();
      entries = await enter();
    }
    return entries === 1;
  }

  async exit(roomId: number, userId: number): Promise<boolean> {
    const users = this.mine.get(roomId);
    users?.delete(userId);
    if (users?.size === 0) this.mine.delete(roomId);
    const lastHere = users === undefined || users.size === 0 ? '1' : '0';
    const entries = await this.waited(
      this.client.eval(EXIT, { keys: this.keys(roomId), arguments: [this.entry(userId), String(roomId), String(Date.now()), String(userId), lastHere] }),
    );
    return entries === 0;
  }

  // Not read together (src/read-together.ts): with Redis stalled, a read queued behind two stalled
  // reads would wait out their deadline and then its own, twice REDIS_WAIT_MS before a page opens.
  async members(roomId: number): Promise<number[]> {
    const ids = (await this.waited(this.client.eval(MEMBERS, { keys: [this.roomKey(roomId), this.instancesKey], arguments: [String(Date.now())] }))) as string[];
    return ids.map(Number);
  }

  async counts(): Promise<Map<number, number>> {
    const flat = (await this.waited(
      this.client.eval(COUNTS, { keys: [this.occupiedKey, this.instancesKey], arguments: [String(Date.now()), this.roomPrefix] }),
    )) as Array<string | number>;
    const counts = new Map<number, number>();
    for (let i = 0; i < flat.length; i += 2) counts.set(Number(flat[i]), Number(flat[i + 1]));
    return counts;
  }

  /** One script, whatever the number of rooms: usually it finds no instance gone and does nothing. */
  async sweep(): Promise<Array<{ roomId: number; userId: number }>> {
    const flat = (await this.waited(
      this.client.eval(SWEEP, { keys: [this.instancesKey, this.occupiedKey], arguments: [String(Date.now()), this.roomPrefix, this.instanceRoomsPrefix] }),
    )) as string[];
    const gone: Array<{ roomId: number; userId: number }> = [];
    for (let i = 0; i < flat.length; i += 2) gone.push({ roomId: Number(flat[i]), userId: Number(flat[i + 1]) });
    return gone;
  }

  /** Leaves quietly (a restart: the people come back on another instance): this instance's entries go. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.mine.clear();
    // Marked as gone at once, then swept out by this instance itself; nobody is announced as gone.
    await this.waited(this.client.zAdd(this.instancesKey, { score: 0, value: this.instanceId })).catch(() => 0);
    await this.waited(this.client.eval(SWEEP, { keys: [this.instancesKey, this.occupiedKey], arguments: ['0', this.roomPrefix, this.instanceRoomsPrefix] })).catch(() => []);
    await this.client.quit().catch(() => {});
  }
}
