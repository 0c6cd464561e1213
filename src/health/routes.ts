import { Hono } from 'hono';
import type { AppEnv, Deps } from '../context.js';
import { ping } from '../db/client.js';

export function healthRoutes({ db, log }: Deps) {
  return new Hono<AppEnv>().get('/healthz', async (c) => {
    try {
      await ping(db);
      return c.json({ status: 'ok' });
    } catch (error) {
      log.error({ err: error }, 'health check: database unreachable');
      return c.json({ status: 'unavailable', error: 'The database does not answer.' }, 503);
    }
  });
}
