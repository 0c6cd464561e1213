import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { accountRoutes } from './auth/account-routes.js';
import { requireAdmin } from './admin/middleware.js';
import { adminRoutes } from './admin/routes.js';
import { apiAuthRoutes } from './auth/api.js';
import { authenticate, requireUser, sameOriginWrites } from './auth/middleware.js';
import { authRoutes } from './auth/routes.js';
import type { AppEnv, Deps } from './context.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { healthRoutes } from './health/routes.js';
import { BadRequest } from './http/forms.js';
import { problem } from './http/problem.js';
import { jsonCharset, noStore, securityHeaders } from './http/security.js';
import { securityEvents } from './http/security-log.js';
import { clientAddressResolver, trustedPeer } from './http/client-address.js';
import { requestLog } from './http/request-log.js';
import { metricsRoutes } from './metrics/routes.js';
import { canonicalSlash } from './http/slashes.js';
import { root } from './paths.js';
import { messageRoutes } from './messages/routes.js';
import { transcript } from './messages/transcript.js';
import { eventRoutes } from './realtime/event-stream.js';
import { legacySocketRoutes } from './realtime/legacy-socket.js';
import { liveRoutes } from './realtime/routes.js';
import { loadRoom } from './rooms/middleware.js';
import { roomRoutes } from './rooms/routes.js';
import { roomSettingsRoutes } from './rooms/settings-routes.js';

const publicDir = join(root, 'public');
// htmx is served from the installed package, so the page always runs the version the lockfile pins.
const htmxDir = join(root, 'node_modules', 'htmx.org', 'dist');

/** A failed query's message lists its parameters (a password hash, a message body): log its cause and SQL only. */
function loggable(error: Error) {
  const { query, cause } = error as { query?: unknown; cause?: unknown };
  return typeof query === 'string' && cause instanceof Error ? { err: cause, query } : { err: error };
}

/**
 * Refuses a body over `maxSize` (413) before anything reads it. A body that states its length is
 * judged by the header alone, so the request is never turned into a web Request with a stream
 * (the server then reads the body straight from the socket when a route asks for it); a chunked
 * body is counted as it is read (hono's bodyLimit).
 */
function limitBodies(maxSize: number): MiddlewareHandler {
  const tooLarge = (c: Context) => (c.header('Connection', 'close'), problem(c, 413, 'That request is too large.'));
  const counting = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    // No route reads the body of a GET or HEAD: Node discards it as it comes.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counting(c, next);
    return Number(length) > maxSize ? tooLarge(c) : next();
  };
}

export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>({ strict: false });

  const clientAddress = clientAddressResolver(deps.config.trustedProxies);

  app.use(requestLog(deps.log, deps.metrics, trustedPeer(deps.config.trustedProxies)));
  app.use(securityHeaders(deps.config));
  app.use(jsonCharset);
  app.use(noStore);
  app.use(async (c, next) => {
    c.set('clientAddress', clientAddress(c));
    await next();
  });
  app.use(securityEvents(deps.log));
  app.use(canonicalSlash);
  app.use('/static/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=3600');
  });
  app.use('/static/vendor/htmx/*', serveStatic({ root: htmxDir, rewriteRequestPath: (path) => path.replace(/^\/static\/vendor\/htmx/, '') }));
  app.use('/static/*', serveStatic({ root: publicDir, rewriteRequestPath: (path) => path.replace(/^\/static/, '') }));
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  // Forms and JSON bodies are small; anything larger is refused before it is parsed.
  // The rest of an oversized body is never read, so the connection cannot carry another request.
  app.use(limitBodies(deps.config.limits.requestBytes));
  app.use(sameOriginWrites(deps));
  app.use(authenticate(deps));

  app.route('/', authRoutes(deps));
  // The old app's client calls the API from its own origin. These calls carry no cookie (tokens
  // only), so any origin may make them; credentials are never allowed cross-origin.
  app.use('/api/*', cors({ origin: '*', allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization'], maxAge: 600 }));
  app.route('/api', apiAuthRoutes(deps));
  app.route('/ws', legacySocketRoutes(deps));
  app.use('/account/*', requireUser);
  app.route('/account', accountRoutes(deps));
  app.use('/admin/*', requireUser, requireAdmin);
  app.route('/admin', adminRoutes(deps));
  app.use('/lobby/*', requireUser);
  app.route('/lobby', liveRoutes(deps));
  app.route('/lobby', eventRoutes(deps));
  app.get('/lobby/:room/messages.txt', loadRoom(deps), (c) => transcript(c, deps, c.req.path));
  app.use('/lobby/:room/messages/*', loadRoom(deps, { recent: 'writes' }));
  app.route('/lobby/:room/messages', messageRoutes(deps));
  app.route('/lobby', roomRoutes(deps));
  app.route('/lobby', roomSettingsRoutes(deps));

  app.notFound((c) => problem(c, 404, 'There is nothing at this address.'));
  app.onError((error, c) => {
    if (error instanceof BadRequest) return problem(c, 400, error.message);
    if (isDatabaseUnavailable(error)) {
      deps.log.warn({ ...loggable(error), requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'database unavailable');
      c.header('Retry-After', '1');
      return problem(c, 503, 'The server cannot reach its database right now. Nothing was saved; please try again in a moment.');
    }
    deps.log.error({ ...loggable(error), requestId: c.get('requestId'), method: c.req.method, path: c.req.path }, 'request failed');
    return problem(c, 500, 'Something went wrong on our side. Please try again in a moment.');
  });
  return app;
}
