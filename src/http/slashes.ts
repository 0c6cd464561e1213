import { createMiddleware } from 'hono/factory';

// Machine endpoints keep the names probes and scrapers expect.
const WITHOUT_SLASH = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Routes are declared without the trailing slash. Both `/lobby` and `/lobby/` reach the same handler (the app is not strict about slashes); a GET for
 * the form without the slash is redirected to the canonical one, so each page has one URL.
 */
export const canonicalSlash = createMiddleware(async (c, next) => {
  // c.req.path has the trailing slash stripped (strict: false), so read the URL as sent.
  const { pathname: path, search } = new URL(c.req.url);
  const redirectable =
    (c.req.method === 'GET' || c.req.method === 'HEAD') &&
    !path.endsWith('/') &&
    !path.startsWith('//') && // never build a protocol-relative redirect to another host
    !path.slice(path.lastIndexOf('/')).includes('.') &&
    !WITHOUT_SLASH.has(path);
  if (!redirectable) return next();
  return c.redirect(`${path}/${search}`, 308);
});
