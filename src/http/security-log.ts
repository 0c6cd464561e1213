import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.js';
import type { Logger } from '../log.js';

// Refusals worth an operator's attention: not signed in, another site, over a limit, too large.
const NOTEWORTHY = new Set([401, 403, 413, 429]);

/** Logs every refusal with who (user id, client address), what (method, path) and why (status). */
export function securityEvents(log: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const status = c.res.status;
    if (!NOTEWORTHY.has(status)) return;
    const user = c.get('user');
    log.warn(
      { event: 'refused', status, method: c.req.method, path: c.req.path, address: c.get('clientAddress'), userId: user?.id ?? null, origin: c.req.header('origin') ?? null },
      'request refused',
    );
  });
}
