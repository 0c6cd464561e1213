import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../context.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { isAcceptedUpgrade } from '../realtime/upgrade.js';

// A request id from a trusted proxy is kept only if it looks like one (no spaces, no log tricks).
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// Probes hit these every few seconds: their lines go out at debug, not info.
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One JSON line per request once it is answered: request id (also sent back as X-Request-Id),
 * method, route pattern, path (never the query string: the old socket carries its token there),
 * status, duration, user id when signed in, client address; and its duration in
 * hubbub_http_request_duration_seconds. 5xx lines are errors. An accepted WebSocket handshake is
 * logged by the socket itself when it opens and closes (src/realtime/upgrade.ts).
 */
export function requestLog(log: Logger, metrics: Metrics, fromTrustedProxy: (c: Parameters<MiddlewareHandler>[0]) => boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const offered = c.req.header('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) && fromTrustedProxy(c) ? offered : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
    if (isAcceptedUpgrade(c)) return;
    const ms = performance.now() - started;
    const { status } = c.res;
    // The pattern of whatever answered (a route, or a middleware that stopped it, such as a sign-in
    // redirect); a request that only the catch-all middleware matched is 'unmatched'.
    const matched = routePath(c);
    const route = status === 404 && (matched === '' || matched.endsWith('*')) && !c.req.path.startsWith('/static/') ? 'unmatched' : matched;
    metrics.http.observe({ method: c.req.method, route, status }, ms / 1000);
    const level = status >= 500 ? 'error' : QUIET.has(c.req.path) ? 'debug' : 'info';
    if (!log.isLevelEnabled(level)) return;
    const user = c.get('user');
    log[level](
      { event: 'request', requestId, method: c.req.method, route, path: pathOf(c.req.url), status, ms: Math.round(ms * 10) / 10, userId: user?.id, address: c.get('clientAddress') },
      'request',
    );
  };
}

/** The path as it was asked for (c.req.path may drop a trailing slash), without the query. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', start);
  return url.slice(start, query === -1 ? undefined : query);
}
