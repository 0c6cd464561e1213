import type { Context } from 'hono';

/** A request htmx made (it sends HX-Request); it wants a fragment, not a page. */
export const isHtmx = (c: Context) => c.req.header('hx-request') === 'true';
