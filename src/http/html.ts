import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * A rendered page as UTF-8 bytes: one string, or pieces of which some are bytes kept from earlier
 * renders (a room's message list). hono/jsx renders a page as a string built of thousands of pieces;
 * handed to `c.html`, the node adapter measured it (`Buffer.byteLength` flattens the whole string)
 * and then encoded it again as it wrote: on a 67 KB room page those two passes were most of the
 * page's cost. Here it is encoded once.
 */
export function htmlBytes(c: Context, pieces: Array<string | Buffer>, status: ContentfulStatusCode = 200): Response {
  const body = pieces.length === 1 && typeof pieces[0] === 'string' ? Buffer.from(pieces[0]) : Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
  return c.body(body, status, { 'content-type': 'text/html; charset=UTF-8' });
}

/** A page rendered by hono/jsx (no async components), sent as bytes: see htmlBytes. */
export function htmlPage(c: Context, page: { toString(): string | Promise<string> }, status: ContentfulStatusCode = 200): Response {
  const text = page.toString();
  if (typeof text !== 'string') throw new Error('htmlPage renders synchronous pages only');
  return htmlBytes(c, [text], status);
}
