import type { Context } from 'hono';

/** A request whose body cannot be read at all: answered 400 with the message (see app.tsx). */
export class BadRequest extends Error {}

/**
 * The submitted fields as plain strings, from a form or (for API clients) a JSON object; files,
 * repeated fields and non-string values are ignored, so validation reports them as missing. A body
 * that claims to be JSON and is not is a BadRequest, not an empty form.
 */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const isJson = /^application\/json/i.test(c.req.header('content-type') ?? '');
  const body: unknown = isJson
    ? await c.req.json().catch(() => {
        throw new BadRequest('The body is not valid JSON.');
      })
    : await c.req.parseBody().catch(() => ({}));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') fields[name] = value;
  }
  return fields;
}

export type JsonBody = { ok: true; body: unknown } | { ok: false; status: 400 | 415; error: string };

/** JSON endpoints take JSON only: a form post from another site can never reach them as valid input. */
export async function jsonBody(c: Context): Promise<JsonBody> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { ok: false, status: 415, error: 'Send the body as JSON with Content-Type: application/json.' };
  }
  try {
    return { ok: true, body: await c.req.json() };
  } catch {
    return { ok: false, status: 400, error: 'The body is not valid JSON.' };
  }
}
