import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.js';
import { migrationsApplied, ping } from '../db/client.js';

type Check = 'ok' | 'unreachable' | 'behind' | 'unknown' | 'not configured';

/**
 * `/healthz`: the process is alive and serving (a container's HEALTHCHECK, a liveness probe).
 * `/readyz`: it can do its work: the database answers and holds every migration of this build, and
 * Redis answers when one is configured (a load balancer's readiness probe). Both JSON; not ready is
 * 503 with each check's state and a sentence.
 */
export function healthRoutes({ db, log, config, realtime }: Deps) {
  async function database(): Promise<{ database: Check; migrations: Check }> {
    try {
      await ping(db);
      return { database: 'ok', migrations: (await migrationsApplied(db)) ? 'ok' : 'behind' };
    } catch (error) {
      log.error({ err: error }, 'readiness: database unreachable');
      return { database: 'unreachable', migrations: 'unknown' };
    }
  }

  async function redis(): Promise<Check> {
    if (!config.redisUrl) return 'not configured';
    try {
      await realtime.bus.ping();
      return 'ok';
    } catch (error) {
      log.warn({ err: error }, 'readiness: Redis unreachable');
      return 'unreachable';
    }
  }

  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const [store, bus] = await Promise.all([database(), redis()]);
      const checks = { ...store, redis: bus };
      const problems = [
        store.database === 'unreachable' ? 'the database does not answer' : null,
        store.migrations === 'behind' ? 'the database lacks migrations this version needs (start the newest version once to apply them)' : null,
        bus === 'unreachable' ? 'Redis does not answer' : null,
      ].filter(Boolean);
      if (problems.length === 0) return c.json({ status: 'ready', checks });
      return c.json({ status: 'unavailable', checks, error: `Not ready: ${problems.join('; ')}.` }, 503);
    });
}
