import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.js';
import { migrationsApplied, ping } from '../db/client.js';

type Check = 'ok' | 'unreachable' | 'behind' | 'not configured';

/**
 * `/healthz`: the process is alive and serving (a container's HEALTHCHECK, a liveness probe).
 * `/readyz`: it can do its work: the database answers and holds every migration of this build, and
 * Redis answers when one is configured (a load balancer's readiness probe). Both JSON; not ready is
 * 503 with each check's state and a sentence.
 */
export function healthRoutes({ db, log, config, realtime }: Deps) {
  async function database(): Promise<Check> {
    try {
      await ping(db);
      return (await migrationsApplied(db)) ? 'ok' : 'behind';
    } catch (error) {
      log.error({ err: error }, 'readiness: database unreachable');
      return 'unreachable';
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
      const checks = { database: store === 'behind' ? 'ok' : store, migrations: store === 'ok' ? 'ok' : store === 'behind' ? 'behind' : 'unknown', redis: bus };
      if (store === 'ok' && (bus === 'ok' || bus === 'not configured')) return c.json({ status: 'ready', checks });
      const problems = [
        store === 'unreachable' ? 'the database does not answer' : null,
        store === 'behind' ? 'the database lacks migrations this version needs (start the newest version once to apply them)' : null,
        bus === 'unreachable' ? 'Redis does not answer' : null,
      ].filter(Boolean);
      return c.json({ status: 'unavailable', checks, error: `Not ready: ${problems.join('; ')}.` }, 503);
    });
}
