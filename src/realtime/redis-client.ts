import { RedisClient, type RedisClientOptions } from '@redis/client';

/**
 * node-redis builds a client class, a method for each of its hundreds of commands, for every new
 * options object given to `createClient`: ~20 ms of a cold start each. Hubbub's clients (bus,
 * presence, rate limits) share one class, built once.
 */
const makeClient = RedisClient.factory({});

export function redisClient(options: Pick<RedisClientOptions, 'url' | 'disableOfflineQueue'>) {
  return makeClient(options);
}

