import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Deps } from '../context.js';
import { problem } from '../http/problem.js';
import { wantsJson } from '../http/negotiate.js';
import { withRole } from '../admin/roles.js';
import { accessTokenHolder } from './api-tokens.js';
import { clearSessionCookie, readSessionCookie, writeSessionCookie } from './cookie.js';
import { sessionPolicy, validateSessionToken } from './sessions.js';

export const bearerToken = (c: Context) => c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];

/**
 * Puts `user` (with the role it holds, see src/admin/roles.ts) and `session` on the context: from the
 * session cookie, else from a bearer access token. A disabled account's credentials find nobody.
 */
export function authenticate({ db, config, secret }: Deps): MiddlewareHandler<AppEnv> {
  const policy = sessionPolicy(config);
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('user', null);
    c.set('session', null);
    c.set('accessExpiresAt', null);
    const token = readSessionCookie(c, config);
    const result = token ? await validateSessionToken(db, token, policy) : null;
    if (token && !result) clearSessionCookie(c, config);
    if (result) {
      c.set('user', withRole(result.user, config));
      c.set('session', result.session);
      if (result.extended) writeSessionCookie(c, config, token!, result.session.expiresAt);
    } else {
      // No session (or a stale cookie beside it): a bearer access token speaks for the client.
      const access = bearerToken(c);
      const holder = access ? await accessTokenHolder(db, access, secret) : null;
      if (holder) {
        c.set('user', withRole(holder.user, config));
        c.set('accessExpiresAt', holder.expiresAt);
      }
    }
    await next();
  });
}

/** Pages send people to the sign-in page; API clients, terminals and socket handshakes get a 401. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('user')) return next();
  const accept = c.req.header('accept') ?? '';
  const machine = wantsJson(c) || bearerToken(c) || c.req.header('upgrade') || /text\/(event-stream|plain)/.test(accept) || /\.txt$|\/events$/.test(c.req.path);
  if (machine) return problem(c, 401, 'Sign in first: send a valid access token.');
  return c.redirect('/', 303);
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery guard for browser requests. A state-changing request must come from our
 * own origin (the Origin header, or Sec-Fetch-Site where Origin is absent). Requests authenticated
 * only by a bearer token carry no ambient credential, so the old client may call them from its own
 * origin; so may the /api/ token endpoints, which never read the cookie. A request with neither
 * header comes from a non-browser client (curl) that a web page cannot drive.
 */
export function sameOriginWrites({ config }: Deps): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.req.path.startsWith('/api/')) return next();
    if (bearerToken(c) && !readSessionCookie(c, config)) return next();
    if (!fromOwnOrigin(c, config)) return problem(c, 403, 'This request came from another site, so it was refused. Open Hubbub directly and try again.');
    return next();
  });
}

/**
 * Origin (or, without it, Sec-Fetch-Site) names this app or an origin the operator listed in
 * ALLOWED_ORIGINS; a client that sends neither is not a browser.
 */
export function fromOwnOrigin(c: Context, config: Deps['config']): boolean {
  const expected = config.publicOrigin ?? new URL(c.req.url).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined) return origin === expected || config.allowedOrigins.includes(origin);
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** WebSocket handshakes carry the cookie like any request: refuse one opened by another site's page. */
export function sameOriginSockets({ config }: Deps): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!fromOwnOrigin(c, config)) return problem(c, 403, 'This connection came from another site, so it was refused.');
    return next();
  });
}
