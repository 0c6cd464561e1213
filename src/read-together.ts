/**
 * Reads by key that arrive while `inFlight` reads are under way wait and go together in the next
 * one: one query for all their keys. A crowd connecting at once (each socket reading its session and
 * its room) then costs a few round trips instead of one each. Every read still starts after the
 * request for it arrived, so no answer is older than a read of its own would have been; with fewer
 * reads in flight a read goes at once, adding no wait.
 *
 * `readMany` answers the rows found, by key; a key it does not answer reads as undefined. A failed
 * read fails every request in it.
 */
export function readTogether<K, V>(readMany: (keys: K[]) => Promise<Map<K, V>>, inFlight = 2): (key: K) => Promise<V | undefined> {
  type Waiter = { resolve: (value: V | undefined) => void; reject: (error: unknown) => void };
  let running = 0;
  let waiting = new Map<K, Waiter[]>();

  const next = () => {
    if (running >= inFlight || waiting.size === 0) return;
    const batch = waiting;
    waiting = new Map();
    running++;
    readMany([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
      },
      (error: unknown) => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      },
    ).finally(() => {
      running--;
      next();
    });
  };

  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const waiters = waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      next();
    });
}
