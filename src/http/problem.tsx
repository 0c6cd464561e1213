import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorPage } from '../../views/ErrorPage.js';
import type { AppEnv } from '../context.js';
import { wantsJson } from './negotiate.js';

export type FieldMessages = Record<string, string>;

/**
 * An error a person (or an API client) can act on: JSON `{error, fields}` or a page with the message.
 * `detail` repeats the message because the old API's clients display that key.
 */
export function problem(c: Context<AppEnv>, status: ContentfulStatusCode, error: string, fields?: FieldMessages) {
  if (wantsJson(c)) {
    return c.json({ error, detail: error, ...(fields ? { fields } : {}) }, status);
  }
  // Terminals and stream readers (curl, EventSource) get the sentence, not a page.
  const accept = c.req.header('accept') ?? '';
  if (!accept.includes('text/html') && (/text\/(plain|event-stream)/.test(accept) || /\.txt$|\/events$/.test(c.req.path))) {
    // A terminal must not receive control characters echoed from the URL (an ESC sequence, a forged line).
    return c.text(`${error.replace(/\p{Cc}/gu, '\uFFFD')}\n`, status);
  }
  return c.html(<ErrorPage status={status} message={error} user={c.get('user')} />, status);
}
