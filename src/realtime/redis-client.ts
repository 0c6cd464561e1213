import { RedisClient, type RedisClientOptions } from '@redis/client';

/**
 * node-redis builds a client class, a method for each of its hundreds of commands, for every new
 * options object given to `createClient`: ~20 ms of a cold start each. Hubbub's clients (bus,
 * presence, rate limits) share one class, built once.
 */
const makeClient = RedisClient.factory({});

/**
 * A client for the request paths. node-redis gives every command its own `AbortSignal.timeout`
 * (5 s): a timer, and an abort with a stack-captured DOMException when it fires after the answer
 * came, 16 + 12 µs per command measured here, on every message sent and every page. These clients
 * have no per-command timer; their callers wait through `withinRedisWait` (redis-wait.ts), one
 * coarse timer for all. A closed connection still fails every waiting command at once.
 */
export function redisClient(options: Pick<RedisClientOptions, 'url' | 'disableOfflineQueue'>) {
  return makeClient({ ...options, commandOptions: { timeout: 0 } });
}

/** A client whose commands keep node-redis's own 5 s timeout (the pub/sub subscriber). */
export function redisClientWithTimeouts(options: Pick<RedisClientOptions, 'url' | 'disableOfflineQueue'>) {
  return makeClient(options);
}
