import type { Context } from 'hono';

/** JSON for the API paths and for clients that ask for it; HTML for browsers. */
export function wantsJson(c: Context): boolean {
  if (c.req.path.startsWith('/api/')) return true;
  const accept = c.req.header('accept') ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
