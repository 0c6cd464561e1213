import { RedisClient, type RedisClientOptions } from '@redis/client';

/**
 * node-redis builds a client class, a method for each of its hundreds of commands, for every new
 * options object given to `createClient`: ~20 ms of a cold start each. Hubbub's clients (bus,
 * presence, rate limits) share one class, built once.
 */
const makeClient = RedisClient.factory({});

/** How long a request waits on Redis before it goes on without it (a stalled, not a closed, Redis). */
export const REDIS_WAIT_MS = 5_000;

/**
 * A client for the request paths. node-redis gives every command its own `AbortSignal.timeout`
 * (5 s): a timer, and an abort with a stack-captured DOMException when it fires after the answer
 * came, 16 + 12 µs per command measured here, on every message sent and every page. These clients have
 * no per-command timer; their callers wait through `withinRedisWait`, one coarse timer for all.
 * A closed connection still fails every waiting command at once.
 */
export function redisClient(options: Pick<RedisClientOptions, 'url' | 'disableOfflineQueue'>) {
  return makeClient({ ...options, commandOptions: { timeout: 0 } });
}

/** A client whose commands keep node-redis's own 5 s timeout (the pub/sub subscriber). */
export function redisClientWithTimeouts(options: Pick<RedisClientOptions, 'url' | 'disableOfflineQueue'>) {
  return makeClient(options);
}

export class RedisWaitExceeded extends Error {
  constructor(what: string, ms: number) {
    super(`Redis did not answer ${what} within ${ms} ms`);
  }
}

type Waiting = { readonly until: number; readonly fail: () => void };
const waiting = new Set<Waiting>();
let sweeper: NodeJS.Timeout | undefined;

function sweep() {
  const now = Date.now();
  for (const entry of waiting) {
    if (entry.until <= now) {
      waiting.delete(entry);
      entry.fail();
    }
  }
  if (waiting.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * `work`'s outcome, or a `RedisWaitExceeded` once it has taken `ms` (to within a quarter second).
 * One shared timer checks the waits; a command answered late is then ignored.
 */
export function withinRedisWait<T>(what: string, work: Promise<T>, ms = REDIS_WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Waiting = { until: Date.now() + ms, fail: () => reject(new RedisWaitExceeded(what, ms)) };
    waiting.add(entry);
    if (!sweeper) {
      sweeper = setInterval(sweep, 250);
      sweeper.unref();
    }
    work.then(
      (value) => {
        waiting.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        waiting.delete(entry);
        reject(error);
      },
    );
  });
}
