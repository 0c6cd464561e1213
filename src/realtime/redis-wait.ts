// Waiting on Redis with one shared timer. Apart from the client (redis-client.ts) so that importing it
// does not load node-redis: the rate limits use it in every mode, and embedded mode has no Redis.

/** How long a request waits on Redis before it goes on without it (a stalled, not a closed, Redis). */
export const REDIS_WAIT_MS = 5_000;

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
